"""Bilsky ESCC grade (Bilsky 2010; scores.md §3): labels, ranks 0..5, high grade = 2 and 3."""

from __future__ import annotations

import pytest

from spinemet.scores import escc, escc_grade

from .conftest import raises_invalid

EXPECTED = [("0", 0, "low"), ("1a", 1, "low"), ("1b", 2, "low"), ("1c", 3, "low"), ("2", 4, "high"),
            ("3", 5, "high")]  # fmt: skip


@pytest.mark.parametrize(("label", "rank", "band"), EXPECTED)
def test_each_grade(label, rank, band):
    r = escc(label)
    assert r.total == rank
    assert r.band == band
    assert r.extra["label"] == label
    assert r.components[0].value == label
    assert "J Neurosurg Spine 2010;13:324" in r.citation


@pytest.mark.parametrize(("given", "label"), [(0, "0"), (2, "2"), (3, "3"), (2.0, "2"), ("1A", "1a"),
                                              (" 1c ", "1c"), ("3.0", "3")])  # fmt: skip
def test_tolerated_inputs(given, label):
    assert escc_grade(given) == label
    assert escc(given).extra["label"] == label


def test_1c_is_low_with_a_note():
    r = escc("1c")
    assert r.band == "low"
    assert any("controversial" in n for n in r.notes)


@pytest.mark.parametrize("bad", [1, "1", 1.0, "1d", 4, "4", "2a", True, -1])
def test_invalid_grades(bad):
    err = raises_invalid(escc, bad, field="escc", value=bad, allowed="0, 1a, 1b, 1c, 2, 3")
    if bad in (1, "1") and bad is not True:
        assert "ambiguous" in str(err)


def test_missing():
    raises_invalid(escc, None, field="escc", value=None, allowed="0, 1a, 1b, 1c, 2, 3")
