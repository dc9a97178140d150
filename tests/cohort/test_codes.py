"""Codes as people type them (issue 11): any case, synonyms, missing-value tokens; canonical codes stored."""

from __future__ import annotations

import math

import pytest

from spinemet.cohort import read_cohort, validate_file
from spinemet.cohort.codes import MISSING_TOKENS, canonical_code, is_missing_token, suggestion
from spinemet.cohort.schema import COLUMN_BY_NAME


@pytest.mark.parametrize(
    ("column", "typed", "canonical"),
    [
        ("frankel_pre", "d2", "D2"),
        ("frankel_post", "e", "E"),
        ("primary_tumor", "Lung", "lung"),
        ("primary_tumor", "HEAD NECK", "head_neck"),
        ("discharge", "Home", "home"),
        ("discharge", "in-hospital death", "in_hospital_death"),
        ("sex", "male", "M"),
        ("sex", "Female", "F"),
        ("sex", "f", "F"),
        ("chemotherapy", "Y", "yes"),
        ("chemotherapy", "1", "yes"),
        ("radiotherapy", "n", "no"),
        ("radiotherapy", "FALSE", "no"),
        ("main_level", "t5", "T5"),
        ("escc", "1A", "1a"),
        ("ambulatory", "Non-ambulatory", "non_ambulatory"),
    ],
)
def test_any_case_and_synonyms_are_stored_as_the_canonical_code(write_csv, column, typed, canonical):
    cohort = read_cohort(write_csv({"tokuhashi": None, "sins": None, column: typed}))
    assert cohort.frame.loc[0, column] == canonical


@pytest.mark.parametrize(("typed", "value"), [("yes", 1.0), ("No", 0.0), ("y", 1.0), ("0", 0.0)])
def test_binary_dead_takes_yes_no(write_csv, typed, value):
    assert read_cohort(write_csv({"dead": typed})).frame.loc[0, "dead"] == value


def test_multi_items_are_canonicalised(write_csv):
    cohort = read_cohort(write_csv({"complications": "Other; Massive bleeding"}))
    assert cohort.frame.loc[0, "complications"] == "massive_bleeding;other"


@pytest.mark.parametrize("token", ["n/a", "NA", "-", ".", "unknown", "Unknown", "?"])
@pytest.mark.parametrize("column", ["kps", "sex", "chemotherapy", "surgery_date", "dead", "frankel_post"])
def test_missing_tokens_read_as_missing(write_csv, token, column):
    report = validate_file(write_csv({"tokuhashi": None, "sins": None, column: token}))
    assert [p for p in report.errors if p.column == column] == []
    value = read_cohort(write_csv({"tokuhashi": None, "sins": None, column: token})).frame.loc[0, column]
    assert value is None or (isinstance(value, float) and math.isnan(value)) or str(value) == "NaT"


def test_unknown_is_a_code_where_the_column_has_it(write_csv):
    assert is_missing_token(COLUMN_BY_NAME["primary_tumor"], "unknown") is False
    cohort = read_cohort(write_csv({"tokuhashi": None, "primary_tumor": "Unknown"}))
    assert cohort.frame.loc[0, "primary_tumor"] == "unknown"


def test_text_columns_keep_tokens():
    assert not is_missing_token(COLUMN_BY_NAME["site"], "NA")
    assert "n/a" in MISSING_TOKENS and "." in MISSING_TOKENS


def test_ambiguous_is_refused_with_did_you_mean(write_csv):
    problems = {p.column: p for p in validate_file(write_csv({"escc": "1", "primary_tumour": None,
                                                                "primary_tumor": "lnug"})).errors}
    assert "1a, 1b or 1c" in problems["escc"].message
    assert "did you mean 'lung'?" in problems["primary_tumor"].message
    assert canonical_code(COLUMN_BY_NAME["escc"], "1") is None
    assert suggestion(COLUMN_BY_NAME["discharge"], "hospize") == "did you mean 'hospice'?"


def test_original_frankel_d_in_lower_case(write_csv):
    cohort = read_cohort(write_csv({"frankel_scale": "Original", "frankel_pre": "c", "frankel_post": "d"}))
    assert cohort.frame.loc[0, "frankel_post"] == "D"
    assert cohort.frame.loc[0, "frankel_scale"] == "original"


def test_xlsx_title_row_above_the_header_is_skipped_and_named(tmp_path):
    """A sheet with a title row (and a blank row) above the header: no "column N has no name" errors."""
    from openpyxl import Workbook

    path = tmp_path / "centre.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(["Spine metastasis registry, centre A, 2024"])
    ws.append([])
    ws.append(["patient_id", "sex", "kps", "primary_tumor", "dead", "survival_months"])
    ws.append(["P001", "male", 70, "Lung", "yes", 3])
    ws.append(["P002", "F", "NA", "breast", 0, 10.5])
    wb.save(path)
    report = validate_file(path)
    assert report.errors == (), [str(p) for p in report.problems]
    assert [p.message for p in report.warnings] == [
        "used row 3 as the header (the first row of known column names); skipped 1 row(s) above it"
    ]
    cohort = read_cohort(path)
    assert list(cohort.rows) == [4, 5]
    assert cohort.frame["sex"].tolist() == ["M", "F"]
    assert cohort.frame["dead"].tolist() == [1.0, 0.0]
    assert math.isnan(cohort.frame.loc[1, "kps"])
