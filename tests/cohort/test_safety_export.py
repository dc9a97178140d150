"""Issue 9: exports never carry live formulas, and an export reads back unchanged (OWASP CSV injection)."""

from __future__ import annotations

import csv

import pytest

from spinemet.cohort import read_cohort, write_cohort
from spinemet.cohort.spreadsheet_safety import neutralise_text, restore_text
from tests.cohort.conftest import BASE, csv_text

DANGEROUS = ["=HYPERLINK(\"http://x\",\"y\")", "=cmd|' /C calc'!A0", "+SUM(1)", "-2+3", "@SUM(A1)",
             "\tTAB", "'=already", "''+two", "'-5", "-5", "North"]  # fmt: skip


@pytest.mark.parametrize("text", DANGEROUS)
def test_neutralise_and_restore_are_inverse(text):
    assert restore_text(neutralise_text(text)) == text


def test_neutralised_text_never_starts_with_a_formula_character():
    for text in DANGEROUS:
        out = neutralise_text(text)
        assert out == "-5" or not out.startswith(("=", "+", "-", "@", "\t", "\r"))


def _cohort_with(tmp_path, sites):
    rows = [{**BASE, "patient_id": f"P{k}", "site": s} for k, s in enumerate(sites)]
    path = tmp_path / "in.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    return read_cohort(path)


def test_csv_export_neutralises_formulas_and_reads_back_unchanged(tmp_path):
    sites = [s.strip() for s in DANGEROUS if s.strip()]
    cohort = _cohort_with(tmp_path, sites)
    out = tmp_path / "out.csv"
    write_cohort(cohort, out)
    with out.open(encoding="utf-8", newline="") as fh:
        written = [r["site"] for r in csv.DictReader(fh)]
    assert written[0] == '\'=HYPERLINK("http://x","y")'
    assert not any(w.startswith(("=", "+", "@")) for w in written)
    back = read_cohort(out)
    assert back.frame["site"].tolist() == cohort.frame["site"].tolist()
    assert back.frame.equals(cohort.frame)


def test_an_apostrophe_before_a_formula_character_is_read_as_the_spreadsheet_escape(tmp_path):
    cohort = _cohort_with(tmp_path, ["'=already", "''+two", "'-5", "'plain"])
    assert cohort.frame["site"].tolist() == ["=already", "'+two", "'-5", "'plain"]


def test_xlsx_export_writes_text_never_formulas(tmp_path):
    from openpyxl import load_workbook

    cohort = _cohort_with(tmp_path, ['=HYPERLINK("http://x","y")', "=1+1"])
    out = tmp_path / "out.xlsx"
    write_cohort(cohort, out)
    wb = load_workbook(out)
    cells = [c for c in wb["cohort"]["B"][1:]]
    assert [(c.value, c.data_type) for c in cells] == [('=HYPERLINK("http://x","y")', "s"), ("=1+1", "s")]
    assert read_cohort(out).frame["site"].tolist() == ['=HYPERLINK("http://x","y")', "=1+1"]


def test_report_csv_tables_are_neutralised(tmp_path):
    from spinemet.report.outputs import _write_csv

    class Table:
        def records(self):
            return [["site", "n"], ["=cmd|' /C calc'!A0", 3], ["-1.5", -1.5]]

    path = tmp_path / "t.csv"
    _write_csv(Table(), path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == [["site", "n"], ["'=cmd|' /C calc'!A0", "3"], ["-1.5", "-1.5"]]
