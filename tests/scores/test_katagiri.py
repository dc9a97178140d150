"""New Katagiri score (Katagiri 2014; scores.md §8): points, lab tiers and bands 0-3/4-6/7-10."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinemet.errors import InvalidInputError
from spinemet.scores import katagiri, katagiri_band, katagiri_lab_tier

from .conftest import raises_invalid

ZERO = dict(
    katagiri_primary_growth="slow",
    katagiri_visceral="none",
    ecog=0,
    previous_chemotherapy="no",
    multiple_skeletal_mets="no",
    katagiri_lab="normal",
)
GROWTH = {"slow": 0, "moderate": 2, "rapid": 3}
VISCERAL = {"none": 0, "nodular": 1, "disseminated": 2}
LAB = {"normal": 0, "abnormal": 1, "critical": 2}
ECOG = {0: 0, 1: 0, 2: 0, 3: 1, 4: 1}
YES_NO = {"no": 0, "yes": 1}
TABLES = {
    "katagiri_primary_growth": GROWTH,
    "katagiri_visceral": VISCERAL,
    "katagiri_lab": LAB,
    "ecog": ECOG,
    "previous_chemotherapy": YES_NO,
    "multiple_skeletal_mets": YES_NO,
}
NORMAL_LABS = dict(crp_mg_dl=0.1, ldh_iu_l=200, albumin_g_dl=4.0, platelets_per_ul=250_000,
                   calcium_mg_dl=9.5, bilirubin_mg_dl=0.8)  # fmt: skip


@pytest.mark.parametrize(
    ("field", "code", "points"), [(f, c, p) for f, t in TABLES.items() for c, p in t.items()]
)
def test_every_component_value(field, code, points):
    r = katagiri(**{**ZERO, field: code})
    assert r.total == points
    assert "Cancer Med 2014;3:1359" in r.citation


@pytest.mark.parametrize(
    ("total", "band", "survival"), [(0, "low", "91%"), (3, "low", "91%"), (4, "intermediate", "49%"),
                                    (6, "intermediate", "49%"), (7, "high", "6%"), (10, "high", "6%")]
)  # fmt: skip
def test_band_edges(total, band, survival):
    code, label = katagiri_band(total)
    assert code == band
    assert survival in label and "1-year" in label


def test_band_edges_from_components():
    three = katagiri(**{**ZERO, "katagiri_primary_growth": "rapid"})
    four = katagiri(**{**ZERO, "katagiri_primary_growth": "rapid", "ecog": 3})
    six = katagiri(
        **{**ZERO, "katagiri_primary_growth": "rapid", "ecog": 3, "katagiri_visceral": "disseminated"}
    )
    seven = katagiri(
        **{**ZERO, "katagiri_primary_growth": "rapid", "ecog": 3, "katagiri_visceral": "disseminated",
           "previous_chemotherapy": "yes"}
    )  # fmt: skip
    assert [(r.total, r.band) for r in (three, four, six, seven)] == [
        (3, "low"), (4, "intermediate"), (6, "intermediate"), (7, "high")
    ]  # fmt: skip
    assert "91%" in three.band_label and "6%" in seven.band_label


@pytest.mark.parametrize(
    ("labs", "tier"),
    [
        ({}, "normal"),
        ({"crp_mg_dl": 0.4}, "abnormal"),
        ({"crp_mg_dl": 0.39}, "normal"),
        ({"ldh_iu_l": 250}, "abnormal"),
        ({"ldh_iu_l": 249}, "normal"),
        ({"albumin_g_dl": 3.69}, "abnormal"),
        ({"albumin_g_dl": 3.7}, "normal"),
        ({"platelets_per_ul": 99_999}, "critical"),
        ({"platelets_per_ul": 100_000}, "normal"),
        ({"calcium_mg_dl": 10.3}, "critical"),
        ({"calcium_mg_dl": 10.2}, "normal"),
        ({"bilirubin_mg_dl": 1.4}, "critical"),
        ({"bilirubin_mg_dl": 1.39}, "normal"),
        ({"crp_mg_dl": 5, "ldh_iu_l": 400, "albumin_g_dl": 2.5, "calcium_mg_dl": 11}, "critical"),
    ],
)
def test_lab_thresholds(labs, tier):
    args = {k: v for k, v in ZERO.items() if k != "katagiri_lab"}
    r = katagiri(**args, **{**NORMAL_LABS, **labs})
    assert r.extra["lab_tier"] == tier
    assert r.total == LAB[tier]  # critical outranks abnormal: never 3
    lab = next(c for c in r.components if c.name == "laboratory")
    assert lab.derived_from == "laboratory values"
    assert r.notes == ()


def test_partial_raw_labs_note_underestimate():
    args = {k: v for k, v in ZERO.items() if k != "katagiri_lab"}
    r = katagiri(**args, crp_mg_dl=0.1)
    assert r.extra["lab_tier"] == "normal"
    assert any("underestimated" in n for n in r.notes)
    abnormal = katagiri(**args, crp_mg_dl=1.0)
    assert any("underestimated" in n for n in abnormal.notes)
    critical = katagiri(**args, calcium_mg_dl=12)
    assert critical.notes == ()
    assert critical.extra["lab_tier"] == "critical"


def test_lab_tier_function():
    assert katagiri_lab_tier() == (None, (), ("crp_mg_dl", "ldh_iu_l", "albumin_g_dl", "platelets_per_ul",
                                              "calcium_mg_dl", "bilirubin_mg_dl"))  # fmt: skip
    tier, met, _ = katagiri_lab_tier(ldh_iu_l=300, albumin_g_dl=3.0)
    assert tier == "abnormal" and met == ("ldh_iu_l", "albumin_g_dl")


def test_given_tier_must_not_contradict_raw_values():
    raises_invalid(katagiri, **{**ZERO, "katagiri_lab": "normal"}, calcium_mg_dl=11,
                   field="katagiri_lab", value="normal", allowed="critical")  # fmt: skip
    raises_invalid(katagiri, **{**ZERO, "katagiri_lab": "abnormal"}, **NORMAL_LABS,
                   field="katagiri_lab", value="abnormal", allowed="normal")  # fmt: skip
    # a higher given tier is compatible with incomplete raw values
    assert katagiri(**{**ZERO, "katagiri_lab": "critical"}, crp_mg_dl=0.1).total == 2


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("katagiri_primary_growth", "fast", "slow, moderate, rapid"),
        ("katagiri_visceral", "brain", "none, nodular, disseminated"),
        ("katagiri_lab", "high", "normal, abnormal, critical"),
        ("ecog", 5, "integer 0-4"),
        ("ecog", 6, "integer 0-5"),
        ("ecog", None, "integer 0-4"),
        ("previous_chemotherapy", "maybe", "yes, no"),
        ("multiple_skeletal_mets", None, "yes, no"),
    ],
)
def test_invalid_inputs(field, value, allowed):
    raises_invalid(katagiri, **{**ZERO, field: value}, field=field, value=value, allowed=allowed)


def test_lab_missing_entirely():
    args = {k: v for k, v in ZERO.items() if k != "katagiri_lab"}
    raises_invalid(katagiri, **args, field="katagiri_lab", value=None, allowed="normal, abnormal, critical")


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [("crp_mg_dl", -1, "number >= 0"), ("ldh_iu_l", "high", "number >= 0"),
     ("platelets_per_ul", 250, "count per µL")],
)  # fmt: skip
def test_invalid_raw_labs(name, value, allowed):
    args = {k: v for k, v in ZERO.items() if k != "katagiri_lab"}
    raises_invalid(katagiri, **args, **{name: value}, field=name, value=value, allowed=allowed)


def test_unknown_lab_name():
    with pytest.raises(InvalidInputError, match="sodium"):
        katagiri_lab_tier(sodium=140)


combos = st.fixed_dictionaries({f: st.sampled_from(sorted(t)) for f, t in TABLES.items()})


def _band(total):
    return "low" if total <= 3 else "intermediate" if total <= 6 else "high"


@settings(deadline=None)  # no timing assertions in the suite
@given(combos)
def test_property_total_and_band(patient):
    r = katagiri(**patient)
    assert r.total == sum(TABLES[f][v] for f, v in patient.items())
    assert 0 <= r.total <= 10
    assert r.band == _band(r.total)


@settings(deadline=None)  # no timing assertions in the suite
@given(combos, st.sampled_from(sorted(TABLES)), st.data())
def test_property_monotone(patient, field, data):
    table = TABLES[field]
    worse = data.draw(st.sampled_from([c for c in table if table[c] >= table[patient[field]]]))
    assert (
        katagiri(**{**patient, field: worse}).total - katagiri(**patient).total
        == table[worse] - table[patient[field]]
    )


def test_missing_lab_value_gives_a_range_of_totals_and_bands():
    """Katagiri 2014: a missing value could raise the laboratory tier; the result gives every total and
    band the patient could have (tier normal to critical: + 0 to 2 points)."""
    args = {k: v for k, v in ZERO.items() if k != "katagiri_lab"}
    known = {"crp_mg_dl": 0.1, "ldh_iu_l": 200, "albumin_g_dl": 4.0, "platelets_per_ul": 200000,
             "calcium_mg_dl": 9.0}
    r = katagiri(**args, **known)  # bilirubin missing: could be critical
    assert r.total_range == (r.total, r.total + 2)
    assert not r.exact
    assert "bilirubin_mg_dl" in r.notes[0] and "normal to critical" in r.notes[0]
    abnormal = katagiri(**args, crp_mg_dl=1.0)
    assert abnormal.total_range == (abnormal.total, abnormal.total + 1)
    assert "ldh_iu_l" not in abnormal.notes[0]  # LDH cannot raise an abnormal tier
    full = katagiri(**args, **known, bilirubin_mg_dl=0.5)
    assert full.exact and full.possible_bands == ()


def test_band_range_crosses_a_cut_off():
    # primary rapid 3 + ECOG 3-4 1 = 4 with a normal lab tier; critical would give 6: both intermediate;
    # with previous chemotherapy (+1) 5..7 crosses into high
    base = {k: v for k, v in ZERO.items() if k != "katagiri_lab"}
    base.update(katagiri_primary_growth="rapid", ecog=3, previous_chemotherapy="yes")
    r = katagiri(**base, crp_mg_dl=0.1)
    assert r.total_range == (5, 7)
    assert r.possible_bands == ("intermediate", "high")
