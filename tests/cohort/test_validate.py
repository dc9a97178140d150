"""Every validation rule of cohort-format.md, each with a bad row: row number, column, value, allowed text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from spinemet.cohort import CohortValidationError, read_cohort, synth, validate_file, validate_frame
from tests.cohort.conftest import BASE


def _only_error(path, column):
    report = validate_file(path)
    errors = [p for p in report.problems if p.severity == "error"]
    assert len(errors) == 1, [str(p) for p in report.problems]
    assert errors[0].column == column
    return errors[0]


BAD_CELLS = [
    ("sex", "X", "one of: M, F"),
    ("age", "121", "integer 0-120, or 90+"),
    ("age", "66.5", "integer 0-120, or 90+"),
    ("surgery_date", "2015-02-30", "date YYYY-MM-DD"),
    ("surgery_date", "02/03/2015", "date YYYY-MM-DD"),
    ("primary_tumor", "colorectal", "one of: lung, liver, prostate"),
    ("main_level", "T13", "one of: C1, C2"),
    ("kps", "75", "10-100 in steps of 10"),
    ("kps", "0", "10-100 in steps of 10"),
    ("ecog", "5", "integer 0-4"),
    ("extraspinal_bone_mets", "-1", "integer >= 0"),
    ("vertebral_mets", "0", "integer >= 1"),
    ("visceral_mets", "some", "one of: none, removable, unremovable"),
    ("tokuhashi", "16", "integer 0-15"),
    ("sins_location", "fixed", "one of: junctional, mobile, semirigid, rigid"),
    ("sins_pain", "severe", "one of: mechanical, occasional, none"),
    ("sins_lesion", "osteolytic", "one of: lytic, mixed, blastic"),
    ("sins_alignment", "kyphosis", "one of: subluxation, deformity, normal"),
    ("sins_collapse", "50", "one of: over50, under50, involved_no_collapse, none"),
    ("sins_posterolateral", "both", "one of: bilateral, unilateral, none"),
    ("sins", "19", "integer 0-18"),
    ("escc", "1", "one of: 0, 1a, 1b, 1c, 2, 3"),
    ("escc", "4", "one of: 0, 1a, 1b, 1c, 2, 3"),
    ("frankel_pre", "F", "one of: A, B, C, D1, D2, D3, E (A, B, C, D, E when frankel_scale = original)"),
    ("frankel_post", "D4", "one of: A, B, C, D1, D2, D3, E"),
    ("barthel_pre", "42", "0-100 in steps of 5"),
    ("barthel_post", "105", "0-100 in steps of 5"),
    ("vas_pre", "11", "number 0-10"),
    ("vas_post", "-0.5", "number 0-10"),
    ("vas_pre", "4,5", "number 0-10"),
    ("procedure", "open", "one of: conventional, mist"),
    ("levels_fused", "0", "integer >= 1"),
    ("operative_time_min", "0", "integer > 0"),
    ("blood_loss_ml", "-5", "integer >= 0"),
    ("blood_loss_ml", "300ml", "integer >= 0"),
    ("complications", "bleeding", "';'-separated subset of: massive_bleeding, early_death"),
    ("chemotherapy", "yess", "one of: yes, no"),
    ("radiotherapy", "2", "one of: yes, no"),
    ("bone_modifying_agent", "sometimes", "one of: yes, no"),
    ("discharge", "died", "one of: home, hospice, in_hospital_death, transfer"),
    ("survival_months", "-1", "number >= 0"),
    ("survival_months", "inf", "number >= 0"),
    ("dead", "2", "one of: 0, 1"),
    ("dead", "alive?", "one of: 0, 1"),
    ("barthel_feeding", "7", "one of: 0, 5, 10"),
    ("barthel_transfers_post", "20", "one of: 0, 5, 10, 15"),
    ("barthel_bathing_pre", "10", "one of: 0, 5"),
    ("tomita_primary_growth", "fast", "one of: slow, moderate, rapid"),
    ("katagiri_visceral", "brain", "one of: none, nodular, disseminated"),
    ("ambulatory", "walks", "one of: independent, dependent, non_ambulatory"),
    ("frankel_scale", "asia", "one of: modified, original"),
    ("crp_mg_dl", "-0.1", "number >= 0"),
    ("family_care", "maybe", "one of: yes, no"),
    ("pedicles_confirmable", "unclear", "one of: yes, no"),
]


@pytest.mark.parametrize(("column", "value", "allowed"), BAD_CELLS)
def test_bad_cell_names_row_column_value_and_allowed(write_csv, column, value, allowed):
    path = write_csv({}, {column: value})
    problem = _only_error(path, column)
    assert problem.row == 3
    assert problem.value == value
    assert problem.allowed.startswith(allowed)
    assert f"got '{value}'" in problem.message


def test_hints_for_case_decimal_comma_and_escc_1(write_csv):
    path = write_csv({"chemotherapy": "yess", "vas_pre": "4,5", "escc": "1"})
    messages = {p.column: p.message for p in validate_file(path).problems}
    assert "did you mean 'yes'?" in messages["chemotherapy"]
    assert "decimal separator" in messages["vas_pre"]
    assert "1a, 1b or 1c" in messages["escc"]


def test_valid_variants_are_accepted(write_csv):
    path = write_csv(
        {"age": "90+", "escc": "1a", "complications": " other ; massive_bleeding ", "blood_loss_ml": "2000",
         "dead": "1.0", "kps": "60.0"},
    )  # fmt: skip
    cohort = read_cohort(path)
    row = cohort.frame.iloc[0]
    assert row["age"] == "90+"  # the Safe Harbor group is kept, not turned into a real age of 90
    assert row["complications"] == "massive_bleeding;other"  # canonical order of the format
    assert row["dead"] == 1.0
    assert row["kps"] == 60.0
    assert cohort.warnings == ()


# ------------------------------------------------------------------------------------------ cross rules
def test_tokuhashi_total_must_equal_components(write_csv):
    problem = _only_error(write_csv({}, {"tokuhashi": "9"}), "tokuhashi")
    assert (problem.row, problem.value) == (3, "9")
    assert "components give 6" in problem.message
    assert "kps 60 = 1" in problem.message and "primary_tumor lung = 0" in problem.message


def test_tokuhashi_not_checked_when_a_component_is_missing(write_csv):
    report = validate_file(write_csv({"tokuhashi": "9", "kps": ""}))
    assert report.ok, [str(p) for p in report.problems]


def test_sins_total_must_equal_components(write_csv):
    problem = _only_error(write_csv({"sins": "12"}), "sins")
    assert (problem.row, problem.value) == (2, "12")
    assert "components give 9" in problem.message


def test_sins_location_derived_from_main_level(write_csv):
    # L3 is mobile (2 points): 2 + 3 + 2 + 0 + 2 + 1 = 10
    ok = validate_file(write_csv({"sins_location": "", "main_level": "L3", "sins": "10"}))
    assert ok.ok, [str(p) for p in ok.problems]
    problem = _only_error(write_csv({"sins_location": "", "main_level": "L3", "sins": "9"}), "sins")
    assert "components give 10" in problem.message


def test_sins_location_disagreeing_with_level_is_a_warning(write_csv):
    report = validate_file(write_csv({"sins_location": "junctional", "sins": "11"}))
    assert report.ok
    (w,) = report.warnings
    assert (w.row, w.column, w.value) == (2, "sins_location", "junctional")
    assert "semirigid" in w.message


def test_barthel_items_must_sum_to_total(write_csv):
    items = {
        "barthel_feeding": "5",
        "barthel_bathing": "0",
        "barthel_grooming": "0",
        "barthel_dressing": "5",
        "barthel_bowels": "10",
        "barthel_bladder": "5",
        "barthel_toilet": "5",
        "barthel_transfers": "5",
        "barthel_mobility": "5",
        "barthel_stairs": "0",
    }  # fmt: skip  (sum 40)
    assert validate_file(write_csv(items)).ok
    problem = _only_error(write_csv({**items, "barthel_pre": "45"}), "barthel_pre")
    assert problem.value == "45" and "sum to 40" in problem.message
    post = {k + "_post": v for k, v in items.items()}
    problem = _only_error(write_csv({**post, "barthel_post": "70"}), "barthel_post")
    assert "sum to 40" in problem.message


@pytest.mark.parametrize(("post", "pre"), [("frankel_post", "frankel_pre"), ("barthel_post", "barthel_pre")])
def test_post_without_pre_is_a_warning(write_csv, post, pre):
    path = write_csv({pre: ""})
    cohort = read_cohort(path)  # accepted
    (w,) = cohort.warnings
    assert (w.row, w.column, w.severity) == (2, pre, "warning")
    assert post in w.message


def test_dead_and_survival_come_together(write_csv):
    p1 = _only_error(write_csv({"dead": ""}), "dead")
    assert p1.row == 2 and "survival_months is given" in p1.message
    p2 = _only_error(write_csv({"survival_months": ""}), "survival_months")
    assert p2.row == 2 and "dead is given" in p2.message
    assert validate_file(write_csv({"dead": "", "survival_months": ""})).ok


def test_early_death_requires_dead_and_short_survival(write_csv):
    p = _only_error(
        write_csv({"complications": "early_death", "dead": "0", "survival_months": "0.5"}), "dead"
    )
    assert (p.row, p.value, p.allowed) == (2, "0", "1 when complications include early_death")
    p = _only_error(write_csv({"complications": "early_death", "dead": "1", "survival_months": "3"}),
                    "survival_months")  # fmt: skip
    assert (p.value, p.allowed) == ("3", "< 1 when complications include early_death")
    assert validate_file(write_csv({"complications": "early_death", "survival_months": "0.5"})).ok


def test_cross_field_rules_skip_cells_that_failed_their_own_check(write_csv):
    """dead=2 and survival_months=-1 are each reported once (their own value check), not again by the
    early_death rule; an invalid frankel_scale does not make a valid grade D an error."""
    report = validate_file(write_csv({"complications": "early_death", "dead": "2", "survival_months": "-1"}))
    got = [(p.column, p.value, p.allowed) for p in report.errors]
    assert got == [("survival_months", "-1", "number >= 0"), ("dead", "2", "one of: 0, 1")]
    p = _only_error(
        write_csv({"frankel_scale": "orig", "frankel_pre": "C", "frankel_post": "D"}), "frankel_scale"
    )
    assert p.value == "orig"


def test_massive_bleeding_with_small_blood_loss_is_a_warning(write_csv):
    report = validate_file(write_csv({"complications": "massive_bleeding", "blood_loss_ml": "1500"}))
    assert report.ok
    (w,) = report.warnings
    assert (w.row, w.column, w.value) == (2, "blood_loss_ml", "1500")
    assert (
        validate_file(write_csv({"complications": "massive_bleeding", "blood_loss_ml": "1501"})).problems
        == ()
    )


def test_in_hospital_death_contradicts_alive(write_csv):
    p = _only_error(write_csv({"discharge": "in_hospital_death", "dead": "0"}), "dead")
    assert p.row == 2


def test_duplicate_patient_id_names_both_rows(write_csv):
    p = _only_error(write_csv({}, {}, {"patient_id": "P001"}), "patient_id")
    assert (p.row, p.value) == (4, "P001")
    assert "also in row 2" in p.message


def test_patient_id_required(write_csv):
    p = _only_error(write_csv({}, {"patient_id": " "}), "patient_id")
    assert p.row == 3
    p = _only_error(write_csv({"patient_id": None}), "patient_id")
    assert p.row == 1 and "missing" in p.message


def test_unknown_column_rejected_unless_keep_extra(write_csv):
    path = write_csv({"ward": "7B"})
    p = _only_error(path, "ward")
    assert p.row == 1 and "unknown column 'ward'" in p.message
    cohort = read_cohort(path, keep_extra=True)
    assert cohort.frame["ward"].tolist() == ["7B"]
    p = _only_error(write_csv({"primary_tumour": "lung", "primary_tumor": None}), "primary_tumour")
    assert "did you mean 'primary_tumor'" in p.message
    p = _only_error(write_csv({"Sex": "M", "sex": None}), "Sex")
    assert "did you mean 'sex'" in p.message


def test_original_frankel_d(write_csv):
    p = _only_error(write_csv({"frankel_post": "D"}), "frankel_post")
    assert "frankel_scale = original" in p.message
    ok = write_csv({"frankel_scale": "original", "frankel_pre": "C", "frankel_post": "D"})
    assert validate_file(ok).ok
    p = _only_error(write_csv({"frankel_scale": "original", "frankel_post": "D2"}), "frankel_post")
    assert p.value == "D2"


@pytest.mark.parametrize(
    ("scale", "grade", "hint"),
    [("", "D4", "'D3'"), ("modified", "D0", "'D1'"), ("original", "D4", "'D'"), ("original", "D.", "'D'")],
)
def test_frankel_hint_suggests_only_grades_allowed_on_the_rows_scale(write_csv, scale, grade, hint):
    """D4 on the modified scale (the default) suggests D3, never the original-scale 'D'."""
    row = {"frankel_scale": scale or None, "frankel_pre": grade, "frankel_post": "E"}
    p = _only_error(write_csv(row), "frankel_pre")
    assert f"did you mean {hint}" in p.message, p.message


@pytest.mark.parametrize(
    ("column", "value", "plain"),
    [("age", "1e1", "10"), ("kps", "7e1", "70"), ("dead", "1E0", "1"), ("escc", "2e0", None)],
)
def test_integer_columns_refuse_exponent_notation(write_csv, column, value, plain):
    """``age=1e1`` and ``kps=7e1`` are not silently read as 10 and 70."""
    p = _only_error(write_csv({column: value}), column)
    assert p.value == value
    if plain is not None:
        assert f"exponent notation is not accepted in an integer column; write {plain}" in p.message


def test_decimal_columns_accept_exponent_notation(write_csv):
    cohort = read_cohort(write_csv({"crp_mg_dl": "1e-3", "survival_months": "1.2e1"}))
    assert cohort.frame[["crp_mg_dl", "survival_months"]].iloc[0].tolist() == [0.001, 12.0]


def test_every_problem_in_one_pass(write_csv):
    path = write_csv(
        {"kps": "75", "sex": "X", "ward": "1"},
        {"tokuhashi": "2", "dead": ""},
        {"patient_id": "P001", "escc": "1", "complications": "early_death"},
    )
    report = validate_file(path)
    got = [(p.row, p.column, p.severity) for p in report.problems]
    assert got == [
        (1, "ward", "error"),
        (2, "sex", "error"),
        (2, "kps", "error"),
        (3, "tokuhashi", "error"),
        (3, "dead", "error"),
        (4, "patient_id", "error"),
        (4, "escc", "error"),
        (4, "survival_months", "error"),
    ]
    assert report.n_rows == 3
    with pytest.raises(CohortValidationError) as info:
        read_cohort(path)
    assert len(info.value.problems) == 8
    text = str(info.value)
    assert "8 error(s)" in text and "row 3" in text and "kps: got '75'" in text


def test_validate_frame_on_typed_frame_default_rows():
    frame = synth(20, seed=5)
    frame.loc[4, "kps"] = 75.0
    frame.loc[7, "primary_tumor"] = "colorectal"
    problems = validate_frame(frame)
    assert [(p.row, p.column, p.value) for p in problems] == [
        (6, "kps", 75.0),
        (9, "primary_tumor", "colorectal"),
    ]
    assert "kps: got 75;" in problems[0].message


def test_validate_frame_custom_rows():
    frame = pd.DataFrame({"patient_id": ["a", "b"], "sex": ["M", "Q"]})
    (p,) = validate_frame(frame, rows=[10, 12])
    assert (p.row, p.column) == (12, "sex")


def test_validation_of_1e5_rows_reports_every_injected_error():
    frame = synth(100_000, seed=11, sites=4)
    assert validate_frame(frame) == []
    rng = np.random.default_rng(0)
    bad = np.sort(rng.choice(len(frame), 500, replace=False))
    frame.loc[bad[:250], "kps"] = 75.0
    frame.loc[bad[250:], "sex"] = "X"
    problems = validate_frame(frame)
    assert len(problems) == 500
    assert sorted(p.row for p in problems) == sorted((bad + 2).tolist())
    csv = frame.copy()
    csv.loc[bad[:10], "tokuhashi"] = 16.0
    assert sum(p.column == "tokuhashi" for p in validate_frame(csv)) == sum(
        not np.isnan(v) for v in frame.loc[bad[:10], "tokuhashi"]
    )


def test_base_row_is_valid(write_csv):
    cohort = read_cohort(write_csv({}))
    assert cohort.warnings == ()
    row = cohort.frame.iloc[0]
    assert row["tokuhashi"] == 6 and row["sins"] == 9
    assert set(cohort.frame.columns) == set(BASE)


def test_dates_out_of_range_are_refused(write_csv):
    p = _only_error(write_csv({"surgery_date": "1066-10-14"}), "surgery_date")
    assert "1900-2200" in p.message


def test_extra_columns_are_kept_stripped_with_empty_as_missing(write_csv):
    frame = read_cohort(write_csv({"ward": " 7B "}, {"ward": ""}), keep_extra=True).frame
    assert frame["ward"].iat[0] == "7B" and pd.isna(frame["ward"].iat[1])
