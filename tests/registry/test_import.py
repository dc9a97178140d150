"""Importing cohort files: all-or-nothing, re-import updates, skip-invalid, export round trips."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spinemet.cohort import CohortValidationError, read_cohort
from spinemet.cohort.deidentify import pseudonym
from spinemet.cohort.demo import demo_path
from spinemet.registry.audit import audit_frame
from spinemet.registry.backup import table_counts
from spinemet.registry.export import export_file, export_frame
from spinemet.registry.importer import file_sha256, import_file
from spinemet.registry.query import load_frame


def _demo_text() -> str:
    return demo_path().read_text(encoding="utf-8")


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _without_empty(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.dropna(axis=1, how="all").sort_values("patient_id").reset_index(drop=True)


def _assert_same_cohort(a: pd.DataFrame, b: pd.DataFrame) -> None:
    a, b = _without_empty(a), _without_empty(b)
    assert sorted(a.columns) == sorted(b.columns)
    pd.testing.assert_frame_equal(a[sorted(a.columns)], b[sorted(b.columns)])


def test_import_demo_stores_every_value(engine) -> None:
    report = import_file(engine, demo_path(), username="alice", reason="initial load")
    expected = read_cohort(demo_path()).frame
    assert report.stored.inserted == len(expected) == 55
    assert report.sha256 == file_sha256(demo_path())
    with engine.connect() as conn:
        stored = load_frame(conn)
        trail = audit_frame(conn)
    _assert_same_cohort(stored, expected)
    assert len(trail) == 55
    assert set(trail["source_file"]) == {demo_path().name}
    assert set(trail["source_sha256"]) == {report.sha256}
    assert set(trail["reason"]) == {"initial load"}


def test_invalid_file_stores_nothing_and_lists_every_problem(engine, tmp_path: Path) -> None:
    import_file(engine, demo_path(), username="alice", reason="initial load")
    with engine.connect() as conn:
        before = table_counts(conn)
    lines = _demo_text().splitlines()
    header = lines[0].split(",")
    kps = header.index("kps")
    sex = header.index("sex")
    row3 = lines[2].split(",")
    row3[kps] = "75"
    row5 = lines[4].split(",")
    row5[sex] = "X"
    changed_ok = lines[1].split(",")
    changed_ok[kps] = "100"
    bad = _write(tmp_path / "bad.csv", "\n".join([lines[0], ",".join(changed_ok), ",".join(row3), lines[3],
                                                  ",".join(row5), *lines[5:]]) + "\n")  # fmt: skip
    with pytest.raises(CohortValidationError) as info:
        import_file(engine, bad, username="alice", reason="x")
    errors = [(p.row, p.column, p.value) for p in info.value.problems if p.severity == "error"]
    assert (3, "kps", "75") in errors and (5, "sex", "X") in errors
    with engine.connect() as conn:
        assert table_counts(conn) == before


def test_reimport_updates_changed_fields_with_old_and_new_values(engine, tmp_path: Path) -> None:
    import_file(engine, demo_path(), username="alice", reason="initial load")
    lines = _demo_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    old_vas = row[header.index("vas_post")]
    row[header.index("vas_post")] = "2.5" if old_vas != "2.5" else "3"
    v2 = _write(tmp_path / "demo_v2.csv", "\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    report = import_file(engine, v2, username="bob", reason="corrected VAS")
    assert (report.stored.inserted, report.stored.updated, report.stored.unchanged) == (0, 1, 54)
    with engine.connect() as conn:
        assert table_counts(conn)["patient"] == 55
        trail = audit_frame(conn)
    update = trail[trail["action"] == "update"]
    assert len(update) == 1
    r = update.iloc[0]
    expected_old = format(float(old_vas), "g")
    assert (r["record_id"], r["field"], r["old_value"], r["new_value"]) == (
        row[0],
        "vas_post",
        expected_old,
        row[header.index("vas_post")],
    )
    assert (r["username"], r["reason"], r["source_file"]) == ("bob", "corrected VAS", "demo_v2.csv")
    assert r["source_sha256"] == file_sha256(v2)


def test_skip_invalid_stores_valid_rows_and_writes_rejected(engine, tmp_path: Path) -> None:
    lines = _demo_text().splitlines()
    header = lines[0].split(",")
    bad_row = lines[3].split(",")
    bad_row[header.index("kps")] = "75"
    bad_row[header.index("main_level")] = "T13"
    bad = _write(tmp_path / "bad.csv", "\n".join([*lines[:3], ",".join(bad_row), *lines[4:]]) + "\n")
    rejected = tmp_path / "rejected.csv"
    report = import_file(engine, bad, username="a", reason="r", skip_invalid=True, rejected_out=rejected)
    assert report.stored.inserted == 54 and report.rejected == 1
    out = pd.read_csv(rejected, dtype=str, keep_default_na=False)
    assert list(out["patient_id"]) == [bad_row[0]]
    assert list(out["file_row"]) == ["4"]
    assert "kps" in out["rejection_reasons"][0] and "main_level" in out["rejection_reasons"][0]
    assert out["kps"][0] == "75"
    with engine.connect() as conn:
        ids = set(load_frame(conn)["patient_id"])
    assert bad_row[0] not in ids and len(ids) == 54


def test_skip_invalid_still_refuses_file_level_errors(engine, tmp_path: Path) -> None:
    text = _demo_text().replace("patient_id,", "patient_ident,", 1)
    bad = _write(tmp_path / "bad.csv", text)
    with pytest.raises(CohortValidationError):
        import_file(engine, bad, username="a", reason="r", skip_invalid=True, rejected_out=tmp_path / "r.csv")
    with engine.connect() as conn:
        assert sum(table_counts(conn).values()) == 0
    assert not (tmp_path / "r.csv").exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "sav"])
def test_export_round_trip(engine, tmp_path: Path, fmt: str) -> None:
    import_file(engine, demo_path(), username="alice", reason="initial load")
    out = tmp_path / f"export.{fmt}"
    assert export_file(engine, out, fmt).rows == 55
    _assert_same_cohort(read_cohort(out).frame, read_cohort(demo_path()).frame)


def test_export_then_reimport_changes_nothing(engine, tmp_path: Path) -> None:
    import_file(engine, demo_path(), username="alice", reason="initial load")
    out = tmp_path / "export.csv"
    export_file(engine, out, "csv")
    report = import_file(engine, out, username="alice", reason="round trip")
    assert (report.stored.inserted, report.stored.updated, report.stored.audit_rows) == (0, 0, 0)


def test_deidentified_export_has_no_original_ids(engine, tmp_path: Path) -> None:
    import_file(engine, demo_path(), username="alice", reason="initial load")
    original = export_frame(engine)
    out = tmp_path / "deid.csv"
    key = "a secret key of the registry"
    result = export_file(engine, out, "csv", deidentified=True, key=key)
    assert result.rows == 55 and not result.random_key
    text = out.read_text(encoding="utf-8")
    for pid in original["patient_id"]:
        assert pid not in text
    back = read_cohort(out).frame.set_index("patient_id")
    assert set(back.index) == {pseudonym(pid, key) for pid in original["patient_id"]}
    # every surgery date moved, and the follow-up length is kept
    orig = original.set_index(original["patient_id"].map(lambda p: pseudonym(p, key)).astype(object))
    moved = back["surgery_date"] != orig.loc[back.index, "surgery_date"]
    assert moved.all()
    pd.testing.assert_series_equal(back["survival_months"], orig.loc[back.index, "survival_months"])
    # a random one-time key when none is given: other pseudonyms
    again = export_file(engine, tmp_path / "deid2.csv", "csv", deidentified=True)
    assert again.random_key
    assert not set(read_cohort(tmp_path / "deid2.csv").frame["patient_id"]) & set(back.index)


def test_import_failing_half_way_leaves_database_as_it_was(engine, tmp_path: Path, monkeypatch) -> None:
    """A failure after some chunks of a re-import were written (new and changed rows) rolls back all."""
    from spinemet.registry import store as store_module

    import_file(engine, demo_path(), username="alice", reason="initial load")
    with engine.connect() as conn:
        before_counts = table_counts(conn)
        before_frame = load_frame(conn)
        before_audit = audit_frame(conn)
    lines = _demo_text().splitlines()
    header = lines[0].split(",")
    rows = [line.split(",") for line in lines[1:]]
    for row in rows:
        row[header.index("vas_post")] = "0"
    extra = [[f"NEW-{k}", *rows[0][1:]] for k in range(20)]
    text = "\n".join([lines[0], *(",".join(r) for r in rows + extra)]) + "\n"
    v2 = _write(tmp_path / "v2.csv", text)
    monkeypatch.setattr(store_module, "CHUNK", 10)
    real = store_module.write_audit
    calls = {"n": 0}

    def failing(conn, ctx, changes):
        calls["n"] += 1
        if calls["n"] == 7:  # chunks 1-6 (updates of 55 patients and the first new ones) are written
            raise OSError("disk full")
        return real(conn, ctx, changes)

    monkeypatch.setattr(store_module, "write_audit", failing)
    with pytest.raises(OSError, match="disk full"):
        import_file(engine, v2, username="bob", reason="v2")
    assert calls["n"] == 7
    with engine.connect() as conn:
        assert table_counts(conn) == before_counts
        pd.testing.assert_frame_equal(load_frame(conn), before_frame)
        pd.testing.assert_frame_equal(audit_frame(conn), before_audit)


def test_skip_invalid_xlsx_reports_sheet_rows(engine, tmp_path: Path) -> None:
    import openpyxl

    from spinemet.cohort import write_cohort

    good = tmp_path / "demo.xlsx"
    write_cohort(read_cohort(demo_path()), good, "xlsx")
    book = openpyxl.load_workbook(good)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    kps_col = header.index("kps") + 1
    sheet.cell(row=6, column=kps_col, value=75)
    bad_id = sheet.cell(row=6, column=header.index("patient_id") + 1).value
    bad = tmp_path / "bad.xlsx"
    book.save(bad)
    rejected = tmp_path / "rejected.csv"
    report = import_file(engine, bad, username="a", reason="r", skip_invalid=True, rejected_out=rejected)
    assert report.stored.inserted == 54 and report.rejected == 1
    out = pd.read_csv(rejected, dtype=str, keep_default_na=False)
    assert list(out["file_row"]) == ["6"] and list(out["patient_id"]) == [bad_id]
    assert "kps" in out["rejection_reasons"][0]


REDCAP = Path(__file__).resolve().parents[1] / "data" / "redcap"


def test_import_redcap_export_with_dictionary(engine, tmp_path: Path) -> None:
    """A REDCap export + data dictionary is stored as read_cohort reads it (codes mapped to labels)."""
    records, dictionary = REDCAP / "spinemet_records.csv", REDCAP / "spinemet_dictionary.csv"
    report = import_file(engine, records, username="alice", reason="redcap", data_dictionary=dictionary)
    expected = read_cohort(records, data_dictionary=dictionary).frame
    assert report.stored.inserted == len(expected) == 3
    assert report.sha256 == file_sha256(records)
    with engine.connect() as conn:
        stored = load_frame(conn)
        trail = audit_frame(conn)
    _assert_same_cohort(stored, expected)
    assert stored.set_index("patient_id").loc["R001", "primary_tumor"] == "lung"
    assert set(trail["source_file"]) == {records.name}
    with pytest.raises(ValueError, match="dictionary"):
        import_file(engine, records, username="alice", reason="redcap", fmt="redcap")


def test_import_redcap_skip_invalid_rejects_bad_rows(engine, tmp_path: Path) -> None:
    bad, dictionary = REDCAP / "spinemet_records_bad.csv", REDCAP / "spinemet_dictionary.csv"
    with pytest.raises(CohortValidationError):
        import_file(engine, bad, username="alice", reason="redcap", data_dictionary=dictionary)
    with engine.connect() as conn:
        assert sum(table_counts(conn).values()) == 0
    out = tmp_path / "rejected.csv"
    report = import_file(
        engine, bad, username="alice", reason="redcap", data_dictionary=dictionary,
        skip_invalid=True, rejected_out=out,
    )  # fmt: skip
    rejected = pd.read_csv(out)
    assert sorted(rejected["file_row"]) == [2, 3, 4]
    assert report.rejected == 3 and report.stored.inserted == 0
    assert "sex" in rejected.loc[rejected["file_row"] == 2, "rejection_reasons"].iloc[0]

    # a mixed file: the valid rows are stored, the invalid one (R002 from the bad export) is rejected
    good_lines = (REDCAP / "spinemet_records.csv").read_text(encoding="utf-8").splitlines()
    bad_lines = bad.read_text(encoding="utf-8").splitlines()
    text = "\n".join([good_lines[0], good_lines[1], bad_lines[2], good_lines[3]]) + "\n"
    mixed = _write(tmp_path / "mixed.csv", text)
    report = import_file(
        engine, mixed, username="alice", data_dictionary=dictionary, skip_invalid=True, rejected_out=out
    )
    assert (report.stored.inserted, report.rejected) == (2, 1)
    assert list(pd.read_csv(out)["file_row"]) == [3]
    with engine.connect() as conn:
        assert sorted(load_frame(conn)["patient_id"]) == ["R001", "R003"]
        reasons = set(audit_frame(conn)["reason"])
    assert reasons == {"import of mixed.csv (REDCap, dictionary spinemet_dictionary.csv)"}


def test_default_reason_and_cleared_values_are_reported(engine, tmp_path: Path) -> None:
    """No --reason: the audit reason names the import; an empty cell on re-import clears (and says so)."""
    first = import_file(engine, demo_path(), username="alice")
    assert first.stored.values_cleared == 0
    lines = _demo_text().splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    old_vas = row[header.index("vas_post")]
    assert old_vas != ""
    row[header.index("vas_post")] = ""
    v2 = _write(tmp_path / "partial.csv", "\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n")
    report = import_file(engine, v2, username="bob")
    assert (report.stored.updated, report.stored.values_changed, report.stored.values_cleared) == (1, 1, 1)
    with engine.connect() as conn:
        trail = audit_frame(conn)
        stored = load_frame(conn).set_index("patient_id")
    assert pd.isna(stored.loc[row[0], "vas_post"])
    assert set(trail["reason"].iloc[:55]) == {f"import of {demo_path().name}"}
    cleared = trail.iloc[-1]
    assert (cleared["field"], cleared["old_value"], cleared["new_value"]) == ("vas_post", old_vas, None)
    assert cleared["reason"] == "import of partial.csv"
    assert trail["reason"].notna().all()
