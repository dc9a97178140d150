"""Vertebral level vocabulary and region (cohort-format.md: C1..C7, T1..T12, L1..L5, S1..S5)."""

from __future__ import annotations

import pytest

from spinemet.scores import LEVELS, region_of_level, vertebral_level

from .conftest import raises_invalid


@pytest.mark.parametrize(
    ("level", "region"),
    [("C1", "cervical"), ("C7", "cervical"), ("T1", "thoracic"), ("T12", "thoracic"), ("L1", "lumbar"),
     ("L5", "lumbar"), ("S1", "sacral"), ("S5", "sacral"), (" l4 ", "lumbar"), ("t6", "thoracic")],
)  # fmt: skip
def test_region_of_level(level, region):
    assert region_of_level(level) == region


def test_vocabulary_has_29_levels_in_order():
    assert len(LEVELS) == 29
    assert LEVELS[0] == "C1" and LEVELS[7] == "T1" and LEVELS[19] == "L1" and LEVELS[24] == "S1"
    assert LEVELS[-1] == "S5"


@pytest.mark.parametrize("bad", ["C8", "T0", "T13", "L6", "S6", "Co1", "lumbar", "4"])
def test_invalid_levels(bad):
    allowed = "C1..C7, T1..T12, L1..L5, S1..S5"
    raises_invalid(region_of_level, bad, field="main_level", value=bad, allowed=allowed)


def test_non_string_and_missing():
    raises_invalid(region_of_level, 4, field="main_level", value=4, allowed="C1..C7")
    raises_invalid(region_of_level, None, field="main_level", value=None, allowed="C1..C7")
    assert vertebral_level("s2") == "S2"
