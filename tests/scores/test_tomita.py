"""Tomita score (Tomita 2001; scores.md §7): growth 1/2/4, visceral 0/2/4, bone 1/2; four bands."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinemet.scores import tomita, tomita_band

from .conftest import raises_invalid

GROWTH = {"slow": 1, "moderate": 2, "rapid": 4}
VISCERAL = {"none": 0, "treatable": 2, "untreatable": 4}
BONE = {"solitary": 1, "multiple": 2}
TABLES = {"tomita_primary_growth": GROWTH, "tomita_visceral": VISCERAL, "tomita_bone_mets": BONE}
LOW = {"tomita_primary_growth": "slow", "tomita_visceral": "none", "tomita_bone_mets": "solitary"}


@pytest.mark.parametrize(
    ("field", "code", "points"), [(f, c, p) for f, t in TABLES.items() for c, p in t.items()]
)
def test_every_component_value(field, code, points):
    r = tomita(**{**LOW, field: code})
    baseline = {"tomita_primary_growth": 1, "tomita_visceral": 0, "tomita_bone_mets": 1}
    assert r.total == 2 - baseline[field] + points
    assert "Spine 2001;26:298" in r.citation


@pytest.mark.parametrize(
    ("kwargs", "total", "band", "strategy"),
    [
        ({}, 2, "2-3", "wide_or_marginal_excision"),
        ({"tomita_bone_mets": "multiple"}, 3, "2-3", "wide_or_marginal_excision"),
        ({"tomita_bone_mets": "multiple", "tomita_primary_growth": "moderate"}, 4, "4-5",
         "marginal_or_intralesional_excision"),
        ({"tomita_primary_growth": "rapid"}, 5, "4-5", "marginal_or_intralesional_excision"),
        ({"tomita_primary_growth": "rapid", "tomita_bone_mets": "multiple"}, 6, "6-7", "palliative_surgery"),
        ({"tomita_primary_growth": "rapid", "tomita_visceral": "treatable"}, 7, "6-7", "palliative_surgery"),
        ({"tomita_primary_growth": "rapid", "tomita_visceral": "treatable", "tomita_bone_mets": "multiple"},
         8, "8-10", "supportive_care"),
        ({"tomita_primary_growth": "rapid", "tomita_visceral": "untreatable", "tomita_bone_mets": "multiple"},
         10, "8-10", "supportive_care"),
    ],
)  # fmt: skip
def test_band_edges(kwargs, total, band, strategy):
    r = tomita(**{**LOW, **kwargs})
    assert (r.total, r.band, r.extra["strategy"]) == (total, band, strategy)
    assert tomita_band(total)[0] == band


def test_rapid_growth_is_four_points():
    assert tomita(**{**LOW, "tomita_primary_growth": "rapid"}).components[0].points == 4


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("tomita_primary_growth", "fast", "slow, moderate, rapid"),
        ("tomita_visceral", "removable", "none, treatable, untreatable"),
        ("tomita_bone_mets", 1, "solitary, multiple"),
        ("tomita_bone_mets", None, "solitary, multiple"),
    ],
)
def test_invalid_inputs(field, value, allowed):
    raises_invalid(tomita, **{**LOW, field: value}, field=field, value=value, allowed=allowed)


def test_band_range():
    raises_invalid(tomita_band, 1, field="tomita", value=1, allowed="integer 2-10")
    raises_invalid(tomita_band, 11, field="tomita", value=11, allowed="integer 2-10")


combos = st.fixed_dictionaries({f: st.sampled_from(sorted(t)) for f, t in TABLES.items()})


def _band(total):
    return "2-3" if total <= 3 else "4-5" if total <= 5 else "6-7" if total <= 7 else "8-10"


@settings(deadline=None)  # no timing assertions in the suite
@given(combos)
def test_property_total_and_band(patient):
    r = tomita(**patient)
    assert r.total == sum(TABLES[f][v] for f, v in patient.items())
    assert 2 <= r.total <= 10
    assert r.band == _band(r.total)


@settings(deadline=None)  # no timing assertions in the suite
@given(combos, st.sampled_from(sorted(TABLES)), st.data())
def test_property_monotone(patient, field, data):
    table = TABLES[field]
    worse = data.draw(st.sampled_from([c for c in table if table[c] >= table[patient[field]]]))
    assert tomita(**{**patient, field: worse}).total >= tomita(**patient).total
