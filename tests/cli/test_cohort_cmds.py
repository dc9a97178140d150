"""``spinemet validate`` and ``spinemet synth``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spinemet.cli.main import app  # the app with every command registered
from spinemet.cli.problems_format import PROBLEM_KEYS
from spinemet.cohort import read_cohort, synth

REDCAP = Path(__file__).resolve().parents[1] / "data" / "redcap"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_synth_then_validate_csv(runner, tmp_path):
    out = tmp_path / "c.csv"
    result = runner.invoke(app, ["synth", "--n", "200", "--seed", "3", "--sites", "2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote 200 rows to {out}" in result.stdout
    frame = read_cohort(out).frame
    assert frame.equals(synth(200, seed=3, sites=2))
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0
    assert "c.csv: valid: 200 rows, 0 error(s), 0 warning(s)" in result.stdout


@pytest.mark.parametrize("ext", ["xlsx", "sav"])
def test_synth_other_formats(runner, tmp_path, ext):
    out = tmp_path / f"c.{ext}"
    assert runner.invoke(app, ["synth", "--n", "20", "-o", str(out)]).exit_code == 0
    assert read_cohort(out).frame.equals(synth(20))


def test_validate_prints_every_problem_and_fails(runner, tmp_path):
    frame = synth(10, seed=1)
    path = tmp_path / "bad.csv"
    frame.assign(kps=frame["kps"].astype(object)).to_csv(path, index=False)
    text = path.read_text().splitlines()
    header = text[0].split(",")
    cells = text[3].split(",")
    cells[header.index("kps")] = "75"
    cells[header.index("sex")] = "X"
    text[3] = ",".join(cells)
    path.write_text("\n".join(text) + "\n")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "bad.csv, row 4: error: sex: got 'X'; allowed: one of: M, F",
        "bad.csv, row 4: error: kps: got '75'; allowed: 10-100 in steps of 10",
        "bad.csv: INVALID: 10 rows, 2 error(s), 0 warning(s)",
    ]
    result = runner.invoke(app, ["validate", str(path), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["n_errors"] == 2 and report["n_rows"] == 10 and report["file"] == "bad.csv"
    assert [(p["file"], p["row"], p["column"], p["value"]) for p in report["problems"]] == [
        ("bad.csv", 4, "sex", "X"),
        ("bad.csv", 4, "kps", "75"),
    ]
    assert all(list(p) == list(PROBLEM_KEYS) for p in report["problems"])


def test_validate_warnings_allowed(runner, tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("patient_id,frankel_post\nP1,E\n")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert "warning" in result.stdout and "1 warning(s)" in result.stdout


def test_validate_keep_extra_and_dictionary(runner, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("patient_id,ward\nP1,7B\n")
    assert runner.invoke(app, ["validate", str(path)]).exit_code == 1
    assert runner.invoke(app, ["validate", str(path), "--keep-extra"]).exit_code == 0
    records, dictionary = REDCAP / "spinemet_records.csv", REDCAP / "spinemet_dictionary.csv"
    result = runner.invoke(app, ["validate", str(records), "--dictionary", str(dictionary)])
    assert result.exit_code == 0, result.stdout
    assert "3 rows" in result.stdout


def test_validate_unreadable_inputs(runner, tmp_path):
    result = runner.invoke(app, ["validate", str(tmp_path / "missing.csv")])
    assert result.exit_code == 2 and "file not found" in result.stderr
    path = tmp_path / "latin.csv"
    path.write_bytes("patient_id,site\nP1,Zürich\n".encode("cp1252"))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1 and "not UTF-8" in result.stdout


def test_synth_refuses_unknown_extension(runner, tmp_path):
    result = runner.invoke(app, ["synth", "--n", "5", "-o", str(tmp_path / "c.json")])
    assert result.exit_code == 2 and "cannot tell the format" in result.stderr


def test_validate_header_only_file_warns_no_data_rows(runner, tmp_path):
    """An empty cohort is valid (a template; exit 0) but the user is told it holds no patients."""
    path = tmp_path / "empty.csv"
    path.write_text("patient_id,kps,sex\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "no data rows" in result.stdout
    assert "empty.csv: valid: 0 rows, 0 error(s), 1 warning(s)" in result.stdout
