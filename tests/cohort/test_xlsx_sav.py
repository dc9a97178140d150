"""Excel sheet rows and SPSS value labels."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyreadstat
import pytest
from openpyxl import Workbook, load_workbook

from spinemet.cohort import CohortValidationError, read_cohort, synth, validate_file, write_cohort


def test_xlsx_problems_use_sheet_rows(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    header = ["patient_id", "kps", "surgery_date", "sex", "escc"]
    rows = [
        ["P1", 60, dt.datetime(2015, 3, 2), "M", 2],
        ["P2", 75, dt.datetime(2015, 3, 2, 14, 30), "F", "1b"],
    ]
    for r, values in enumerate([header, *rows], start=3):  # header on sheet row 3, after two empty rows
        for c, v in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=v)
    ws.cell(row=7, column=1, value="P3")  # row 6 empty, skipped; row 7 a record
    path = tmp_path / "c.xlsx"
    wb.save(path)
    report = validate_file(path)
    assert report.n_rows == 3
    assert [(p.row, p.column, p.value) for p in report.problems] == [
        (5, "surgery_date", dt.datetime(2015, 3, 2, 14, 30)),  # sorted by row, then in the format's order
        (5, "kps", 75),
    ]
    assert "a date without a time of day" in report.problems[0].message


def test_xlsx_header_row_and_values(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "cohort"
    ws.append([])
    ws.append(["patient_id", "kps", "surgery_date", "sex", "escc", "dead", "survival_months"])
    ws.append(["P1", 60, dt.datetime(2015, 3, 2), "M", 2, 1, 12.5])
    ws.append(["P2", 75, "2015-03-04", " F ", "1b", 0, 3])
    path = tmp_path / "c.xlsx"
    wb.save(path)
    report = validate_file(path)
    assert [(p.row, p.column, p.value) for p in report.problems] == [(4, "kps", 75)]
    wb = load_workbook(path)
    wb["cohort"]["B4"] = 70
    wb.save(path)
    frame = read_cohort(path).frame
    assert frame["escc"].tolist() == ["2", "1b"]
    assert frame["sex"].tolist() == ["M", "F"]
    assert frame["surgery_date"].tolist() == [pd.Timestamp("2015-03-02"), pd.Timestamp("2015-03-04")]


def test_xlsx_written_has_dates_and_a_columns_sheet(tmp_path):
    path = tmp_path / "c.xlsx"
    write_cohort(synth(5, seed=1), path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["cohort", "columns"]
    cell = wb["cohort"].cell(row=2, column=5)
    assert wb["cohort"].cell(row=1, column=5).value == "surgery_date"
    assert isinstance(cell.value, dt.datetime) and cell.number_format == "yyyy-mm-dd"
    info = {r[0]: r for r in wb["columns"].iter_rows(min_row=2, values_only=True)}
    assert info["kps"][2] == "10-100 in steps of 10"


def test_not_an_xlsx_is_refused(tmp_path):
    path = tmp_path / "c.xlsx"
    path.write_text("not a workbook")
    with pytest.raises(CohortValidationError, match=r"not a readable \.xlsx"):
        read_cohort(path)


def test_sav_value_labels_map_to_format_codes(tmp_path):
    df = pd.DataFrame({
        "patient_id": ["S1", "S2", "S3"],
        "sex": [1.0, 2.0, 1.0],
        "primary_tumor": [1.0, 2.0, 3.0],
        "chemotherapy": [1.0, 0.0, 1.0],
        "dead": [1.0, 0.0, 1.0],
        "survival_months": [3.0, 20.0, 7.5],
        "escc": [5.0, 0.0, 2.0],
    })  # fmt: skip
    labels = {
        "sex": {1: "M", 2: "F"},
        "primary_tumor": {1: "Lung", 2: "breast", 3: "Pancreatic cancer"},
        "chemotherapy": {1: "Yes", 0: "No"},
        "dead": {0: "alive", 1: "died"},
        "escc": {0: "0", 1: "1a", 2: "1b", 3: "1c", 4: "2", 5: "3"},
    }
    path = tmp_path / "spss.sav"
    pyreadstat.write_sav(df, str(path), variable_value_labels=labels)
    report = validate_file(path)
    (err,) = report.errors
    assert (err.row, err.column, err.value) == (4, "primary_tumor", "3 (label 'Pancreatic cancer')")
    df.loc[2, "primary_tumor"] = 2.0
    pyreadstat.write_sav(df, str(path), variable_value_labels=labels)
    frame = read_cohort(path).frame
    assert frame["sex"].tolist() == ["M", "F", "M"]
    assert frame["primary_tumor"].tolist() == ["lung", "breast", "breast"]
    assert frame["chemotherapy"].tolist() == ["yes", "no", "yes"]
    assert frame["dead"].tolist() == [1.0, 0.0, 1.0]
    assert frame["escc"].tolist() == ["3", "0", "1b"]


def test_sav_written_with_value_and_variable_labels(tmp_path):
    path = tmp_path / "c.sav"
    write_cohort(synth(10, seed=3), path)
    _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["kps"] == "Karnofsky performance status"
    assert meta.variable_value_labels["chemotherapy"] == {0.0: "no", 1.0: "yes"}
    assert meta.variable_value_labels["escc"][0.0] == "0" and meta.variable_value_labels["escc"][5.0] == "3"
    assert meta.variable_value_labels["dead"][1.0] == "died"


def test_sav_rows_are_case_index_plus_two(tmp_path):
    frame = synth(6, seed=3)
    path = tmp_path / "c.sav"
    write_cohort(frame, path)
    df, meta = pyreadstat.read_sav(str(path))
    df.loc[3, "kps"] = 75.0
    pyreadstat.write_sav(df, str(path), variable_value_labels=meta.variable_value_labels)
    (err,) = validate_file(path).errors
    assert (err.row, err.column, err.value) == (5, "kps", 75.0)
