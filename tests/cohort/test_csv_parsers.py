"""The CSV reader's two parsers (issue 10): pyarrow (the default) and pandas' C parser (the fallback) give the
same cells, row numbers and problems on files as users produce them, cell by cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from spinemet.cohort import csv_io, validate_file
from spinemet.cohort.csv_io import read_csv_raw
from tests.cohort.conftest import BASE, csv_text

HEADER = "patient_id,site,kps,complications,note"

# name -> file bytes: every guarantee of the reader in one small file each
TRICKY: dict[str, bytes] = {
    "plain": (HEADER + "\nP1,A,60,,x\nP2,B,70,none,y\n").encode(),
    "no final line end": (HEADER + "\nP1,A,60,,x\nP2,B,70,none,y").encode(),
    "bom and crlf": b"\xef\xbb\xbf" + (HEADER + "\r\nP1,A,60,,x\r\nP2,B,70,,y\r\n").encode(),
    "semicolons": HEADER.replace(",", ";").encode() + b"\nP1;A, B;60;;x\nP2;B;70;;1,5\n",
    "tabs": HEADER.replace(",", "\t").encode() + b"\nP1\tA, B\t60\t\tx\n",
    "quoted delimiters and newlines": (
        HEADER + '\nP1,"Centre\nNorth",60,,"a, b"\nP2,"say ""hi""",70,,"x\r\ny"\nP3,A,80,,z\n'
    ).encode(),
    "quoted then text": (HEADER + '\nP1,"ab"cd,60,, "e"\nP2,x"y,70,,z\n').encode(),
    "quotes inside unquoted cells": (HEADER + '\nP1,5" screw,60,,x\nP2,A,70,,6" rod\n').encode(),
    "ragged rows": (HEADER + "\nP1,A,60,,x,extra\nP2,B,70,,y\nP3,C\nP4,D,80,,z\n").encode(),
    "blank lines and empty records": (HEADER + "\n\nP1,A,60,,x\n   \n,,,,\n , ,,,\nP2,B,70,,y\n\n").encode(),
    "blank lines before the header": ("\n\n" + HEADER + "\nP1,A,60,,x\n").encode(),
    "nul bytes": (HEADER + "\nP1,A\x00,60,,x\nP2,B,70,,y\nP3,C,7\x000,,z\n").encode(),
    "trailing delimiter": (HEADER + ",\nP1,A,60,,x,\nP2,B,70,,y,\n").encode(),
    "unnamed column with values": (HEADER + ",\nP1,A,60,,x,1\n").encode(),
    "neutralised formulas": (
        HEADER + "\nP1,'=SUM(A1),60,,'+x\nP2,'-1,70,,''@y\nP3,'=SUM(A1),80,,'+x\n"
    ).encode(),
    "exact text kept": (HEADER + "\n 075 ,7e1,075,2.0,NA\nP2,null,-0,1e0,None\n").encode(),
    "stray spaces in ids": (HEADER + "\n  P1 ,A,60,,x\n\tP2\t,B,70,,y\n").encode(),
    "unicode": (HEADER + "\nP1,Zürich,60,,東京\nP\u00e9,A\u2028B,70,,x\x0cy\n").encode(),
    "classic mac line ends": (HEADER + "\rP1,A,60,,x\rP2,B,70,,y\r").encode(),
    "unterminated quote": (HEADER + '\nP1,A,60,,x\nP2,"B,70,,y\nP3,C,80,,z\n').encode(),
    "quoted header": b'"patient_id","site","kps"\n"P1","A","60"\n',
    "duplicate ids": (HEADER + "\nP1,A,60,,x\nP1,A,60,,x\n").encode(),
    "header only": (HEADER + "\n").encode(),
    "one column": b"patient_id\nP1\n\nP2\n",
}


def _cells(frame: pd.DataFrame) -> list[list[object]]:
    """Every cell as its Python value, column by column (dtype-independent, NaN as None)."""
    return [[None if v is None or v != v else v for v in frame[c].tolist()] for c in frame.columns]


def _read(path, engine):
    try:
        return read_csv_raw(path, engine=engine)
    except Exception as exc:  # compared between the parsers
        return exc


@pytest.mark.parametrize("name", list(TRICKY))
def test_pyarrow_and_pandas_parsers_agree_cell_by_cell(tmp_path, name):
    path = tmp_path / "tricky.csv"
    path.write_bytes(TRICKY[name])
    fast, slow = _read(path, "pyarrow"), _read(path, "pandas")
    if isinstance(slow, Exception):
        assert type(fast) is type(slow) and str(fast) == str(slow)
        return
    assert not isinstance(fast, Exception), fast
    assert list(fast.frame.columns) == list(slow.frame.columns)
    assert _cells(fast.frame) == _cells(slow.frame)
    assert [str(t) for t in fast.frame.dtypes] == [str(t) for t in slow.frame.dtypes]
    assert fast.rows.tolist() == slow.rows.tolist()
    assert fast.header_row == slow.header_row
    assert fast.notes == slow.notes


def test_tricky_files_read_as_expected(tmp_path):
    """Spot checks of what both parsers agree on (so that agreeing on a wrong reading cannot pass)."""
    path = tmp_path / "t.csv"
    path.write_bytes(TRICKY["quoted delimiters and newlines"])
    raw = read_csv_raw(path)
    assert raw.frame["site"].tolist() == ["Centre\nNorth", 'say "hi"', "A"]
    assert raw.frame["note"].tolist() == ["a, b", "x\r\ny", "z"]
    assert raw.rows.tolist() == [2, 4, 6]
    path.write_bytes(TRICKY["exact text kept"])
    raw = read_csv_raw(path)
    assert raw.frame["site"].tolist() == ["7e1", "null"]
    assert raw.frame["kps"].tolist() == ["075", "-0"]
    assert raw.frame["patient_id"].tolist() == [" 075 ", "P2"]
    assert raw.frame["note"].tolist() == ["NA", "None"]  # no cell is read as missing
    path.write_bytes(TRICKY["neutralised formulas"])
    raw = read_csv_raw(path)
    assert raw.frame["site"].tolist() == ["=SUM(A1)", "'-1", "=SUM(A1)"]  # '-1 is a number: kept as written
    assert raw.frame["note"].tolist() == ["+x", "'@y", "+x"]
    path.write_bytes(TRICKY["blank lines and empty records"])
    raw = read_csv_raw(path)
    assert (raw.frame["patient_id"].tolist(), raw.rows.tolist()) == (["P1", "P2"], [3, 7])
    path.write_bytes(TRICKY["nul bytes"])
    raw = read_csv_raw(path)
    assert raw.rows.tolist() == [3]
    assert [(p.row, p.column) for p in raw.notes] == [(2, "site"), (4, "kps")]


def test_ids_are_plain_text_and_other_columns_categories_of_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(TRICKY["exact text kept"])
    for engine in ("pyarrow", "pandas"):
        frame = read_csv_raw(path, engine=engine).frame
        assert frame["patient_id"].dtype == object
        for name in ("site", "kps", "complications", "note"):
            assert isinstance(frame[name].dtype, pd.CategoricalDtype)
            assert frame[name].cat.categories.dtype == object


def test_quoted_newline_then_a_bad_row_keeps_line_numbers(tmp_path):
    """A quoted cell spanning lines, then a ragged row and a bad value: each reported on its own line, the
    other rows still read and checked (a centre code with line breaks is itself refused, on the line where
    its record starts)."""
    second = {**BASE, "patient_id": "P002", "site": "Centre\nNorth\nWing"}
    third, fourth = {**BASE, "patient_id": "P003"}, {**BASE, "patient_id": "P004", "kps": "75"}
    text = csv_text([BASE, second, third, fourth])
    lines = text.split("\n")
    assert lines[5].startswith("P003")  # P002's site spans lines 3-5
    lines[5] += ",extra"
    path = tmp_path / "q.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = validate_file(path)
    assert [(p.row, p.column) for p in report.errors] == [(3, "site"), (6, None), (7, "kps")]
    assert report.n_rows == 3
    raw = read_csv_raw(path)
    assert raw.rows.tolist() == [2, 3, 7]
    assert raw.frame["site"].tolist() == ["A", "Centre\nNorth\nWing", "A"]


def test_whole_file_and_kept_records_give_the_same_frame(tmp_path):
    """A clean file is parsed from the file itself; with a blank line, from the kept records in memory."""
    text = csv_text([BASE, {**BASE, "patient_id": "P002", "sex": "F"}])
    whole = tmp_path / "whole.csv"
    whole.write_text(text, encoding="utf-8")
    kept = tmp_path / "kept.csv"
    kept.write_text(text.replace("\n", "\n\n", 1), encoding="utf-8")
    a, b = read_csv_raw(whole), read_csv_raw(kept)
    assert _cells(a.frame) == _cells(b.frame)
    assert (a.rows.tolist(), b.rows.tolist()) == ([2, 3], [3, 4])


def test_pyarrow_refusal_falls_back_to_pandas(tmp_path, monkeypatch):
    path = tmp_path / "t.csv"
    path.write_bytes(TRICKY["quoted delimiters and newlines"])
    expected = _cells(read_csv_raw(path).frame)
    calls = []

    def refuse(*args, **kwargs):
        calls.append(1)
        raise pa.ArrowInvalid("CSV parse error")

    monkeypatch.setattr(csv_io, "_parse_arrow", refuse)
    assert _cells(read_csv_raw(path).frame) == expected
    assert calls == [1]


def test_unknown_engine_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(TRICKY["plain"])
    with pytest.raises(ValueError, match="engine: got 'polars'"):
        read_csv_raw(path, engine="polars")


def test_many_distinct_values_across_blocks_are_one_category_set(tmp_path):
    """pyarrow parses in blocks, each with its own dictionary: the codes must point into one set of
    categories for the whole column (unified), also for values seen in only one block."""
    n = 60_000
    ids = [f"P{k:06d}" for k in range(n)]
    sites = [f"S{k % 997}" if k < n - 1 else "only-last" for k in range(n)]
    body = "".join(f"{i},{s},{k % 7}\n" for k, (i, s) in enumerate(zip(ids, sites, strict=True)))
    path = tmp_path / "big.csv"
    path.write_text("patient_id,site,kps\n" + body, encoding="utf-8")
    raw = read_csv_raw(path)
    assert raw.frame["patient_id"].tolist() == ids
    assert raw.frame["site"].tolist() == sites
    assert len(raw.frame["site"].cat.categories) == 998
    assert raw.rows.tolist() == list(range(2, n + 2))
    assert np.array_equal(raw.frame["kps"].astype(int).to_numpy(), np.arange(n) % 7)


@pytest.mark.parametrize("engine", ["pyarrow", "pandas"])
def test_a_quote_opened_in_the_last_cell_is_found_behind_a_literal_one(tmp_path, engine):
    """A quote opened in the last cell and never closed, hidden by a literal quote earlier (the count of
    quotes is even): the last record is named as the unclosed quote (it was "records cannot be told
    apart" with pandas and a cell holding the rest of the file with pyarrow), the others are read."""
    path = tmp_path / "t.csv"
    path.write_bytes((HEADER + '\nP1,5" screw,60,,x\nP2,A,70,,"\n').encode())
    raw = read_csv_raw(path, engine=engine)
    assert raw.frame["site"].tolist() == ['5" screw'] and raw.rows.tolist() == [2]
    assert [(p.row, "is never closed" in p.message) for p in raw.notes] == [(3, True)]


@pytest.mark.parametrize(
    ("name", "clean"),
    [("plain", True), ("no final line end", True), ("blank lines and empty records", False),
     ("ragged rows", False), ("quoted delimiters and newlines", False), ("bom and crlf", False),
     ("nul bytes", False), ("semicolons", True)],
)  # fmt: skip
def test_usual_files_skip_the_record_scan(tmp_path, monkeypatch, name, clean):
    """A file with its header on line 1 and no quotes, NUL bytes or ragged records is parsed without the
    record scan (its rows are its lines); any other file still goes through the scan."""
    path = tmp_path / "t.csv"
    path.write_bytes(TRICKY[name])
    expected = read_csv_raw(path, engine="pandas")
    scans = []
    real = csv_io._scan_and_parse
    monkeypatch.setattr(csv_io, "_scan_and_parse", lambda *a: scans.append(1) or real(*a))
    raw = read_csv_raw(path)
    assert (not scans) is clean
    assert _cells(raw.frame) == _cells(expected.frame)
    assert (raw.rows.tolist(), raw.notes) == (expected.rows.tolist(), expected.notes)


def test_empty_lines_in_a_usual_file_keep_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes((HEADER + "\nP1,A,60,,x\n\nP2,B,70,,y\n\n").encode())
    raw = read_csv_raw(path)
    assert (raw.frame["patient_id"].tolist(), raw.rows.tolist()) == (["P1", "P2"], [2, 4])


@pytest.mark.parametrize("engine", ["pyarrow", "pandas"])
def test_a_literal_quote_in_an_earlier_record_is_not_an_unclosed_quote(tmp_path, engine):
    """A lone quote inside an unquoted cell (``5" screw``) is text, as the csv module reads it: the file's
    odd number of quotes must not make its last, well-formed record "a quoted cell never closed"."""
    path = tmp_path / "t.csv"
    path.write_bytes((HEADER + '\nP1,A,60,,5" screw\nP2,B,70,,"y, quoted"\nP3,C,80,,z\n').encode())
    raw = read_csv_raw(path, engine=engine)
    assert raw.frame["note"].tolist() == ['5" screw', "y, quoted", "z"]
    assert raw.rows.tolist() == [2, 3, 4]
    assert not raw.notes


@pytest.mark.parametrize(
    ("body", "line"),
    [('\nP1,A,60,,x\nP2,"B,70,,y\nP3,C,80,,z\n', 3),  # opened mid-file, never closed
     ('\nP1,A,60,,5" screw\nP2,B,70,,"y\n', 3),  # and an earlier literal quote evens the count
     ('\nP1,A,60,,x\nP2,B,70,,"y ""quoted', 3)],  # an escaped quote, no line end at the end
)  # fmt: skip
def test_a_quote_left_open_at_the_end_is_named_with_its_line(tmp_path, body, line):
    path = tmp_path / "t.csv"
    path.write_bytes((HEADER + body).encode())
    raw = read_csv_raw(path)
    assert [p.row for p in raw.notes] == [line]
    assert "is never closed" in raw.notes[0].message
    assert raw.rows.tolist() == [2]


def test_a_quote_left_open_mid_file_cannot_swallow_rows_silently(tmp_path):
    """A quote opened in row 3's site and closed only by the quoted site of row 5: the csv reading makes
    rows 3-5 one record whose site holds the line breaks of rows 4 and 5. The field count happens to
    match, so the site's line break is what names row 3 (a centre code never holds one), instead of a
    valid file of 4 patients."""
    rows = [{**BASE, "patient_id": f"P{k:03d}"} for k in range(1, 7)]
    text = csv_text(rows)
    lines = text.split("\n")
    lines[3] = lines[3].replace(",A,", ',"A,', 1)  # row 4 of the file (P003): opened, never closed
    lines[5] = lines[5].replace(",A,", ',"A",', 1)  # P005: a quoted site whose first quote closes it
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = validate_file(path)
    errors = [p for p in report.problems if p.severity == "error"]
    assert [(p.row, p.column) for p in errors] == [(4, "site")]
    assert "a line break inside the cell" in errors[0].message
    assert "check the file's quotes" in errors[0].message


def test_a_record_made_long_by_an_open_quote_names_its_lines(tmp_path):
    """An open quote whose record ends with a different number of fields: the field-count message says
    from which line to which line the quoted cell made the record run."""
    rows = [{**BASE, "patient_id": f"P{k:03d}"} for k in range(1, 7)]
    lines = csv_text(rows).split("\n")
    lines[2] = lines[2].replace(",A,", ',"A,', 1)  # P002, line 3: opened
    lines[5] = lines[5].replace(",A,", ',"A, B",', 1)  # P005, line 6: its first quote closes line 3's
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = [p for p in validate_file(path).problems if p.severity == "error"]
    assert [p.row for p in problems] == [3]
    assert "run from line 3 to line 6" in problems[0].message and "check the quotes" in problems[0].message


@pytest.mark.parametrize(("site", "fragment"), [("North\nWing", "a line break"), ("A\tB", "U+0009")])
def test_a_centre_code_with_a_control_character_is_refused_in_both_validators(tmp_path, site, fragment):
    """The frame validator and the one-patient validator refuse the same centre code, with the reason."""
    from spinemet.cohort.patient_values import check_patient

    path = tmp_path / "t.csv"
    path.write_text(csv_text([{**BASE, "site": site}]), encoding="utf-8")
    frame_errors = [p for p in validate_file(path).problems if p.severity == "error"]
    one = [p for p in check_patient({**BASE, "site": site})[0] if p.severity == "error"]
    for errors in (frame_errors, one):
        assert [p.column for p in errors] == ["site"]
        assert fragment in errors[0].message
    assert frame_errors[0].message == one[0].message


def test_a_site_that_took_in_other_rows_does_not_show_them(tmp_path):
    """The refused centre code is shown up to its first line break: the rows an unclosed quote took in
    (their ids and dates) are not repeated in the message."""
    rows = [{**BASE, "patient_id": f"P{k:03d}"} for k in range(1, 7)]
    lines = csv_text(rows).split("\n")
    lines[3] = lines[3].replace(",A,", ',"A,', 1)
    lines[5] = lines[5].replace(",A,", ',"A",', 1)
    path = tmp_path / "t.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    (error,) = [p for p in validate_file(path).problems if p.severity == "error"]
    assert "P004" not in error.message and "P005" not in error.message
    assert error.value.endswith(" ...")
