"""Reading cohort CSV files as users produce them: BOM, CRLF, ';' or tab, stray spaces, other encodings."""

from __future__ import annotations

import pytest

from spinemet.cohort import CohortValidationError, read_cohort, validate_file
from spinemet.cohort.csv_io import read_csv_raw
from tests.cohort.conftest import BASE, csv_text


@pytest.fixture
def reference(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text(csv_text([BASE, {**BASE, "patient_id": "P002", "sex": "F"}]), encoding="utf-8")
    return read_cohort(path).frame


def test_bom_crlf_and_stray_spaces(tmp_path, reference):
    text = csv_text([BASE, {**BASE, "patient_id": "P002", "sex": "F"}], eol="\r\n")
    lines = text.split("\r\n")
    lines[0] = " , ".join(f" {h} " for h in lines[0].split(","))  # spaces around header names
    lines[1] = ",".join(f"  {v} " if v else v for v in lines[1].split(","))
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    cohort = read_cohort(path)
    assert cohort.frame.equals(reference)
    assert cohort.warnings == ()
    assert len(cohort.sha256) == 64


@pytest.mark.parametrize(("sep", "word"), [(";", "semicolon"), ("\t", "tab")])
def test_other_delimiters_are_detected_and_read(tmp_path, reference, sep, word):
    path = tmp_path / "eu.csv"
    path.write_text(csv_text([BASE, {**BASE, "patient_id": "P002", "sex": "F"}], sep=sep), encoding="utf-8")
    cohort = read_cohort(path)
    assert cohort.frame.equals(reference)
    (w,) = cohort.warnings
    assert w.severity == "warning" and word in w.message


def test_semicolon_file_with_decimal_commas_is_refused_with_hint(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text(csv_text([{**BASE, "vas_post": "1,5"}], sep=";"), encoding="utf-8")
    report = validate_file(path)
    (err,) = report.errors
    assert (err.row, err.column, err.value) == (2, "vas_post", "1,5")
    assert "decimal separator" in err.message


def test_non_utf8_is_refused_with_line(tmp_path):
    text = csv_text([BASE, {**BASE, "patient_id": "P002", "site": "Zürich"}])
    path = tmp_path / "latin1.csv"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(CohortValidationError) as info:
        read_cohort(path)
    (p,) = info.value.problems
    assert p.row == 3
    assert "not UTF-8" in p.message and "0xfc" in p.message
    report = validate_file(path)  # never raises for the CLI
    assert not report.ok and report.n_rows == 0


def test_utf16_is_refused(tmp_path):
    path = tmp_path / "unicode.csv"
    path.write_bytes(csv_text([BASE]).encode("utf-16"))
    with pytest.raises(CohortValidationError, match="UTF-16"):
        read_cohort(path)


def test_utf8_text_is_kept(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text(csv_text([{**BASE, "site": "Zürich, 東京"}]), encoding="utf-8")
    assert read_cohort(path).frame["site"].tolist() == ["Zürich, 東京"]


def test_ragged_rows_are_refused_with_their_lines(tmp_path):
    text = csv_text([BASE, {**BASE, "patient_id": "P002"}, {**BASE, "patient_id": "P003"}])
    lines = text.splitlines()
    lines[1] += ",extra"
    lines[3] = lines[3].rsplit(",", 2)[0]
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CohortValidationError) as info:
        read_cohort(path)
    n = len(BASE)
    assert [(p.row, p.message) for p in info.value.problems] == [
        (2, f"row has {n + 1} fields but the header has {n}"),
        (4, f"row has {n - 2} fields but the header has {n}"),
    ]


def test_blank_lines_are_skipped_and_rows_keep_their_line_numbers(tmp_path):
    text = csv_text([BASE, {**BASE, "patient_id": "P002", "kps": "75"}])
    lines = text.splitlines()
    path = tmp_path / "blank.csv"
    empty_cells = "," * (len(BASE) - 1)
    path.write_text("\n".join([lines[0], lines[1], "", empty_cells, lines[2], ""]) + "\n", encoding="utf-8")
    report = validate_file(path)
    assert report.n_rows == 2
    (err,) = report.errors
    assert (err.row, err.column, err.value) == (5, "kps", "75")


def test_quoted_multiline_field_keeps_later_line_numbers(tmp_path):
    """A quoted cell over two lines: the next record is still numbered by its own line. (A centre code
    holding a line break is refused, on the line where its record starts.)"""
    path = tmp_path / "quoted.csv"
    path.write_text('patient_id,site,kps\nP1,"Centre\nNorth",60\nP2,"A, B",75\n', encoding="utf-8")
    report = validate_file(path)
    assert [(e.row, e.column) for e in report.errors] == [(2, "site"), (4, "kps")]
    assert "a line break inside the cell" in report.errors[0].message
    raw = read_csv_raw(path)
    assert (raw.frame["site"].tolist(), raw.rows.tolist()) == (["Centre\nNorth", "A, B"], [2, 4])


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("\n\n", encoding="utf-8")
    with pytest.raises(CohortValidationError, match="empty"):
        read_cohort(path)


def test_header_only_gives_an_empty_typed_cohort(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("patient_id,kps,surgery_date,sex\n", encoding="utf-8")
    cohort = read_cohort(path)
    frame = cohort.frame
    assert len(frame) == 0
    assert [(w.severity, w.allowed) for w in cohort.warnings] == [("warning", "at least one patient row")]
    assert str(frame["kps"].dtype) == "float64"
    assert str(frame["surgery_date"].dtype) == "datetime64[ns]"


def test_typed_frame_dtypes(tmp_path):
    path = tmp_path / "c.csv"
    second = {**BASE, "patient_id": "P2", "kps": "", "escc": "", "complications": ""}
    path.write_text(csv_text([BASE, second]), encoding="utf-8")
    frame = read_cohort(path).frame
    assert frame["kps"].dtype == "float64" and frame["kps"].isna().tolist() == [False, True]
    assert frame["dead"].tolist() == [1.0, 1.0]
    assert frame["surgery_date"].dtype == "datetime64[ns]"
    assert frame["escc"].tolist()[0] == "2" and isinstance(frame["escc"].iat[0], str)
    assert frame["sex"].dtype == object
    assert all(v != v for v in frame["complications"])  # empty = none = NaN


def test_form_feed_and_line_separator_inside_cells_are_not_line_ends(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("patient_id,site,kps\nP1,North\x0cWing,60\nP2,A\u2028B,75\n", encoding="utf-8")
    errors = validate_file(path).errors  # a form feed is no line end, but no centre code holds one
    assert [(e.row, e.column) for e in errors] == [(2, "site"), (3, "kps")]
    assert "U+000C" in errors[0].message


def test_classic_mac_line_ends(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"patient_id,kps\rP1,60\rP2,75\r")
    (err,) = validate_file(path).errors
    assert (err.row, err.column, err.value) == (3, "kps", "75")
