"""The range a score's total can still take while items are missing (spinemet.scores.ranges)."""

from __future__ import annotations

import itertools

from spinemet.scores.ranges import RANGE_SPECS, RangeSpec, representatives, score_range, score_ranges
from spinemet.scores.tokuhashi import (
    TOKUHASHI_EXTRASPINAL_POINTS,
    TOKUHASHI_KPS_POINTS,
    TOKUHASHI_PALSY_POINTS,
    TOKUHASHI_PRIMARY_POINTS,
    TOKUHASHI_VERTEBRAL_POINTS,
    TOKUHASHI_VISCERAL_POINTS,
    tokuhashi,
)

SPECS = {s.key: s for s in RANGE_SPECS}


def test_representatives_one_value_per_point_value() -> None:
    assert representatives(TOKUHASHI_KPS_POINTS) == (10, 50, 80)
    assert representatives({"a": 1, "b": 1, "c": 0}) == ("a", "c")


def test_tokuhashi_two_items_missing() -> None:
    # kps 60 -> 1, kidney -> 3, Frankel E -> 2, no visceral mets -> 2: 8 known; the two counts add 0-2 each.
    given = {"kps": 60, "primary_tumor": "kidney", "frankel_pre": "E", "visceral_mets": "none"}
    found = score_range(SPECS["tokuhashi"], given)
    assert found is not None
    assert (found.low, found.high) == (8, 12)
    assert [b for b, _ in found.bands] == ["0-8", "9-11", "12-15"]
    assert found.missing == ("extraspinal_bone_mets", "vertebral_mets")


def test_representatives_give_the_same_range_as_every_value() -> None:
    given = {"frankel_pre": "C", "visceral_mets": "removable"}
    full = RangeSpec(
        "tokuhashi",
        tokuhashi,
        {
            "kps": tuple(TOKUHASHI_KPS_POINTS),
            "extraspinal_bone_mets": tuple(TOKUHASHI_EXTRASPINAL_POINTS),
            "vertebral_mets": tuple(TOKUHASHI_VERTEBRAL_POINTS),
            "primary_tumor": tuple(TOKUHASHI_PRIMARY_POINTS),
            "visceral_mets": tuple(TOKUHASHI_VISCERAL_POINTS),
            "frankel_pre": tuple(TOKUHASHI_PALSY_POINTS),
        },
    )
    brute = score_range(full, given)
    fast = score_range(SPECS["tokuhashi"], given)
    assert brute is not None and fast is not None
    assert (brute.low, brute.high, brute.bands) == (fast.low, fast.high, fast.bands)
    totals = {
        tokuhashi(kps=k, extraspinal_bone_mets=e, vertebral_mets=v, primary_tumor=p, **given).total
        for k, e, v, p in itertools.product(
            TOKUHASHI_KPS_POINTS, TOKUHASHI_EXTRASPINAL_POINTS, TOKUHASHI_VERTEBRAL_POINTS,
            TOKUHASHI_PRIMARY_POINTS,
        )
    }  # fmt: skip
    assert (min(totals), max(totals)) == (fast.low, fast.high) == (1 + 1, 1 + 1 + 2 + 2 + 2 + 5)


def test_complete_inputs_give_the_exact_total_and_no_range_is_listed() -> None:
    given = {
        "kps": 60, "primary_tumor": "kidney", "frankel_pre": "E", "visceral_mets": "none",
        "extraspinal_bone_mets": 0, "vertebral_mets": 1,
    }  # fmt: skip
    found = score_range(SPECS["tokuhashi"], given)
    assert found is not None and found.low == found.high == 12 and found.missing == ()
    assert "tokuhashi" not in score_ranges(given)


def test_sins_location_from_main_level_is_not_missing() -> None:
    found = score_range(SPECS["sins"], {"main_level": "L1", "sins_pain": "mechanical"})
    assert found is not None
    assert "sins_location" not in found.missing
    # L1 is junctional (3) + mechanical pain (3) = 6; the four other components add 0..(2+4+3+3).
    assert (found.low, found.high) == (6, 18)


def test_an_invalid_given_value_gives_no_range() -> None:
    assert score_range(SPECS["tokuhashi"], {"kps": 55}) is None
    assert score_ranges({}) == {}
