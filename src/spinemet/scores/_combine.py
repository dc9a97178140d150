"""Combining components and a given total (private; used by Tokuhashi, SINS and Barthel).

Rules (ARCHITECTURE.md, cohort-format.md cross-field rules):
- all components present: the total is their sum; a total given as well must equal it;
- no/partial components and a total: the total is accepted (range-checked), and must be reachable from
  the components that are present;
- partial components and no total: error naming the first missing component.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._validate import int_in, is_missing
from spinemet.scores.result import Component


@dataclass(frozen=True)
class Slot:
    """One component slot: its input name, allowed-values text and its point range."""

    field: str
    allowed: str
    min_points: int
    max_points: int


def combine(
    score_field: str,
    slots: Sequence[Slot],
    components: Sequence[Component | None],
    total: Any,
    low: int,
    high: int,
    step: int = 1,
) -> tuple[int, tuple[Component, ...], tuple[str, ...]]:
    """Resolve (total, present components, notes) from components and an optional given total."""
    given = None if is_missing(total) else int_in(score_field, total, low, high, step)
    present = tuple(c for c in components if c is not None)
    missing = [s for s, c in zip(slots, components, strict=True) if c is None]
    computed = sum(c.points for c in present)
    if not missing:
        if given is not None and given != computed:
            raise InvalidInputError(
                score_field,
                total,
                f"{computed} (the sum of the components given)",
                "a total given together with all components must equal their sum",
            )
        return int(computed), present, ()
    if given is None:
        first = missing[0]
        raise InvalidInputError(
            first.field, None, first.allowed, f"missing; needed for {score_field} unless a total is given"
        )
    if present:
        reach_low = computed + sum(s.min_points for s in missing)
        reach_high = computed + sum(s.max_points for s in missing)
        if not reach_low <= given <= reach_high:
            raise InvalidInputError(
                score_field,
                total,
                f"{reach_low}-{reach_high} (reachable from the components given)",
                "the total contradicts the components given",
            )
    notes: tuple[str, ...] = ()
    if present:
        notes = (
            "total as given; components missing: " + ", ".join(s.field for s in missing),
        )
    else:
        notes = ("total as given; no components",)
    return given, present, notes
