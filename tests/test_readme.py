"""The README's command examples, run as written (issue 11).

Every ``spinemet ...`` line of the README's ```bash blocks (continuation lines joined, comments and
``&&`` chains split) is run in order, in a temporary folder holding the demo cohort as ``cohort.csv``, a
REDCap records export as ``export.csv`` (coded with the dictionary that ``spinemet template`` writes) and
a study file ``study.toml``, with ``SPINEMET_DEID_KEY`` and ``SPINEMET_BACKUP_KEY`` set; each must exit 0.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spinemet.cli.main import app  # the app with every command registered
from spinemet.cohort.demo import demo_path
from tests.report.test_study_report import STUDY_TOML

README = Path(__file__).resolve().parents[1] / "README.md"

# A REDCap records export of a project built from `spinemet template --format redcap-dictionary`:
# sex 2 = F, primary_tumor 5 = kidney, chemotherapy (yesno) 1 = yes.
EXPORT = "patient_id,sex,primary_tumor,kps,chemotherapy,spinemet_complete\nR-001,2,5,70,1,2\n"


def readme_commands(text: str) -> list[str]:
    """The ``spinemet`` command lines of the README's ```bash blocks, in order."""
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.S):
        joined = block.replace("\\\n", " ")
        for line in joined.splitlines():
            line = re.sub(r"\s+#.*$", "", line).strip()
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("spinemet"):
                    commands.append(part)
    return commands


ALL_COMMANDS = readme_commands(README.read_text(encoding="utf-8"))
#: Commands that run until stopped (the web server): their options are parsed, not run.
LONG_RUNNING = ("serve",)
COMMANDS = [c for c in ALL_COMMANDS if shlex.split(c)[1] not in LONG_RUNNING]
SERVERS = [c for c in ALL_COMMANDS if shlex.split(c)[1] in LONG_RUNNING]


def test_the_readme_has_examples_of_every_area() -> None:
    names = {shlex.split(c)[1] for c in ALL_COMMANDS}
    assert {"score", "validate", "import", "template", "patients", "export", "report", "audit"} <= names
    assert "serve" in names
    assert not any("..." in c or "[" in c for c in ALL_COMMANDS), "placeholders cannot be run as written"


def test_readme_server_examples_parse() -> None:
    """`spinemet serve ...` runs until stopped: each example's options must be ones the command accepts."""
    import typer.main

    group = typer.main.get_command(app)
    for command in SERVERS:
        words = shlex.split(command)[1:]
        cmd = group.commands[words[0]]  # type: ignore[attr-defined]
        ctx = cmd.make_context(words[0], words[1:])
        assert ctx.params, command


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("readme")
    shutil.copy(demo_path(), path / "cohort.csv")
    (path / "export.csv").write_text(EXPORT, encoding="utf-8")
    (path / "study.toml").write_text(STUDY_TOML, encoding="utf-8")  # the study file of the report tests
    return path


def test_readme_examples_run_as_written(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(folder)
    monkeypatch.delenv("SPINEMET_DATABASE_URL", raising=False)
    monkeypatch.setenv("SPINEMET_DEID_KEY", "readme-test-key-of-32-characters")
    monkeypatch.setenv("SPINEMET_BACKUP_KEY", "readme-backup-key-of-32-characters")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    runner = CliRunner()
    for command in COMMANDS:
        args = [os.path.expandvars(a) for a in shlex.split(command)[1:]]
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, f"{command}\n{result.output}"
    assert (folder / "registry.xlsx").is_file() and (folder / "report.html").is_file()
