"""The one-patient validator (cohort/patient_values.py) gives exactly what the frame validator gives.

``check_patient(values)`` must return the problems of ``check_frame`` on the one-row frame of the same
values, field by field (row, column, value, allowed, message, severity) and in the same order, and the
same typed values. Hypothesis draws patients: valid codes, case variants, synonyms, missing tokens,
numbers in and out of range, exponent and decimal-comma notation, junk text, long cells, odd ids, dates
around the surgery, totals that match or not, and contradictory combinations; explicit examples then
pin each cross-field rule.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinemet.cohort.codes import MISSING_TOKENS
from spinemet.cohort.patient_values import check_patient
from spinemet.cohort.schema import BARTHEL_ITEM_SETS, COLUMN_BY_NAME, COLUMNS
from spinemet.cohort.validate import check_frame

EXAMPLES = 500


def frame_path(values: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """What the frame validator says about the one-row frame of ``values`` (as patient_card did)."""
    frame = pd.DataFrame([values], dtype=object)
    problems, typed = check_frame(frame)
    row = typed.iloc[0].to_dict() if len(typed.columns) else {}
    out = {}
    for k, v in row.items():
        if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
            continue
        if isinstance(v, pd.Timestamp):
            v = v.to_pydatetime()
        elif hasattr(v, "item"):
            v = v.item()
        out[k] = v
    return problems, out


def assert_same(values: dict[str, Any]) -> list[Any]:
    expected_problems, expected_typed = frame_path(values)
    problems, typed = check_patient(values)
    assert [p.__dict__ for p in problems] == [p.__dict__ for p in expected_problems]
    assert typed == expected_typed
    assert {k: type(v) for k, v in typed.items()} == {k: type(v) for k, v in expected_typed.items()}
    return problems


# ------------------------------------------------------------------------------------------ drawing
def _variants(code: str) -> st.SearchStrategy[str]:
    return st.sampled_from([code, code.upper(), code.lower(), code.title(), f" {code} ",
                            code.replace("_", " "), code.replace("_", "-")])  # fmt: skip


_SYNONYMS = ["yes", "no", "Y", "n", "TRUE", "false", "t", "F", "1", "0", "male", "Female", "woman", "2.0",
             "1.0"]
_JUNK = st.one_of(
    st.text(max_size=6),
    st.sampled_from(["x", "D4", "d 2", "D.1", "1a", "1", "7e1", "2,5", "1e400", "nan", "inf", "-0", "+5",
                     ".5", "5.", "lung;", "early_death;;massive_bleeding", "dvt; Early-Death", "wound;foo"]),
)  # fmt: skip
_MISSING = st.sampled_from([*MISSING_TOKENS, "", "   ", "N/A", "Unknown"])


def _number_text(col: Any) -> st.SearchStrategy[str]:
    low = -5 if col.low is None else int(col.low) - 5
    high = 200 if col.high is None else int(col.high) + 5
    ints = st.integers(low, high).map(str)
    floats = st.floats(low, high, allow_nan=False).map(lambda x: f"{x:.2f}")
    values = st.sampled_from(list(col.values)) if col.values else ints
    special = st.sampled_from([t for t, _ in col.special]) if col.special else ints
    return st.one_of(ints, floats, values, special, ints.map(lambda t: t + ".0"))


def _date_text() -> st.SearchStrategy[str]:
    days = st.integers(-30, 800).map(lambda d: (dt.date(2020, 1, 1) + dt.timedelta(days=d)).isoformat())
    odd = ["2020-02-30", "1899-12-31", "2201-01-01", "2020/01/01", "01-02-2020", "2020-01-01T10:00"]
    return st.one_of(days, st.sampled_from(odd))


def _id_text() -> st.SearchStrategy[str]:
    odd = ["P001", " P002 ", "Jose\u0301", "Jos\u00e9", "a\u200bb", "x\u00a0y", "tab\there", "é" * 101,
           "A" * 100]
    return st.one_of(st.text(max_size=8), st.sampled_from(odd))


def clean_value(name: str) -> st.SearchStrategy[str]:
    """A value the column accepts (written as people type it), so that the cross-field rules meet."""
    col = COLUMN_BY_NAME[name]
    if col.kind == "text":
        return st.sampled_from(["P001", " P002 ", "A"])
    if col.kind in ("category", "binary"):
        extra = ["D"] if name in ("frankel_pre", "frankel_post") else []
        return st.sampled_from([*col.values, *extra]).flatmap(_variants)
    if col.kind == "multi":
        return st.lists(st.sampled_from(list(col.values)), max_size=2).map(";".join)
    if col.kind == "date":
        return st.integers(-30, 800).map(lambda d: (dt.date(2020, 1, 1) + dt.timedelta(days=d)).isoformat())
    if col.values:
        return st.sampled_from(list(col.values))
    low = 0 if col.low is None else int(col.low)
    high = low + 200 if col.high is None else int(col.high)
    if col.step is not None:
        return st.integers(0, (high - low) // col.step).map(lambda k: str(low + k * col.step))
    if col.kind == "integer":
        return st.integers(low + col.low_exclusive, high).map(str)
    return st.floats(low, high, allow_nan=False).map(lambda x: f"{x:.1f}")


def value_of(name: str) -> st.SearchStrategy[str]:
    """A text value for ``name``: mostly plausible, sometimes missing, junk or too long."""
    col = COLUMN_BY_NAME.get(name)
    if col is None:
        return _JUNK
    if col.kind == "text":
        typical = _id_text()
    elif name in ("frankel_pre", "frankel_post"):  # near misses: the hint depends on frankel_scale
        typical = st.sampled_from(["D4", "d 2", "D.1", "D0", "F", "DD", "d", "c", "D 3"])
    elif col.kind in ("category", "binary"):
        typical = st.one_of(st.sampled_from(list(col.values)).flatmap(_variants), st.sampled_from(_SYNONYMS))
    elif col.kind == "multi":
        typical = st.lists(st.sampled_from(list(col.values)).flatmap(_variants), max_size=3).map(";".join)
    elif col.kind == "date":
        typical = _date_text()
    else:
        typical = _number_text(col)
    clean = clean_value(name)
    return st.one_of(clean, clean, typical, typical, _MISSING, _JUNK, st.just("x" * 1001))


_GROUPS = {
    "frankel": ["frankel_pre", "frankel_post", "frankel_scale"],
    "survival": ["dead", "survival_months", "surgery_date", "death_date", "last_contact_date", "discharge",
                 "complications", "blood_loss_ml"],
    "barthel": [*BARTHEL_ITEM_SETS[""][0], "barthel_pre"],
    "barthel_post": [*BARTHEL_ITEM_SETS["_post"][0], "barthel_post", "barthel_pre"],
    "sins": ["sins_location", "sins_pain", "sins_lesion", "sins_alignment", "sins_collapse",
             "sins_posterolateral", "sins", "main_level"],
    "tokuhashi": ["kps", "extraspinal_bone_mets", "vertebral_mets", "visceral_mets", "primary_tumor",
                  "frankel_pre", "tokuhashi"],
}  # fmt: skip
_ALL = [c.name for c in COLUMNS]


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    """A patient: whole groups of related fields (to meet the cross-field rules) plus random fields."""
    names: list[str] = []
    clean: set[str] = set()
    for group in draw(st.lists(st.sampled_from(sorted(_GROUPS)), max_size=3, unique=True)):
        keep = draw(st.lists(st.booleans(), min_size=len(_GROUPS[group]), max_size=len(_GROUPS[group])))
        full = draw(st.booleans())  # a complete group meets the totals rules
        names += [n for n, k in zip(_GROUPS[group], keep, strict=True) if (k or full) and n not in names]
        if draw(st.booleans()):  # valid values only: the cross-field rules judge them
            clean.update(_GROUPS[group])
    names += [n for n in draw(st.lists(st.sampled_from(_ALL), max_size=6)) if n not in names]
    names += draw(st.lists(st.sampled_from(["kpss", "KPS", "foo", "Primary_Tumor", "x"]), max_size=1))
    values = {n: draw(clean_value(n) if n in clean else value_of(n)) for n in names}
    if draw(st.booleans()):
        values["patient_id"] = draw(_id_text())
    elif draw(st.booleans()):
        values.setdefault("patient_id", "patient")
    if "surgery_date" in values and draw(st.booleans()):  # survival_months near what the dates give
        end = values.get("death_date") or values.get("last_contact_date") or ""
        try:
            days = (dt.date.fromisoformat(end) - dt.date.fromisoformat(values["surgery_date"])).days
        except ValueError:
            days = 30
        months = days / 30.4375 + draw(st.sampled_from([0.0, 0.01, -0.02, 0.04, 1.0]))
        values["survival_months"] = f"{months:.2f}"
    return values


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
@given(patients())
def test_same_problems_and_values_as_the_frame_validator(values: dict[str, Any]) -> None:
    assert_same(values)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
@given(st.dictionaries(st.sampled_from(_ALL), st.one_of(_MISSING, _JUNK, st.text(max_size=4)), max_size=8))
def test_same_on_junk_everywhere(values: dict[str, Any]) -> None:
    assert_same(values)


# ------------------------------------------------------------------------------ explicit cross rules
def _messages(values: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(p.severity, p.column, p.message) for p in assert_same({"patient_id": "P1", **values})]


def test_frankel_d_needs_the_original_scale() -> None:
    assert _messages({"frankel_pre": "D"}) == [
        ("error", "frankel_pre",
         "frankel_pre: got 'D', a grade of the original Frankel scale; give D1, D2 or D3, "
         "or set frankel_scale = original")]  # fmt: skip
    assert _messages({"frankel_pre": "d", "frankel_scale": "original"}) == []
    assert _messages({"frankel_post": "D2", "frankel_pre": "C", "frankel_scale": "original"}) == [
        ("error", "frankel_post",
         "frankel_post: got 'D2' but frankel_scale = original has A-E only")]  # fmt: skip


def test_frankel_hint_follows_the_scale() -> None:
    assert _messages({"frankel_pre": "D4"})[0][2] == (
        "frankel_pre: got 'D4'; allowed: one of: A, B, C, D1, D2, D3, E (A, B, C, D, E when frankel_scale = "
        "original) (did you mean 'D3'?)"
    )
    assert "did you mean 'D'?" in _messages({"frankel_pre": "D4", "frankel_scale": "original"})[0][2]


def test_post_without_pre_is_a_warning() -> None:
    assert _messages({"frankel_post": "E"}) == [
        ("warning", "frankel_pre", "frankel_pre: missing while frankel_post is given; the row is left out of "
                                   "paired analyses")]  # fmt: skip
    assert _messages({"barthel_post": "80"})[0][:2] == ("warning", "barthel_pre")


def test_dead_and_survival_together() -> None:
    assert _messages({"dead": "1"}) == [
        ("error", "survival_months", "survival_months: missing while dead is given; give both or neither")]
    assert _messages({"survival_months": "3"}) == [
        ("error", "dead", "dead: missing while survival_months is given; give both or neither")]


def test_in_hospital_death_with_dead_0() -> None:
    assert _messages({"discharge": "in hospital death", "dead": "no", "survival_months": "0.5"}) == [
        ("error", "dead", "dead: got 0 but discharge = in_hospital_death")]


def test_complications() -> None:
    assert _messages({"complications": "early_death", "dead": "0", "survival_months": "2"}) == [
        ("error", "survival_months", "survival_months: got '2' but complications include early_death (death "
                                     "within 30 days), which requires survival_months < 1"),
        ("error", "dead", "dead: got '0' but complications include early_death (death within 30 days), which "
                          "requires dead = 1"),
    ]  # fmt: skip
    assert _messages({"complications": "massive_bleeding", "blood_loss_ml": "900"}) == [
        ("warning", "blood_loss_ml",
         "blood_loss_ml: got '900' with massive_bleeding (> 1500 ml in the study's Table 4)")]  # fmt: skip


def test_barthel_items_against_their_total() -> None:
    items = dict.fromkeys(BARTHEL_ITEM_SETS["_pre"][0], "5")
    assert _messages({**items, "barthel_pre": "50"}) == []
    assert _messages({**items, "barthel_pre": "55"}) == [
        ("error", "barthel_pre", "barthel_pre: got '55' but the ten barthel_*_pre items sum to 50")]


def test_sins_location_against_main_level() -> None:
    assert _messages({"main_level": "T5", "sins_location": "junctional"}) == [
        ("warning", "sins_location", "sins_location: got 'junctional' but main_level T5 is semirigid")]


def test_totals_against_components() -> None:
    sins = {"main_level": "T5", "sins_pain": "mechanical", "sins_lesion": "lytic", "sins_alignment": "normal",
            "sins_collapse": "under50", "sins_posterolateral": "unilateral"}  # fmt: skip
    assert _messages({**sins, "sins": "9"}) == []
    assert _messages({**sins, "sins": "10"}) == [
        ("error", "sins", "sins: got '10' but its components give 9 (sins_location semirigid = 1, sins_pain "
                          "mechanical = 3, sins_lesion lytic = 2, sins_alignment normal = 0, sins_collapse "
                          "under50 = 2, sins_posterolateral unilateral = 1)")]  # fmt: skip
    toku = {"kps": "60", "extraspinal_bone_mets": "1", "vertebral_mets": "2", "visceral_mets": "none",
            "primary_tumor": "lung", "frankel_pre": "C"}  # fmt: skip
    assert _messages({**toku, "tokuhashi": "6"}) == []
    message = _messages({**toku, "tokuhashi": "7"})[0][2]
    assert message.startswith("tokuhashi: got '7' but its components give 6 (kps 60 = 1, ")


def test_survival_from_dates() -> None:
    dates = {"surgery_date": "2020-01-01", "death_date": "2020-07-01"}
    problems, typed = check_patient({"patient_id": "P1", **dates})
    assert problems == [] and typed["dead"] == 1.0
    assert typed["survival_months"] == pytest.approx(182 / 30.4375)
    assert_same({"patient_id": "P1", **dates})
    assert _messages({**dates, "dead": "0"}) == [
        ("error", "survival_months", "survival_months: missing while dead is given; give both or neither"),
        ("error", "dead", "dead: got 0 but death_date is given"),
    ]
    assert _messages({"death_date": "2020-07-01"})[0][:2] == ("error", "surgery_date")
    assert _messages({"surgery_date": "2020-01-01", "last_contact_date": "2019-12-01"}) == [
        ("error", "last_contact_date", "last_contact_date: got 2019-12-01, before surgery_date 2020-01-01")]
    assert _messages({**dates, "survival_months": "3"})[0][:2] == ("error", "survival_months")


def test_cells_ids_and_columns() -> None:
    assert _messages({"kps": "75"}) == [("error", "kps", "kps: got '75'; allowed: 10-100 in steps of 10")]
    assert _messages({"kpss": "70"})[0] == (
        "error", "kpss", "unknown column 'kpss'; did you mean 'kps'? (to keep it: --keep-extra)")
    assert _messages({"age": "90+"}) == []
    assert check_patient({"patient_id": "P1", "age": "90+"})[1]["age"] == "90+"
    assert _messages({"sins": "x" * 1001})[0][2] == (
        "sins: the cell has 1001 characters; allowed: at most 1000 characters"
    )
    assert _messages({"patient_id": "a\u200bb"})[0][2].startswith("patient_id: holds the invisible")
    assert check_patient({"patient_id": "Jose\u0301"})[1]["patient_id"] == "Jos\u00e9"

