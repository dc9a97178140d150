"""Frankel grades of neurological function: the modified scale of the study and the original A-E.

Modified Frankel (Uei et al., J Orthop Surg Res 2018;13:17, Table 2; commonly attributed to Bradford &
McBride, Clin Orthop 1987;218:201 -- attribution not confirmed): A, B, C, D1, D2, D3, E, ordered
A < B < C < D1 < D2 < D3 < E, each step one grade (this reproduces the study's 35/55
improved-or-E-maintained).
Original Frankel (Frankel et al., Paraplegia 1969;7:179): A-E.

This is *not* the Japanese Spinal Injuries Center "modified Frankel" (B1-B3, C1-C2, D0-D3 by walking
ability); the two must not be mixed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering
from types import MappingProxyType
from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._validate import require

__all__ = [
    "FRANKEL_CHANGES",
    "FRANKEL_DESCRIPTIONS",
    "FRANKEL_SCALES",
    "FrankelGrade",
    "frankel_change",
    "frankel_grade",
    "frankel_steps",
]

FRANKEL_SCALES: MappingProxyType[str, tuple[str, ...]] = MappingProxyType(
    {
        "modified": ("A", "B", "C", "D1", "D2", "D3", "E"),
        "original": ("A", "B", "C", "D", "E"),
    }
)
"""Scale name -> grade labels from worst to best (rank = position)."""

FRANKEL_DESCRIPTIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "A": "complete motor and sensory loss",
        "B": "sensation preserved only, no voluntary motor function",
        "C": "motor preserved but below fair grade, non-functional",
        "D": "motor useful (original scale)",
        "D1": "motor at lowest functional grade (3+/5+) and/or bowel or bladder dysfunction",
        "D2": "motor at mid-functional grade (3+ to 4+/5+) and/or neurogenic bowel or bladder dysfunction",
        "D3": "motor at high-functional grade (4+ to 5+) with normal voluntary bowel and bladder function",
        "E": "normal motor and sensory function (reflexes may be abnormal)",
    }
)
"""Grade label -> wording (SEED Table 2; original D from Frankel 1969)."""

FRANKEL_CHANGES = ("improved", "e_maintained", "unchanged", "aggravated")
"""The outcome categories returned by :func:`frankel_change`."""


@total_ordering
@dataclass(frozen=True)
class FrankelGrade:
    """One Frankel grade, ordered by ``rank`` within its scale (A = 0).

    Grades of different scales do not compare (``TypeError``): D of the original scale is not D1-D3.
    """

    label: str
    rank: int
    scale: str = "modified"

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, FrankelGrade):
            return NotImplemented
        if other.scale != self.scale:
            raise TypeError(f"cannot compare Frankel grades of the {self.scale} and {other.scale} scales")
        return self.rank < other.rank

    def __str__(self) -> str:
        return self.label

    @property
    def description(self) -> str:
        """The grade's clinical wording."""
        return FRANKEL_DESCRIPTIONS[self.label]


def _scale(scale: Any) -> str:
    if not isinstance(scale, str) or scale.strip().lower() not in FRANKEL_SCALES:
        raise InvalidInputError("frankel_scale", scale, "modified, original")
    return scale.strip().lower()


def frankel_grade(value: Any, scale: str = "modified", *, field: str = "frankel") -> FrankelGrade:
    """Parse a Frankel grade (whitespace stripped, upper-cased: ``" d1 "`` -> D1).

    On the modified scale ``D`` is an error (it would mix the scales); on the original scale D1-D3 are.
    """
    name = _scale(scale)
    labels = FRANKEL_SCALES[name]
    allowed = ", ".join(labels)
    if isinstance(value, FrankelGrade):
        if value.scale != name:
            raise InvalidInputError(field, value.label, allowed, f"grade of the {value.scale} scale")
        return value
    require(field, value, allowed)
    if not isinstance(value, str):
        raise InvalidInputError(field, value, allowed)
    label = value.strip().upper()
    if label not in labels:
        detail = None
        if name == "modified" and label == "D":
            detail = "original-scale D cannot be placed among D1-D3; use scale='original'"
        elif name == "original" and label in ("D1", "D2", "D3"):
            detail = "modified-scale grade on the original scale; use scale='modified'"
        raise InvalidInputError(field, value, allowed, detail)
    return FrankelGrade(label, labels.index(label), name)


def frankel_steps(pre: Any, post: Any, scale: str = "modified") -> int:
    """Grades gained (positive) or lost (negative) from ``pre`` to ``post``; D1 -> D2 is +1."""
    before = frankel_grade(pre, scale, field="frankel_pre")
    after = frankel_grade(post, scale, field="frankel_post")
    return after.rank - before.rank


def frankel_change(pre: Any, post: Any, scale: str = "modified") -> str:
    """Outcome of paralysis: ``improved`` | ``e_maintained`` | ``unchanged`` | ``aggravated``.

    ``e_maintained`` is E before and after. The study's outcome "improved by one grade or more, or E
    maintained" (Uei 2018) is ``improved`` or ``e_maintained``.
    """
    steps = frankel_steps(pre, post, scale)
    if steps > 0:
        return "improved"
    if steps < 0:
        return "aggravated"
    return "e_maintained" if frankel_grade(pre, scale).label == "E" else "unchanged"
