"""Help that fits its readers (issue 11): an example for every command, no type tags, --version."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from spinemet import __version__
from spinemet.cli.app import EXAMPLES
from spinemet.cli.main import app  # the app with every command registered

runner = CliRunner()


def _paths(command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, sub in (getattr(command, "commands", None) or {}).items():
        out.append((*prefix, name))
        out += _paths(sub, (*prefix, name))
    return out


COMMANDS = _paths(typer.main.get_command(app))
GROUPS = {("db",), ("followup",), ("user",)}


def test_every_command_is_listed() -> None:
    names = {c[0] for c in COMMANDS}
    assert {"score", "validate", "import", "template", "patients", "audit", "report"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_has_an_example_and_no_type_tags(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    text = result.output
    assert not re.search(r"<(bool|str|file|path|int|float|list\[[a-z]+\])>", text), text
    assert "{" not in text.split("\n", 1)[0], text  # usage line: FILE, not {FILE}
    if path in GROUPS:
        return  # db, followup: their subcommands carry the examples
    assert "Example" in text, text
    examples = EXAMPLES[" ".join(path)]
    for line in examples:
        assert f"  {line}" in text  # shown as written, not re-flowed
        assert line.startswith(f"spinemet {' '.join(path)}")


def test_version_option_and_command() -> None:
    for args in (["--version"], ["version"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and result.output == f"spinemet {__version__}\n"


def test_no_internal_names_in_messages(tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("patient_id,ward\nP1,7B\n")
    result = runner.invoke(app, ["validate", str(path)])
    assert "(to keep it: --keep-extra)" in result.output and "keep_extra" not in result.output
    odd = tmp_path / "c.dat"
    odd.write_text("patient_id\nP1\n")
    result = runner.invoke(app, ["validate", str(odd)])
    assert "--format" in result.output and "fmt" not in result.output.replace("format", "")
