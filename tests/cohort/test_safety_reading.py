"""Issue 9: validation reports every problem of a file; NUL bytes, look-alike ids and oversized cells."""

from __future__ import annotations

import unicodedata

import pytest

from spinemet.cohort import CohortValidationError, read_cohort, validate_file
from spinemet.cohort.csv_io import MAX_COLUMNS
from spinemet.cohort.validate import MAX_CELL_CHARS, MAX_ID_CHARS
from tests.cohort.conftest import BASE, csv_text


def _lines(*rows: dict[str, str]) -> list[str]:
    return csv_text(list(rows)).splitlines()


def test_a_ragged_row_does_not_hide_the_other_rows_errors(tmp_path):
    lines = _lines(BASE, {**BASE, "patient_id": "P2"}, {**BASE, "patient_id": "P3", "kps": "75"})
    lines[2] = lines[2].replace(",", ";")  # one row written with ';' in a ',' file
    path = tmp_path / "mixed.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = validate_file(path)
    assert [(p.row, p.column) for p in report.errors] == [(3, None), (4, "kps")]
    assert report.errors[0].message == f"row has 1 fields but the header has {len(BASE)}"
    assert report.n_rows == 2  # rows 2 and 4 were read and checked


def test_a_ragged_row_in_a_quoted_file_does_not_hide_the_others(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('patient_id,site,kps\nP1,"A, B",60,extra\nP2,"C",75\n', encoding="utf-8")
    report = validate_file(path)
    assert [(p.row, p.column) for p in report.errors] == [(2, None), (3, "kps")]


def test_nul_bytes_are_refused_with_row_and_column(tmp_path):
    lines = _lines(BASE, {**BASE, "patient_id": "P2"}, {**BASE, "patient_id": "P3", "kps": "75"})
    lines[2] = lines[2].replace(",67,", ",5\x000,")  # age "5<NUL>0": read as 5 before
    path = tmp_path / "nul.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    report = validate_file(path)
    assert [(p.row, p.column) for p in report.errors] == [(3, "age"), (4, "kps")]
    assert "NUL" in report.errors[0].message
    with pytest.raises(CohortValidationError):
        read_cohort(path)


def test_nul_byte_in_a_quoted_file(tmp_path):
    path = tmp_path / "q.csv"
    path.write_bytes(b'patient_id,site,kps\nP1,"A\x00",60\n')
    (err,) = validate_file(path).errors
    assert (err.row, err.column) == (2, "site")


def test_ids_are_nfc_normalised(tmp_path):
    nfd = unicodedata.normalize("NFD", "Müller-1")
    path = tmp_path / "ids.csv"
    path.write_text(
        csv_text([{**BASE, "patient_id": "Müller-1"}, {**BASE, "patient_id": nfd}]), encoding="utf-8"
    )
    report = validate_file(path)
    (err,) = report.errors
    assert err.row == 3 and "duplicated" in err.message
    path.write_text(csv_text([{**BASE, "patient_id": nfd}]), encoding="utf-8")
    assert read_cohort(path).frame["patient_id"].tolist() == ["Müller-1"]


@pytest.mark.parametrize(
    ("pid", "code"), [("P\u200b001", "U+200B"), ("P\x01001", "U+0001"), ("P\u202e1", "U+202E")]
)
def test_invisible_and_control_characters_in_ids_are_refused(tmp_path, pid, code):
    path = tmp_path / "ids.csv"
    path.write_text(csv_text([BASE, {**BASE, "patient_id": pid}]), encoding="utf-8")
    report = validate_file(path)
    (err,) = report.errors
    assert (err.row, err.column) == (3, "patient_id")
    assert code in err.message


def test_id_length_limit(tmp_path):
    path = tmp_path / "ids.csv"
    ok, long = "P" * MAX_ID_CHARS, "P" * (MAX_ID_CHARS + 1)
    path.write_text(csv_text([{**BASE, "patient_id": ok}, {**BASE, "patient_id": long}]), encoding="utf-8")
    (err,) = validate_file(path).errors
    assert (err.row, err.column) == (3, "patient_id")
    assert f"at most {MAX_ID_CHARS}" in err.message


def test_a_huge_cell_is_echoed_once_and_cut(tmp_path):
    huge = "x" * 1_000_000
    path = tmp_path / "huge.csv"
    path.write_text(
        csv_text([{**BASE, "site": huge}, {**BASE, "patient_id": "P2", "kps": "75"}]), encoding="utf-8"
    )
    report = validate_file(path)
    assert [(p.row, p.column) for p in report.errors] == [(2, "site"), (3, "kps")]
    err = report.errors[0]
    assert f"at most {MAX_CELL_CHARS}" in err.message and "1000000 characters" in err.message
    assert len(str(err)) < 200 and len(str(err.value)) < 100


def test_too_many_columns_are_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{k}" for k in range(MAX_COLUMNS + 1)) + "\n", encoding="utf-8")
    with pytest.raises(CohortValidationError, match=f"at most {MAX_COLUMNS}"):
        read_cohort(path)


def test_too_many_columns_in_a_workbook_are_refused(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append([f"c{k}" for k in range(MAX_COLUMNS + 1)])
    path = tmp_path / "wide.xlsx"
    wb.save(path)
    with pytest.raises(CohortValidationError, match=f"at most {MAX_COLUMNS}"):
        read_cohort(path)


def test_malformed_sheet_xml_is_a_problem_not_a_traceback(tmp_path):
    import zipfile

    from spinemet.cohort import synth, write_cohort

    good = tmp_path / "good.xlsx"
    write_cohort(synth(3), good)
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut in the middle of the XML
            dst.writestr(item, data)
    report = validate_file(bad)
    assert not report.ok and "unclosed token" in report.errors[0].message
