"""Original Bauer (0-5, Bauer & Wedin 1995) and modified Bauer (0-4, Leithner 2008); scores.md §9."""

from __future__ import annotations

import itertools

import pytest

from spinemet.scores import bauer, bauer_band, modified_bauer, modified_bauer_band

from .conftest import raises_invalid

# Breast primary, no visceral mets, solitary metastasis: every favourable factor.
BEST = dict(visceral_mets="none", primary_tumor="breast", solitary_skeletal_met="yes")


def _pts(result, name):
    return next(c.points for c in result.components if c.name == name)


@pytest.mark.parametrize(("visceral", "points"), [("none", 1), ("removable", 0), ("unremovable", 0)])
def test_no_visceral_mets(visceral, points):
    assert _pts(modified_bauer(**{**BEST, "visceral_mets": visceral}), "no_visceral_mets") == points


@pytest.mark.parametrize(
    ("primary", "not_lung", "favourable"),
    [("lung", 0, 0), ("breast", 1, 1), ("kidney", 1, 1), ("lymphoma", 1, 1), ("myeloma", 1, 1),
     ("prostate", 1, 0), ("thyroid", 1, 0), ("other", 1, 0), ("colon", 1, 0), ("liver", 1, 0)],
)  # fmt: skip
def test_primary_factors(primary, not_lung, favourable):
    r = modified_bauer(**{**BEST, "primary_tumor": primary})
    assert _pts(r, "not_lung") == not_lung
    assert _pts(r, "favourable_primary") == favourable


@pytest.mark.parametrize(
    ("extraspinal", "vertebral", "solitary"), [(0, 1, 1), (1, 1, 0), (0, 2, 0), (3, 5, 0)]
)
def test_solitary_derived_from_counts(extraspinal, vertebral, solitary):
    counts = {"extraspinal_bone_mets": extraspinal, "vertebral_mets": vertebral}
    args = {**BEST, "solitary_skeletal_met": None, **counts}
    r = modified_bauer(**args)
    component = next(c for c in r.components if c.name == "solitary_skeletal_met")
    assert component.points == solitary
    assert component.derived_from == "extraspinal_bone_mets+vertebral_mets"


def test_solitary_given_and_counts_must_agree():
    assert modified_bauer(**BEST, extraspinal_bone_mets=0, vertebral_mets=1).total == 4
    raises_invalid(modified_bauer, **BEST, extraspinal_bone_mets=2, vertebral_mets=1,
                   field="solitary_skeletal_met", value="yes", allowed="no")  # fmt: skip


def test_fracture_point_only_in_original():
    assert bauer(**BEST, pathologic_fracture="no").total == 5
    assert bauer(**BEST, pathologic_fracture="yes").total == 4
    assert modified_bauer(**BEST).total == 4


@pytest.mark.parametrize(
    ("total", "band", "treatment"),
    [(0, "0-1", "supportive_care"), (1, "0-1", "supportive_care"), (2, "2", "posterior_surgery"),
     (3, "3-4", "anterior_posterior_surgery"), (4, "3-4", "anterior_posterior_surgery")],
)  # fmt: skip
def test_modified_bands(total, band, treatment):
    assert modified_bauer_band(total)[0] == band
    assert modified_bauer_band(total)[2] == treatment


@pytest.mark.parametrize(
    ("total", "band", "treatment"),
    [(0, "0-1", "conservative"), (1, "0-1", "conservative"), (2, "2-3", "palliative_surgery"),
     (3, "2-3", "palliative_surgery"), (4, "4-5", "excisional_surgery"), (5, "4-5", "excisional_surgery")],
)  # fmt: skip
def test_original_bands(total, band, treatment):
    assert bauer_band(total)[0] == band
    assert bauer_band(total)[2] == treatment


def test_band_edges_from_components():
    # modified: lung (0,0) + visceral (0) + multiple (0) = 0; prostate = 1; prostate+no visceral = 2 ...
    cases = [
        (dict(visceral_mets="unremovable", primary_tumor="lung", solitary_skeletal_met="no"), 0, "0-1"),
        (dict(visceral_mets="unremovable", primary_tumor="prostate", solitary_skeletal_met="no"), 1, "0-1"),
        (dict(visceral_mets="none", primary_tumor="prostate", solitary_skeletal_met="no"), 2, "2"),
        (dict(visceral_mets="none", primary_tumor="prostate", solitary_skeletal_met="yes"), 3, "3-4"),
        (dict(visceral_mets="none", primary_tumor="kidney", solitary_skeletal_met="yes"), 4, "3-4"),
    ]
    for kwargs, total, band in cases:
        r = modified_bauer(**kwargs)
        assert (r.total, r.band) == (total, band)


def test_disagreement_1_modified_1_without_fracture():
    """Modified 1 (no surgery) vs original 2 (palliative surgery) for the same patient."""
    patient = dict(visceral_mets="unremovable", primary_tumor="prostate", solitary_skeletal_met="no")
    m = modified_bauer(**patient)
    o = bauer(**patient, pathologic_fracture="no")
    assert (m.total, m.band, m.extra["intent"]) == (1, "0-1", "none")
    assert (o.total, o.band, o.extra["intent"]) == (2, "2-3", "palliative")


def test_disagreement_2_modified_3_with_fracture():
    """Modified 3 (middle-term local control) vs original 3 (palliative surgery)."""
    patient = dict(visceral_mets="none", primary_tumor="prostate", solitary_skeletal_met="yes")
    m = modified_bauer(**patient)
    o = bauer(**patient, pathologic_fracture="yes")
    assert (m.total, m.band, m.extra["intent"]) == (3, "3-4", "local_control")
    assert (o.total, o.band, o.extra["intent"]) == (3, "2-3", "palliative")


def test_exactly_two_disagreements_in_intent():
    intents_m = {0: "none", 1: "none", 2: "palliative", 3: "local_control", 4: "local_control"}
    intents_o = {0: "none", 1: "none", 2: "palliative", 3: "palliative", 4: "local_control",
                 5: "local_control"}  # fmt: skip
    disagreements = [
        (m, fracture)
        for m, fracture in itertools.product(range(5), (True, False))
        if intents_m[m] != intents_o[m + (0 if fracture else 1)]
    ]
    assert disagreements == [(1, False), (3, True)]
    for m, fracture in disagreements:
        assert modified_bauer_band(m)[3] != bauer_band(m + (0 if fracture else 1))[3]


def test_unknown_primary_is_an_error():
    err = raises_invalid(modified_bauer, **{**BEST, "primary_tumor": "unknown"}, field="primary_tumor",
                         value="unknown", allowed="lung")  # fmt: skip
    assert "not lung" in str(err)
    raises_invalid(bauer, **{**BEST, "primary_tumor": "unknown"}, pathologic_fracture="no",
                   field="primary_tumor", value="unknown", allowed="lung")  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "field", "value", "allowed"),
    [
        ({"visceral_mets": "lots"}, "visceral_mets", "lots", "none, removable, unremovable"),
        ({"primary_tumor": "brain"}, "primary_tumor", "brain", "lung"),
        ({"solitary_skeletal_met": "maybe"}, "solitary_skeletal_met", "maybe", "yes, no"),
        ({"solitary_skeletal_met": None}, "solitary_skeletal_met", None, "yes, no"),
    ],
)
def test_invalid_inputs(kwargs, field, value, allowed):
    raises_invalid(modified_bauer, **{**BEST, **kwargs}, field=field, value=value, allowed=allowed)


def test_fracture_required_for_original():
    raises_invalid(bauer, **BEST, field="pathologic_fracture", value=None, allowed="yes, no")
