"""Barthel index (Mahoney & Barthel 1965; scores.md §5): ten items, total 0-100 in steps of 5."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spinemet.scores import BARTHEL_ITEMS, barthel, barthel_shah_band

from .conftest import raises_invalid

ALLOWED = {
    "barthel_feeding": (0, 5, 10),
    "barthel_bathing": (0, 5),
    "barthel_grooming": (0, 5),
    "barthel_dressing": (0, 5, 10),
    "barthel_bowels": (0, 5, 10),
    "barthel_bladder": (0, 5, 10),
    "barthel_toilet": (0, 5, 10),
    "barthel_transfers": (0, 5, 10, 15),
    "barthel_mobility": (0, 5, 10, 15),
    "barthel_stairs": (0, 5, 10),
}
FULL = {item: max(values) for item, values in ALLOWED.items()}
NONE = dict.fromkeys(ALLOWED, 0)


def test_exported_item_table_matches_scores_md():
    assert dict(BARTHEL_ITEMS) == ALLOWED
    with pytest.raises(TypeError):
        BARTHEL_ITEMS["barthel_feeding"] = (0,)  # type: ignore[index]


def test_full_and_empty():
    assert barthel(items=FULL).total == 100
    assert barthel(items=NONE).total == 0
    r = barthel(items=FULL)
    assert len(r.components) == 10
    assert r.extra["shah_band"] == "independent"
    assert r.extra["collin_20"] == 20


@pytest.mark.parametrize(("item", "value"), [(i, v) for i, vs in ALLOWED.items() for v in vs])
def test_every_item_value(item, value):
    r = barthel(items={**NONE, item: value})
    assert r.total == value
    assert next(c for c in r.components if c.name == item.removeprefix("barthel_")).points == value


def test_short_names_accepted():
    short = {k.removeprefix("barthel_"): v for k, v in FULL.items()}
    assert barthel(items=short).total == 100


def test_mixed_example_total_85():
    # From the item table: 100 - bathing 5 (0 of 5) - stairs 5 (5 of 10) - transfers 5 (10 of 15) = 85.
    items = {**FULL, "barthel_bathing": 0, "barthel_stairs": 5, "barthel_transfers": 10}
    r = barthel(items=items)
    assert r.total == 85
    assert r.extra["shah_band"] == "moderate"


def test_total_only_and_agreement():
    assert barthel(total=70).total == 70
    assert barthel(items=FULL, total=100).total == 100
    raises_invalid(barthel, items=FULL, total=95, field="barthel", value=95, allowed="100")
    raises_invalid(barthel, total=72, field="barthel", value=72, allowed="0-100 in steps of 5")
    raises_invalid(barthel, total=105, field="barthel", value=105, allowed="0-100 in steps of 5")


def test_missing_items():
    partial = {k: v for k, v in FULL.items() if k != "barthel_toilet"}
    raises_invalid(barthel, items=partial, field="barthel_toilet", value=None, allowed="0, 5, 10")
    assert barthel(items=partial, total=95).total == 95
    raises_invalid(barthel, items=partial, total=80, field="barthel", value=80, allowed="90-100")
    raises_invalid(barthel, field="barthel", value=None, allowed="ten items or a total")


@pytest.mark.parametrize(
    ("item", "value", "allowed"),
    [
        ("barthel_bathing", 10, "0, 5"),
        ("barthel_feeding", 15, "0, 5, 10"),
        ("barthel_transfers", 20, "0, 5, 10, 15"),
        ("barthel_stairs", 3, "0, 5, 10"),
        ("barthel_mobility", "walks", "0, 5, 10, 15"),
    ],
)
def test_invalid_item_values(item, value, allowed):
    raises_invalid(barthel, items={**NONE, item: value}, field=item, value=value, allowed=allowed)


def test_unknown_and_duplicate_items():
    unknown = {**NONE, "walking": 5}
    raises_invalid(barthel, items=unknown, field="items", value="walking", allowed="barthel_feeding")
    twice = {**NONE, "feeding": 5}
    raises_invalid(barthel, items=twice, field="barthel_feeding", value=5, allowed="one value")


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "total"), (20, "total"), (25, "severe"), (60, "severe"), (65, "moderate"), (90, "moderate"),
     (95, "slight"), (100, "independent")],
)  # fmt: skip
def test_shah_bands(total, band):
    assert barthel_shah_band(total)[0] == band
    assert barthel(total=total).extra["shah_band"] == band


items_strategy = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in ALLOWED.items()})


@settings(deadline=None)  # no timing assertions in the suite
@given(items_strategy)
def test_property_total(items):
    r = barthel(items=items)
    assert r.total == sum(items.values())
    assert 0 <= r.total <= 100 and r.total % 5 == 0
    assert barthel(total=r.total).extra == r.extra
    assert barthel(items=items, total=r.total).total == r.total


@settings(deadline=None)  # no timing assertions in the suite
@given(items_strategy, st.sampled_from(sorted(ALLOWED)), st.data())
def test_property_monotone(items, item, data):
    higher = data.draw(st.sampled_from([v for v in ALLOWED[item] if v >= items[item]]))
    assert barthel(items={**items, item: higher}).total - barthel(items=items).total == higher - items[item]
