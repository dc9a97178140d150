"""``spinemet report`` and ``spinemet demo`` end to end (CliRunner): sources, default output, bad input
writes nothing, ``--by`` validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import spinemet.cli.report_cmds  # noqa: F401 - registers the commands
from spinemet.cli.app import app
from spinemet.cohort.demo import demo_path

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.fixture()
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory without a registry database."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPINEMET_DATABASE_URL", raising=False)
    return tmp_path


def test_no_cohort_and_no_registry_is_refused_the_demo_only_when_asked(cwd: Path) -> None:
    """Issue 9: without a file and a registry, `report` used to write the demo's report with exit 0."""
    result = run("report", "-q")
    assert result.exit_code == 2
    assert "no cohort to report" in result.stderr and "--demo" in result.stderr
    assert _files(cwd) == []
    both = run("report", "x.csv", "--demo", "-q")
    assert both.exit_code == 2 and _files(cwd) == []


def test_default_output_is_html_of_the_demo(cwd: Path) -> None:
    result = run("report", "--demo", "-q")
    assert result.exit_code == 0, result.output
    assert "demo cohort" in result.stderr
    assert "spinemet-report/report.html" in result.stderr
    assert _files(cwd) == [cwd / "spinemet-report" / "report.html"]
    html = (cwd / "spinemet-report" / "report.html").read_text(encoding="utf-8")
    assert "demo cohort" in html and "<svg " in html


def test_cohort_file_to_json(cwd: Path) -> None:
    result = run("report", str(demo_path()), "--json", "out.json", "-q")
    assert result.exit_code == 0, result.output
    assert "cohort file demo_cohort.csv (55 patients)" in result.stderr
    data = json.loads((cwd / "out.json").read_text(encoding="utf-8"))
    assert data["n"] == 55
    assert data["meta"]["ci_method"] == "log"
    assert _files(cwd) == [cwd / "out.json"]


def _bad_csv(path: Path) -> Path:
    lines = demo_path().read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index("kps")
    cells = lines[3].split(",")
    cells[col] = "75"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_invalid_cohort_writes_nothing(cwd: Path) -> None:
    bad = _bad_csv(cwd / "bad.csv")
    out = cwd / "out"
    result = run(
        "report",
        str(bad),
        "--html",
        str(out / "r.html"),
        "--json",
        str(out / "r.json"),
        "--tables-dir",
        str(out / "t"),
        "--figures-dir",
        str(out / "f"),
        "-q",
    )
    assert result.exit_code == 1
    assert "bad.csv, row 4: error: kps: got '75'; allowed: 10-100 in steps of 10" in result.stderr
    assert "allowed" in result.stderr and "no report written" in result.stderr
    assert _files(cwd) == [bad]
    assert not out.exists()


def test_missing_file(cwd: Path) -> None:
    result = run("report", "nope.csv", "-q")
    assert result.exit_code == 2
    assert "not found" in result.stderr
    assert _files(cwd) == []


def test_by_unknown_column_lists_allowed(cwd: Path) -> None:
    result = run("report", str(demo_path()), "--by", "favourite_colour", "--html", "r.html", "-q")
    assert result.exit_code == 2
    assert "--by: got 'favourite_colour'; allowed:" in result.stderr
    for allowed in ("procedure", "sex", "sins_band", "tokuhashi_band", "region"):
        assert allowed in result.stderr
    assert "patient_id" not in result.stderr.split("allowed:")[1]
    assert _files(cwd) == []


def test_by_procedure(cwd: Path) -> None:
    result = run("report", str(demo_path()), "--by", "procedure", "--json", "r.json", "-q")
    assert result.exit_code == 0, result.output
    by = json.loads((cwd / "r.json").read_text(encoding="utf-8"))["by"]
    assert [g["group"] for g in by["groups"]] == ["conventional", "mist"]
    assert 0 < by["logrank"]["p"] < 1


@pytest.mark.parametrize(
    ("option", "value"), [("--median-ci", "exact"), ("--style", "fancy"), ("--percent", "x")]
)
def test_bad_option_values(cwd: Path, option: str, value: str) -> None:
    result = run("report", str(demo_path()), option, value, "-q")
    assert result.exit_code == 2
    assert f"{option}: got '{value}'; allowed:" in result.stderr
    assert _files(cwd) == []


def test_registry_source(cwd: Path) -> None:
    """With no COHORT, patients in the registry (./spinemet.sqlite) are reported, not the demo."""
    import spinemet.cli.registry_cmds  # noqa: F401 - registers ``import``

    db = cwd / "reg.sqlite"
    imported = run("import", str(demo_path()), "--db", str(db), "--reason", "test", "--user", "tester")
    if imported.exit_code != 0:
        pytest.skip(f"registry import unavailable: {imported.output}")
    result = run("report", "--db", str(db), "--json", "r.json", "-q")
    assert result.exit_code == 0, result.output
    assert "source: registry" in result.stderr
    data = json.loads((cwd / "r.json").read_text(encoding="utf-8"))
    assert data["n"] == 55 and data["meta"]["source_kind"] == "registry"
    assert data["discharge"]["home"] == 37


def test_a_named_registry_that_is_absent_is_an_error_not_the_demo(cwd: Path) -> None:
    """Issue 9: `--db` naming a missing registry fails with the reason; the demo only when asked for."""
    result = run("report", "--db", str(cwd / "absent.sqlite"), "--json", "r.json", "-q")
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.stderr and "source: demo cohort" not in result.stderr
    assert not (cwd / "absent.sqlite").exists() and not (cwd / "r.json").exists()


def test_an_unreadable_registry_is_an_error_not_the_demo(cwd: Path) -> None:
    """A truncated SQLite file: the reason, exit 2, no report."""
    broken = cwd / "broken.sqlite"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 40)
    result = run("report", "--db", str(broken), "--json", "r.json", "-q")
    assert result.exit_code == 2, result.output
    assert "cannot be read" in result.stderr and "source: demo cohort" not in result.stderr
    assert not (cwd / "r.json").exists()


def test_demo_command(cwd: Path) -> None:
    result = run("demo", "--out", "d", "-q")
    assert result.exit_code == 0, result.output
    assert {p.name for p in _files(cwd / "d")} == {"report.html", "report.json", "report.docx"}
    assert "report.html" in result.stdout
    data = json.loads((cwd / "d" / "report.json").read_text(encoding="utf-8"))
    assert data["meta"]["ci_method"] == "log"  # the same default as `spinemet report`
    assert data["meta"]["source_kind"] == "demo cohort"


def test_analysis_failure_writes_nothing(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An analysis that raises on the data gives a clear message naming where, exit 1 and no file."""
    import spinemet.analysis.study as study

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(study, "analyse_study", broken)
    result = run("report", str(demo_path()), "--html", "r.html", "--json", "r.json", "-q")
    assert result.exit_code == 1
    assert "the analysis failed: ZeroDivisionError" in result.stderr
    assert "no report written" in result.stderr
    assert _files(cwd) == []


@pytest.mark.parametrize("suffix", ["xlsx", "sav"])
def test_excel_and_spss_inputs(cwd: Path, suffix: str) -> None:
    """Any format ``spinemet import`` reads: the demo written as .xlsx / .sav gives the same numbers."""
    from spinemet.cohort import load_demo, write_cohort

    path = cwd / f"demo.{suffix}"
    write_cohort(load_demo(), path, suffix)
    result = run("report", str(path), "--json", "r.json", "-q")
    assert result.exit_code == 0, result.output
    data = json.loads((cwd / "r.json").read_text(encoding="utf-8"))
    assert data["n"] == 55
    assert data["discharge"]["home"] == 37
    assert data["frankel"]["improved_or_e_maintained"] == 35
