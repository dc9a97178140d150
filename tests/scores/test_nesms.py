"""NESMS (Ghori 2015; scores.md §10): min(3, 2*[mBauer>=3] + [independent] + [albumin>=3.5]); cut-offs U."""

from __future__ import annotations

import itertools

import pytest

from spinemet.scores import NESMS_ALBUMIN_CUTOFF_G_DL, NESMS_MBAUER_CUTOFF, nesms

from .conftest import raises_invalid


def test_cutoffs_are_the_documented_unconfirmed_values():
    assert NESMS_MBAUER_CUTOFF == 3
    assert NESMS_ALBUMIN_CUTOFF_G_DL == 3.5


@pytest.mark.parametrize(
    ("mbauer", "ambulatory", "albumin", "weighted", "total"),
    [
        (4, "independent", 4.0, 4, 3),  # the cap
        (3, "independent", 3.5, 4, 3),  # cap at both cut-offs
        (3, "independent", 3.4, 3, 3),
        (3, "dependent", 3.4, 2, 2),
        (2, "independent", 3.5, 2, 2),
        (2, "dependent", 4.2, 1, 1),
        (2, "non_ambulatory", 3.0, 0, 0),
        (0, "independent", 2.0, 1, 1),
    ],
)
def test_totals_and_cap(mbauer, ambulatory, albumin, weighted, total):
    r = nesms(modified_bauer=mbauer, ambulatory=ambulatory, albumin_g_dl=albumin)
    assert r.total == total
    assert r.extra["weighted_sum"] == weighted
    assert any("UNCONFIRMED" in n for n in r.notes)
    assert r.extra["cutoffs_confirmed"] is False
    assert ("capped" in " ".join(r.notes)) == (weighted > 3)


def test_every_result_states_unconfirmed_cutoffs():
    walks = ("independent", "dependent", "non_ambulatory")
    for mb, amb, alb in itertools.product(range(5), walks, ("yes", "no")):
        r = nesms(modified_bauer=mb, ambulatory=amb, albumin_normal=alb)
        assert any("UNCONFIRMED" in n and "3.5" in n for n in r.notes)
        assert 0 <= r.total <= 3
        expected = min(3, 2 * (mb >= 3) + (amb == "independent") + (alb == "yes"))
        assert r.total == expected


def test_modified_bauer_from_components():
    r = nesms(visceral_mets="none", primary_tumor="breast", solitary_skeletal_met="no",
              ambulatory="dependent", albumin_normal="no")  # fmt: skip
    assert r.components[0].value == 3
    assert r.total == 2
    assert r.components[0].derived_from is not None


def test_modified_bauer_given_and_components_must_agree():
    raises_invalid(nesms, modified_bauer=1, visceral_mets="none", primary_tumor="breast",
                   solitary_skeletal_met="no", ambulatory="dependent", albumin_normal="no",
                   field="modified_bauer", value=1, allowed="3")  # fmt: skip


def test_given_modified_bauer_with_unknown_primary_is_used():
    r = nesms(modified_bauer=3, primary_tumor="unknown", visceral_mets="none", solitary_skeletal_met="no",
              ambulatory="independent", albumin_normal="yes")  # fmt: skip
    assert r.total == 3


def test_albumin_flag_and_value_must_agree():
    raises_invalid(nesms, modified_bauer=2, ambulatory="independent", albumin_g_dl=3.0, albumin_normal="yes",
                   field="albumin_normal", value="yes", allowed="no")  # fmt: skip
    r = nesms(modified_bauer=2, ambulatory="independent", albumin_g_dl=3.6, albumin_normal="yes")
    assert r.total == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "value", "allowed"),
    [
        ({"modified_bauer": 5}, "modified_bauer", 5, "integer 0-4"),
        ({"ambulatory": "walks"}, "ambulatory", "walks", "independent, dependent, non_ambulatory"),
        ({"albumin_g_dl": -1}, "albumin_g_dl", -1, "number >= 0"),
        ({"albumin_g_dl": None}, "albumin_g_dl", None, "albumin_normal"),
    ],
)
def test_invalid_inputs(kwargs, field, value, allowed):
    base = {"modified_bauer": 2, "ambulatory": "independent", "albumin_g_dl": 4.0}
    raises_invalid(nesms, **{**base, **kwargs}, field=field, value=value, allowed=allowed)


def test_missing_modified_bauer_names_its_component():
    raises_invalid(nesms, ambulatory="independent", albumin_g_dl=4.0, field="visceral_mets", value=None,
                   allowed="none, removable, unremovable")  # fmt: skip
