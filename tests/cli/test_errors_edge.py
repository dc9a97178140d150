"""Issue 9: foreseeable failures end with one sentence (no traceback, no patient data); data printed to the
terminal cannot inject rich markup or escape sequences; an empty de-identification key is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import spinemet.cli.registry_cmds  # noqa: F401 - registers the commands
from spinemet.cli.app import app
from spinemet.cli.safe_text import describe_failure, markup, plain
from tests.cohort.conftest import BASE, csv_text

runner = CliRunner()
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-m", "spinemet.cli.main", *args], capture_output=True, text=True,
                          env=env, timeout=120, check=False)  # fmt: skip


@pytest.mark.parametrize(
    ("db", "expected"),
    [
        # a read command never creates a registry: a missing SQLite file is named before connecting
        ("sqlite:////nonexistent-folder/x/registry.db", "no registry at '/nonexistent-folder/x/registry.db'"),
        ("mysql+nothing://u@h/db", "database URL cannot be used"),
        ("postgresql+psycopg://postgres@127.0.0.1:1/test", "Connection refused"),
    ],
)
def test_unreachable_database_is_one_sentence(db, expected):
    result = _cli("patients", "--db", db)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and expected in result.stderr


def test_truncated_sqlite_file_is_one_sentence(tmp_path):
    path = tmp_path / "broken.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    result = _cli("patients", "--db", f"sqlite:///{path}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "database" in result.stderr


def test_missing_output_folder_is_one_sentence(tmp_path):
    result = _cli("synth", "--n", "3", "-o", str(tmp_path / "no" / "such" / "c.csv"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"the folder {tmp_path / 'no' / 'such'} does not exist" in result.stderr


def test_database_error_never_shows_parameters():
    import sqlalchemy.exc as sa_exc

    class Orig(Exception):
        pass

    orig = Orig(
        'duplicate key value violates unique constraint "patient_pkey"\nDETAIL:  Key (patient_id)=(P-SECRET)'
    )
    exc = sa_exc.IntegrityError("INSERT INTO patient VALUES (%(a)s)", {"a": "P-SECRET", "age": 77}, orig)
    message = describe_failure(exc)
    assert message is not None and "unique constraint" in message
    assert "P-SECRET" not in message and "77" not in message and "INSERT" not in message


def test_plain_and_markup_strip_escapes():
    assert plain("P1\x1b[31mred\x1b[0m\x1b]8;;http://x\x07link\x1b]8;;\x07\x07") == "P1redlink"
    assert plain("a\u202eb\x00c\tok\n") == "abc\tok\n"
    assert markup("[/bold]") == "\\[/bold]"


def test_patients_and_audit_show_markup_like_ids_literally(tmp_path):
    cohort = tmp_path / "c.csv"
    cohort.write_text(csv_text([{**BASE, "patient_id": "[/bold]"}, {**BASE, "patient_id": "[red]x[/]"}]),
                      encoding="utf-8")  # fmt: skip
    db = f"sqlite:///{tmp_path / 'r.db'}"
    imported = runner.invoke(app, ["import", str(cohort), "--db", db, "--reason", "[/]"])
    assert imported.exit_code == 0, imported.output
    listed = runner.invoke(app, ["patients", "--db", db], env={"COLUMNS": "250"})
    assert listed.exit_code == 0, listed.output
    assert "[/bold]" in listed.output and "[red]x[/]" in listed.output
    audit = runner.invoke(app, ["audit", "--db", db], env={"COLUMNS": "400"})
    assert audit.exit_code == 0, audit.output
    assert "[/]" in audit.output


def test_validate_strips_control_characters_from_data(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(csv_text([{**BASE, "kps": "7\x1b[2J0"}]), encoding="utf-8")
    result = _cli("validate", str(path))
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and "kps" in result.stdout


@pytest.mark.parametrize("key", ["", "   "])
def test_export_refuses_an_empty_key(tmp_path, key):
    cohort = tmp_path / "c.csv"
    cohort.write_text(csv_text([BASE]), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'r.db'}"
    assert runner.invoke(app, ["import", str(cohort), "--db", db, "--reason", "load"]).exit_code == 0
    out = tmp_path / "shared.csv"
    result = runner.invoke(app, ["export", "-o", str(out), "--db", db, "--deidentified", "--key", key])
    assert result.exit_code != 0
    assert "empty or whitespace-only" in result.output
    assert not out.exists()
