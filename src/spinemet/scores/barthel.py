"""Barthel index of activities of daily living: ten items, total 0-100 in steps of 5.

Mahoney FI, Barthel DW. Functional evaluation: the Barthel index. Md State Med J 1965;14:61-65.
Items and allowed values as in scores.md §5 (confirmed by several copies of the original form). The
Collin/Wade 0-20 version is the same items divided by 5 (``extra["collin_20"]``). Optional severity
bands of Shah et al. (J Clin Epidemiol 1989;42:703), single-source: 0-20 total, 21-60 severe, 61-90
moderate, 91-99 slight dependency, 100 independent (``extra["shah_band"]``).

Items are given as a mapping keyed by the column names (``barthel_feeding`` ... ``barthel_stairs``) or
by the short names (``feeding`` ... ``stairs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._combine import Slot, combine
from spinemet.scores._validate import as_int, int_in, is_missing
from spinemet.scores.result import Component, ScoreResult

__all__ = ["BARTHEL_CITATION", "BARTHEL_ITEMS", "BARTHEL_SHAH_BANDS", "barthel", "barthel_shah_band"]

BARTHEL_CITATION = (
    "Mahoney FI, Barthel DW. Functional evaluation: the Barthel index. Md State Med J 1965;14:61-65."
)

BARTHEL_ITEMS: MappingProxyType[str, tuple[int, ...]] = MappingProxyType(
    {
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
)
"""Item column -> allowed values (Mahoney & Barthel 1965)."""

_LABELS = {
    "barthel_feeding": "Feeding",
    "barthel_bathing": "Bathing",
    "barthel_grooming": "Grooming (personal toilet)",
    "barthel_dressing": "Dressing",
    "barthel_bowels": "Bowels",
    "barthel_bladder": "Bladder",
    "barthel_toilet": "Toilet use",
    "barthel_transfers": "Transfers (bed to chair and back)",
    "barthel_mobility": "Mobility on level surfaces",
    "barthel_stairs": "Stairs",
}

BARTHEL_SHAH_BANDS: tuple[tuple[int, int, str, str], ...] = (
    (0, 20, "total", "total dependency"),
    (21, 60, "severe", "severe dependency"),
    (61, 90, "moderate", "moderate dependency"),
    (91, 99, "slight", "slight dependency"),
    (100, 100, "independent", "independent"),
)
"""(low, high, code, label): Shah 1989 severity bands (single source)."""

_SLOTS = tuple(
    Slot(item, ", ".join(str(v) for v in allowed), 0, max(allowed)) for item, allowed in BARTHEL_ITEMS.items()
)


def barthel_shah_band(total: Any) -> tuple[str, str]:
    """(code, label) of the Shah 1989 severity band of a Barthel total."""
    value = int_in("barthel", total, 0, 100, 5)
    return next((code, label) for low, high, code, label in BARTHEL_SHAH_BANDS if low <= value <= high)


def _items(items: Mapping[str, Any]) -> list[Component | None]:
    if not isinstance(items, Mapping):
        raise InvalidInputError("items", items, "a mapping of Barthel item -> points")
    values: dict[str, Any] = {}
    for key, value in items.items():
        name = key.strip().lower() if isinstance(key, str) else key
        column = name if name in BARTHEL_ITEMS else f"barthel_{name}"
        if column not in BARTHEL_ITEMS:
            raise InvalidInputError(
                "items", key, ", ".join(BARTHEL_ITEMS) + " (or without the barthel_ prefix)", "unknown item"
            )
        if column in values:
            raise InvalidInputError(column, value, "one value per item", "item given twice")
        values[column] = value
    out: list[Component | None] = []
    for column, allowed in BARTHEL_ITEMS.items():
        value = values.get(column)
        if is_missing(value):
            out.append(None)
            continue
        text = ", ".join(str(v) for v in allowed)
        points = as_int(column, value, text)
        if points not in allowed:
            raise InvalidInputError(column, value, text)
        out.append(Component(column.removeprefix("barthel_"), _LABELS[column], points, str(points), points))
    return out


def barthel(*, items: Mapping[str, Any] | None = None, total: Any = None) -> ScoreResult:
    """Barthel index from its ten items and/or a total 0-100 (step 5); if both are given they must agree."""
    if items is None and is_missing(total):
        raise InvalidInputError("barthel", None, "ten items or a total 0-100 in steps of 5", "missing")
    components: list[Component | None] = [None] * len(BARTHEL_ITEMS) if items is None else _items(items)
    value, present, notes = combine("barthel", _SLOTS, components, total, 0, 100, 5)
    shah_code, shah_label = barthel_shah_band(value)
    return ScoreResult(
        score="barthel",
        total=value,
        components=present,
        band=None,
        band_label=None,
        version="Mahoney & Barthel 1965 (0-100)",
        citation=BARTHEL_CITATION,
        notes=notes,
        extra={
            "shah_band": shah_code,
            "shah_label": shah_label,
            "shah_citation": "Shah S, et al. J Clin Epidemiol 1989;42:703-709 (bands; single source)",
            "collin_20": value // 5,
        },
    )
