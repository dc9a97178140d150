"""Revised Tokuhashi score: expected points and bands are those of Tokuhashi 2005 Table 1 (scores.md §1)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinemet.errors import InvalidInputError
from spinemet.scores import tokuhashi, tokuhashi_band

from .conftest import raises_invalid

# A patient scoring 1 point on every item: KPS 60, 1 extraspinal focus, 2 vertebrae, removable
# visceral metastases, liver primary, Frankel C -> 6 points.
BASE = dict(
    kps=60,
    extraspinal_bone_mets=1,
    vertebral_mets=2,
    visceral_mets="removable",
    primary_tumor="liver",
    frankel_pre="C",
)

# Point tables typed from scores.md §1 (not imported from the code under test).
KPS = {10: 0, 20: 0, 30: 0, 40: 0, 50: 1, 60: 1, 70: 1, 80: 2, 90: 2, 100: 2}
EXTRASPINAL = {0: 2, 1: 1, 2: 1, 3: 0, 4: 0, 12: 0}
VERTEBRAL = {1: 2, 2: 1, 3: 0, 4: 0, 20: 0}
VISCERAL = {"unremovable": 0, "removable": 1, "none": 2}
PRIMARY = {
    "lung": 0, "osteosarcoma": 0, "stomach": 0, "bladder": 0, "esophagus": 0, "pancreas": 0,
    "liver": 1, "gallbladder": 1, "unknown": 1,
    "other": 2, "myeloma": 2, "lymphoma": 2, "sarcoma": 2, "head_neck": 2, "colon": 2,
    "kidney": 3, "uterus": 3,
    "rectum": 4,
    "thyroid": 5, "breast": 5, "prostate": 5, "carcinoid": 5,
}  # fmt: skip
PALSY = {"A": 0, "B": 0, "C": 1, "D1": 1, "D2": 1, "D3": 1, "D": 1, "E": 2}


def _points(result, name):
    return next(c.points for c in result.components if c.name == name)


def test_base_patient_scores_one_point_per_item():
    r = tokuhashi(**BASE)
    assert r.total == 6
    assert [c.points for c in r.components] == [1, 1, 1, 1, 1, 1]
    assert r.score == "tokuhashi_revised"
    assert r.version == "revised 2005"
    assert "Spine 2005;30:2186" in r.citation


@pytest.mark.parametrize(("kps", "points"), KPS.items())
def test_general_condition_from_kps(kps, points):
    r = tokuhashi(**{**BASE, "kps": kps})
    assert _points(r, "general_condition") == points
    assert r.total == 5 + points


@pytest.mark.parametrize(("count", "points"), EXTRASPINAL.items())
def test_extraspinal_bone_mets(count, points):
    r = tokuhashi(**{**BASE, "extraspinal_bone_mets": count})
    assert _points(r, "extraspinal_bone_mets") == points


@pytest.mark.parametrize(("count", "points"), VERTEBRAL.items())
def test_vertebral_mets_3_2_1_reading(count, points):
    r = tokuhashi(**{**BASE, "vertebral_mets": count})
    assert _points(r, "vertebral_mets") == points


@pytest.mark.parametrize(("code", "points"), VISCERAL.items())
def test_visceral_mets(code, points):
    assert _points(tokuhashi(**{**BASE, "visceral_mets": code}), "visceral_mets") == points


@pytest.mark.parametrize(("code", "points"), PRIMARY.items())
def test_primary_site_for_every_vocabulary_code(code, points):
    r = tokuhashi(**{**BASE, "primary_tumor": code})
    assert _points(r, "primary_site") == points
    assert r.total == 5 + points


def test_every_primary_vocabulary_code_is_covered():
    vocabulary = [
        "lung", "liver", "prostate", "myeloma", "kidney", "thyroid", "lymphoma", "gallbladder", "breast",
        "sarcoma", "osteosarcoma", "stomach", "colon", "rectum", "esophagus", "pancreas", "bladder", "uterus",
        "carcinoid", "head_neck", "other", "unknown",
    ]  # fmt: skip
    assert sorted(vocabulary) == sorted(PRIMARY)


@pytest.mark.parametrize("code", ["myeloma", "lymphoma", "sarcoma", "head_neck", "colon"])
def test_unnamed_primaries_carry_an_inference_note(code):
    r = tokuhashi(**{**BASE, "primary_tumor": code})
    assert any("others" in n and "inference" in n for n in r.notes)


def test_colorectal_is_rejected_as_ambiguous():
    err = raises_invalid(
        tokuhashi, **{**BASE, "primary_tumor": "colorectal"}, field="primary_tumor", value="colorectal",
        allowed="rectum",
    )
    assert "ambiguous" in str(err)


@pytest.mark.parametrize(("grade", "points"), PALSY.items())
def test_palsy_from_frankel_pre(grade, points):
    r = tokuhashi(**{**BASE, "frankel_pre": grade})
    palsy = next(c for c in r.components if c.name == "palsy")
    assert palsy.points == points
    assert palsy.derived_from == "frankel_pre"


@pytest.mark.parametrize(
    ("total", "band", "survival", "treatment"),
    [
        (0, "0-8", "< 6 months", "conservative"),
        (8, "0-8", "< 6 months", "conservative"),
        (9, "9-11", ">= 6 months", "palliative_surgery"),
        (11, "9-11", ">= 6 months", "palliative_surgery"),
        (12, "12-15", ">= 1 year", "excisional_surgery"),
        (15, "12-15", ">= 1 year", "excisional_surgery"),
    ],
)
def test_band_edges_total_only(total, band, survival, treatment):
    r = tokuhashi(total=total)
    assert (r.band, r.band_label) == (band, survival)
    assert r.extra["treatment"] == treatment
    assert r.extra["survival"] == survival
    assert r.components == ()
    assert tokuhashi_band(total) == (band, survival, treatment)


def test_band_edges_from_components():
    # 8: base 6 + KPS 90 (+1) + no visceral mets (+1)
    eight = tokuhashi(**{**BASE, "kps": 90, "visceral_mets": "none"})
    assert (eight.total, eight.band) == (8, "0-8")
    # 9: and Frankel E (+1)
    nine = tokuhashi(**{**BASE, "kps": 90, "visceral_mets": "none", "frankel_pre": "E"})
    assert (nine.total, nine.band) == (9, "9-11")
    # 11: liver -> kidney (+2)
    eleven = tokuhashi(
        **{**BASE, "kps": 90, "visceral_mets": "none", "frankel_pre": "E", "primary_tumor": "kidney"}
    )
    assert (eleven.total, eleven.band) == (11, "9-11")
    # 12: and one vertebra (+1)
    twelve = tokuhashi(
        **{**BASE, "kps": 90, "visceral_mets": "none", "frankel_pre": "E", "primary_tumor": "kidney",
           "vertebral_mets": 1}
    )  # fmt: skip
    assert (twelve.total, twelve.band) == (12, "12-15")
    assert twelve.extra["treatment"] == "excisional_surgery"


def test_maximum_and_minimum():
    best = tokuhashi(kps=100, extraspinal_bone_mets=0, vertebral_mets=1, visceral_mets="none",
                     primary_tumor="breast", frankel_pre="E")  # fmt: skip
    worst = tokuhashi(kps=10, extraspinal_bone_mets=5, vertebral_mets=4, visceral_mets="unremovable",
                      primary_tumor="lung", frankel_pre="A")  # fmt: skip
    assert (best.total, worst.total) == (15, 0)


class TestFigure1Patient:
    """Uei 2018 Fig. 1: liver cancer to L4 and L5, Tokuhashi 3, Frankel D1 -> E (scores.md §13 #11)."""

    def test_reading_two_vertebrae(self):
        # L4 + L5 only (2 vertebrae = 1): then KPS <= 40, >= 3 extraspinal foci, unremovable organ mets.
        r = tokuhashi(kps=40, extraspinal_bone_mets=3, vertebral_mets=2, visceral_mets="unremovable",
                      primary_tumor="liver", frankel_pre="D1")  # fmt: skip
        assert r.total == 3
        assert r.band == "0-8"
        assert r.extra["treatment"] == "conservative"

    def test_reading_three_vertebrae_kps_moderate(self):
        r = tokuhashi(kps=60, extraspinal_bone_mets=3, vertebral_mets=3, visceral_mets="unremovable",
                      primary_tumor="liver", frankel_pre="D1")  # fmt: skip
        assert r.total == 3

    def test_given_total_agrees(self):
        r = tokuhashi(kps=40, extraspinal_bone_mets=3, vertebral_mets=2, visceral_mets="unremovable",
                      primary_tumor="liver", frankel_pre="D1", total=3)  # fmt: skip
        assert r.total == 3


def test_total_with_all_components_must_agree():
    err = raises_invalid(tokuhashi, **BASE, total=7, field="tokuhashi", value=7, allowed="6")
    assert err.field == "tokuhashi"
    assert tokuhashi(**BASE, total=6).total == 6


def test_total_only_is_range_checked():
    raises_invalid(tokuhashi, total=16, field="tokuhashi", value=16, allowed="integer 0-15")
    raises_invalid(tokuhashi, total=-1, field="tokuhashi", value=-1, allowed="integer 0-15")
    raises_invalid(tokuhashi, total=7.5, field="tokuhashi", value=7.5, allowed="integer 0-15")
    assert tokuhashi(total="9").total == 9


def test_partial_components_without_total_name_first_missing():
    partial = {k: v for k, v in BASE.items() if k not in ("vertebral_mets", "primary_tumor")}
    err = raises_invalid(tokuhashi, **partial, field="vertebral_mets", value=None, allowed="integer >= 1")
    assert "missing" in str(err)
    raises_invalid(tokuhashi, field="kps", value=None, allowed="10-100 in steps of 10")


def test_partial_components_with_total_are_accepted_and_checked():
    partial = {k: v for k, v in BASE.items() if k != "primary_tumor"}  # 5 points present, primary 0-5
    r = tokuhashi(**partial, total=9)
    assert r.total == 9
    assert len(r.components) == 5
    assert any("primary_tumor" in n for n in r.notes)
    raises_invalid(tokuhashi, **partial, total=11, field="tokuhashi", value=11, allowed="5-10")
    raises_invalid(tokuhashi, **partial, total=4, field="tokuhashi", value=4, allowed="5-10")


@pytest.mark.parametrize(
    ("kwargs", "field", "value", "allowed"),
    [
        ({"kps": 0}, "kps", 0, "10-100 in steps of 10"),
        ({"kps": 75}, "kps", 75, "10-100 in steps of 10"),
        ({"kps": 110}, "kps", 110, "10-100 in steps of 10"),
        ({"kps": True}, "kps", True, "10-100 in steps of 10"),
        ({"kps": "good"}, "kps", "good", "10-100 in steps of 10"),
        ({"vertebral_mets": 0}, "vertebral_mets", 0, "integer >= 1"),
        ({"extraspinal_bone_mets": -1}, "extraspinal_bone_mets", -1, "integer >= 0"),
        ({"extraspinal_bone_mets": 1.5}, "extraspinal_bone_mets", 1.5, "integer >= 0"),
        ({"visceral_mets": "yes"}, "visceral_mets", "yes", "none, removable, unremovable"),
        ({"primary_tumor": "brain"}, "primary_tumor", "brain", "lung"),
        ({"frankel_pre": "F"}, "frankel_pre", "F", "A, B, C, D1, D2, D3, E"),
        ({"frankel_pre": "D4"}, "frankel_pre", "D4", "A, B, C, D1, D2, D3, E"),
    ],
)
def test_invalid_inputs_name_field_value_and_allowed(kwargs, field, value, allowed):
    raises_invalid(tokuhashi, **{**BASE, **kwargs}, field=field, value=value, allowed=allowed)


def test_cli_strings_and_case_are_accepted():
    r = tokuhashi(kps="60", extraspinal_bone_mets="1", vertebral_mets=" 2 ", visceral_mets=" Removable ",
                  primary_tumor="LIVER", frankel_pre=" c ")  # fmt: skip
    assert r.total == 6
    assert tokuhashi(**{**BASE, "kps": 60.0}).total == 6


def test_nan_counts_as_missing():
    with pytest.raises(InvalidInputError, match="kps"):
        tokuhashi(**{**BASE, "kps": float("nan")})


# --- property tests over every valid component combination --------------------------------------

combos = st.fixed_dictionaries(
    {
        "kps": st.sampled_from(sorted(KPS)),
        "extraspinal_bone_mets": st.sampled_from(sorted(EXTRASPINAL)),
        "vertebral_mets": st.sampled_from(sorted(VERTEBRAL)),
        "visceral_mets": st.sampled_from(sorted(VISCERAL)),
        "primary_tumor": st.sampled_from(sorted(PRIMARY)),
        "frankel_pre": st.sampled_from(sorted(PALSY)),
    }
)
TABLES = {
    "kps": KPS,
    "extraspinal_bone_mets": EXTRASPINAL,
    "vertebral_mets": VERTEBRAL,
    "visceral_mets": VISCERAL,
    "primary_tumor": PRIMARY,
    "frankel_pre": PALSY,
}


def _expected_band(total: int) -> str:
    return "0-8" if total <= 8 else "9-11" if total <= 11 else "12-15"


@settings(deadline=None)  # no timing assertions in the suite
@given(combos)
def test_property_total_band_and_total_only_path(patient):
    r = tokuhashi(**patient)
    expected = sum(TABLES[k][v] for k, v in patient.items())
    assert r.total == expected
    assert 0 <= r.total <= 15
    assert r.total == sum(c.points for c in r.components)
    assert r.band == _expected_band(r.total)
    only = tokuhashi(total=r.total)
    assert (only.band, only.band_label, only.extra) == (r.band, r.band_label, r.extra)
    assert tokuhashi(**patient, total=r.total).total == r.total


@settings(deadline=None)  # no timing assertions in the suite
@given(combos, st.sampled_from(sorted(TABLES)), st.data())
def test_property_monotone_in_each_item(patient, item, data):
    table = TABLES[item]
    better = data.draw(st.sampled_from([v for v in table if table[v] >= table[patient[item]]]))
    before = tokuhashi(**patient)
    after = tokuhashi(**{**patient, item: better})
    assert after.total - before.total == table[better] - table[patient[item]]
    assert after.total >= before.total
