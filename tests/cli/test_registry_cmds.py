"""The registry commands end to end (CliRunner), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner, Result

import spinemet.cli.registry_cmds  # noqa: F401 - registers the commands
from spinemet.cli.app import app
from spinemet.cohort.demo import demo_path
from spinemet.registry.backup import table_counts
from spinemet.registry.engine import make_engine
from spinemet.registry.schema import head_revision
from tests.registry.conftest import backend, db_factory, db_url  # noqa: F401 - fixtures

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(app, list(args), env=env, catch_exceptions=False)


def _counts(url: str) -> dict[str, int]:
    """Rows per registry table ({} when the schema was never created)."""
    eng = make_engine(url)
    try:
        with eng.connect() as conn:
            if "patient" not in inspect(conn).get_table_names():
                return {}
            return table_counts(conn)
    finally:
        eng.dispose()


def _lines(output: str) -> list[dict]:
    """JSON lines: one object per line."""
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_import_patients_export(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    result = run("import", str(demo_path()), "--db", db_url, "--reason", "initial load", "--user", "alice")
    assert result.exit_code == 0, result.output
    assert "55 new, 0 updated" in result.output
    again = run("import", str(demo_path()), "--db", db_url, "--reason", "again")
    assert "0 new, 0 updated (0 values), 55 unchanged" in again.output

    listed = run("patients", "--db", db_url, "--json")
    records = _lines(listed.output)
    assert all(line.startswith('{"patient_id": ') for line in listed.output.splitlines())
    assert len(records) == 55
    assert set(records[0]) <= {"patient_id", "site", "sex", "age", "primary_tumor", "main_level", "procedure",
                               "survival_months", "dead"}  # fmt: skip
    assert "surgery_date" not in records[0]
    first = next(r for r in records if r["patient_id"] == "DEMO-001")
    # integer and binary cohort columns print as integers (demo: age 55, dead 0), numbers stay floats
    assert '"age": 55,' in listed.output and '"age": 55.0' not in listed.output
    assert first["age"] == 55 and type(first["age"]) is int and type(first["dead"]) is int
    assert all(type(r["dead"]) is int and type(r["age"]) is int for r in records)
    assert type(first["survival_months"]) is float and first["survival_months"] == 17.37
    lung = _lines(run("patients", "--db", db_url, "--json", "--filter", "primary_tumor=lung").output)
    assert lung and all(r["primary_tumor"] == "lung" for r in lung)
    assert len(lung) == sum(r["primary_tumor"] == "lung" for r in records)
    both = ("--filter", "primary_tumor=lung", "--filter", "sex=M")
    m_lung = _lines(run("patients", "--db", db_url, "--json", *both).output)
    assert {r["patient_id"] for r in m_lung} == {r["patient_id"] for r in lung if r["sex"] == "M"}
    table = run("patients", "--db", db_url, "--site", "DEMO")
    assert "55 patient(s)" in table.output
    bad_filter = run("patients", "--db", db_url, "--filter", "kps")
    assert bad_filter.exit_code == 1 and "col=value" in bad_filter.output
    unknown = run("patients", "--db", db_url, "--filter", "nonsense=1")
    assert unknown.exit_code == 1 and "nonsense" in unknown.output

    out = tmp_path / "export.csv"
    exported = run("export", "--db", db_url, "--format", "csv", "-o", str(out))
    assert exported.exit_code == 0 and "55 patient(s)" in exported.output
    assert out.read_text(encoding="utf-8").count("\n") == 56

    deid = tmp_path / "deid.csv"
    result = run("export", "--db", db_url, "--deidentified", "--key", "k" * 32, "-o", str(deid))
    assert result.exit_code == 0, result.output
    text = deid.read_text(encoding="utf-8")
    assert "DEMO-001" not in text and "DEMO-055" not in text


def test_invalid_import_prints_every_problem_and_stores_nothing(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    lines = demo_path().read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("kps")] = "75"
    row2 = lines[2].split(",")
    row2[header.index("escc")] = "4"
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([lines[0], ",".join(row), ",".join(row2), *lines[3:]]) + "\n", encoding="utf-8")
    result = run("import", str(bad), "--db", db_url, "--reason", "x")
    assert result.exit_code == 1
    assert "nothing was stored" in result.output
    assert "row 2" in result.output and "kps" in result.output and "75" in result.output
    assert "row 3" in result.output and "escc" in result.output
    assert "10-100" in result.output  # the allowed values
    assert sum(_counts(db_url).values()) == 0

    needs_out = run("import", str(bad), "--db", db_url, "--skip-invalid")
    assert needs_out.exit_code == 2 and "--rejected-out" in needs_out.output
    rejected = tmp_path / "rejected.csv"
    skip = ("--skip-invalid", "--rejected-out", str(rejected))
    ok = run("import", str(bad), "--db", db_url, *skip, "--reason", "x")
    assert ok.exit_code == 0, ok.output
    assert "53 new" in ok.output and "2 row(s) rejected" in ok.output
    assert rejected.read_text(encoding="utf-8").count("\n") == 3


def test_backup_restore_followup_audit(backend: str, db_factory, tmp_path: Path) -> None:  # noqa: F811
    src = db_factory.url(backend)
    assert run("import", str(demo_path()), "--db", src, "--reason", "load").exit_code == 0
    added = run("followup", "add", "DEMO-001", "--status", "alive", "--months", "12", "--reason", "clinic",
                "--user", "bob", "--db", src)  # fmt: skip
    assert added.exit_code == 0 and "follow-up 1 recorded" in added.output
    missing = run("followup", "add", "NOPE", "--status", "alive", "--months", "1", "--reason", "r",
                  "--db", src)  # fmt: skip
    assert missing.exit_code == 1 and "NOPE" in missing.output
    listed = run("followup", "list", "DEMO-001", "--db", src)
    assert "alive" in listed.output and "1 follow-up record(s)" in listed.output
    trail = json.loads(run("audit", "--db", src, "--json", "--patient", "DEMO-001/1").output)
    assert [(r["action"], r["username"], r["reason"]) for r in trail] == [("insert", "bob", "clinic")]

    archive = tmp_path / "b.zip"
    made = run("backup", "--db", src, "-o", str(archive), "--key", "k3y")
    assert made.exit_code == 0 and "patient 55" in made.output and "signed" in made.output
    dst = db_factory.url(backend)
    unsigned = run("restore", str(archive), "--db", dst)
    assert unsigned.exit_code == 1 and "no key was given" in unsigned.output
    restored = run("restore", str(archive), "--db", dst, "--key", "k3y")
    assert restored.exit_code == 0, restored.output
    assert "signature valid" in restored.output and "recorded in the audit trail" in restored.output
    assert _counts(dst) == {**_counts(src), "audit_log": _counts(src)["audit_log"] + 1}
    refused = run("restore", str(archive), "--db", dst, "--key", "k3y")
    assert refused.exit_code == 1 and "not empty" in refused.output
    forced = run("restore", str(archive), "--db", dst, "--force", "--safety-dir", str(tmp_path / "safe"),
                 "--key", "k3y")  # fmt: skip
    assert forced.exit_code == 0, forced.output
    assert "safety backup" in forced.output and str(tmp_path / "safe") in forced.output
    after, source = _counts(dst), _counts(src)
    # the first restore's record (re-appended from the replaced database) and the forced restore's
    assert after["audit_log"] == source["audit_log"] + 2
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in source.items() if k != "audit_log"
    }


def test_forced_restore_does_not_shrink_the_audit_trail(
    backend: str, db_factory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """The acceptance scenario: import; backup; import a changed file; restore --force; audit."""
    monkeypatch.chdir(tmp_path)
    db = db_factory.url(backend)
    good = tmp_path / "good.csv"
    good.write_bytes(demo_path().read_bytes())
    lines = demo_path().read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("blood_loss_ml")] = "777"
    good2 = tmp_path / "good2.csv"
    good2.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n", encoding="utf-8")
    assert run("import", str(good), "--db", db).exit_code == 0
    monkeypatch.setenv("SPINEMET_BACKUP_KEY", "k3y")
    assert run("backup", "--db", db, "-o", str(tmp_path / "t.zip")).exit_code == 0
    assert run("import", str(good2), "--db", db).exit_code == 0
    before = json.loads(run("audit", "--db", db, "--json").output)
    forced = run("restore", str(tmp_path / "t.zip"), "--db", db, "--force", "--user", "erin")
    assert forced.exit_code == 0, forced.output
    safety = list((tmp_path / "spinemet-backups").glob("pre-restore-*.zip"))
    assert len(safety) == 1 and str(safety[0]) in forced.output
    after = json.loads(run("audit", "--db", db, "--json").output)
    assert len(after) == len(before) + 1
    assert after[-2]["table_name"] == "replaced:patient" and after[-2]["field"] == "blood_loss_ml"
    assert after[-2]["old_value"] == before[-1]["old_value"] and after[-2]["at"] == before[-1]["at"]
    assert (after[-1]["username"], after[-1]["record_id"]) == ("erin", "restore")
    assert safety[0].name in after[-1]["new_value"]
    without = run("restore", str(tmp_path / "t.zip"), "--db", db)
    assert without.exit_code == 1 and "not empty" in without.output
    assert len(json.loads(run("audit", "--db", db, "--json").output)) == len(after)


def test_db_commands_and_env_url(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("SPINEMET_DATABASE_URL", db_url)
    assert "none (empty database)" in run("db", "current").output
    up = run("db", "upgrade")
    head = head_revision()
    assert up.exit_code == 0 and f"schema at revision {head}" in up.output
    assert f"current: {head}" in run("db", "current").output
    assert run("import", str(demo_path()), "--reason", "load").exit_code == 0
    assert _counts(db_url)["patient"] == 55


def test_default_database_is_spinemet_sqlite_in_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPINEMET_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert run("import", str(demo_path()), "--reason", "load").exit_code == 0
    assert (tmp_path / "spinemet.sqlite").exists()


def test_import_redcap_with_dictionary(db_url: str) -> None:  # noqa: F811
    redcap = Path(__file__).resolve().parents[1] / "data" / "redcap"
    records, dictionary = str(redcap / "spinemet_records.csv"), str(redcap / "spinemet_dictionary.csv")
    needs = run("import", records, "--db", db_url, "--format", "redcap")
    assert needs.exit_code == 2 and "--dictionary" in needs.output
    ok = run("import", records, "--db", db_url, "--dictionary", dictionary, "--reason", "redcap")
    assert ok.exit_code == 0, ok.output
    assert "3 new, 0 updated" in ok.output
    listed = {r["patient_id"]: r for r in _lines(run("patients", "--db", db_url, "--json").output)}
    assert sorted(listed) == ["R001", "R002", "R003"] and listed["R001"]["primary_tumor"] == "lung"
    again = run("import", records, "--db", db_url, "--format", "redcap", "--dictionary", dictionary)
    assert again.exit_code == 0 and "3 unchanged" in again.output



def test_import_without_reason_and_with_cleared_cells(db_url: str, tmp_path: Path) -> None:  # noqa: F811
    assert run("import", str(demo_path()), "--db", db_url).exit_code == 0
    lines = demo_path().read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("vas_post")] = ""
    row[header.index("blood_loss_ml")] = ""
    partial = tmp_path / "partial.csv"
    partial.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n", encoding="utf-8")
    result = run("import", str(partial), "--db", db_url)
    assert result.exit_code == 0, result.output
    assert "1 updated (2 values)" in result.output and "2 values cleared" in result.output
    trail = json.loads(run("audit", "--db", db_url, "--json").output)
    assert {r["reason"] for r in trail} == {f"import of {demo_path().name}", "import of partial.csv"}
    unchanged = run("import", str(partial), "--db", db_url)
    assert "cleared" not in unchanged.output


@pytest.mark.parametrize(
    "command",
    [["patients"], ["patients", "--json"], ["audit"], ["export", "-o", "out.csv"], ["followup", "list"]],
)
def test_read_commands_do_not_create_a_registry(tmp_path: Path, monkeypatch, command: list[str]) -> None:
    """In an empty folder a read command fails with a clear error and leaves no ./spinemet.sqlite."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SPINEMET_DATABASE_URL", raising=False)
    result = runner.invoke(app, command)
    assert result.exit_code == 2
    assert "no registry at 'spinemet.sqlite': import a cohort first" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    other = tmp_path / "reg.sqlite"
    result = runner.invoke(app, [*command, "--db", f"sqlite:///{other}"])
    assert result.exit_code == 2 and not other.exists()
