"""Bilsky epidural spinal cord compression (ESCC) grade, on axial T2 MRI at the worst level.

Bilsky MH, Laufer I, Fourney DR, et al. Reliability analysis of the epidural spinal cord compression
scale. J Neurosurg Spine 2010;13:324-328. Six grades: 0, 1a, 1b, 1c, 2, 3. Grades 2 and 3 (cord
compressed) are high grade; 0-1c low grade (whether 1c is operated on is controversial).

The grades are labels, not numbers: the result's ``total`` is the ordinal rank 0..5 and
``extra["label"]`` the label. Integers 0, 2 and 3 are tolerated as input; ``1`` is an error (ambiguous
between 1a, 1b and 1c).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._validate import is_missing, require
from spinemet.scores.result import Component, ScoreResult

__all__ = ["ESCC_CITATION", "ESCC_DESCRIPTIONS", "ESCC_HIGH_GRADES", "ESCC_RANKS", "escc", "escc_grade"]

ESCC_CITATION = (
    "Bilsky MH, et al. Reliability analysis of the epidural spinal cord compression scale. "
    "J Neurosurg Spine 2010;13:324-328."
)

ESCC_RANKS: MappingProxyType[str, int] = MappingProxyType(
    {"0": 0, "1a": 1, "1b": 2, "1c": 3, "2": 4, "3": 5}
)
"""ESCC label -> ordinal rank."""

ESCC_HIGH_GRADES = frozenset({"2", "3"})
"""Labels of high-grade compression."""

ESCC_DESCRIPTIONS: MappingProxyType[str, str] = MappingProxyType(
    {
        "0": "bone-only disease",
        "1a": "epidural impingement, thecal sac not deformed",
        "1b": "thecal sac deformed, spinal cord not abutted",
        "1c": "thecal sac deformed, spinal cord abutted but not compressed",
        "2": "spinal cord compressed, CSF visible around the cord",
        "3": "spinal cord compressed, no CSF visible around the cord",
    }
)

_ALLOWED = "0, 1a, 1b, 1c, 2, 3"


def escc_grade(grade: Any, field: str = "escc") -> str:
    """Normalise an ESCC grade to its label (``"1A"`` -> ``"1a"``, ``2`` -> ``"2"``)."""
    require(field, grade, _ALLOWED)
    item = getattr(grade, "item", None)
    if not isinstance(grade, str | int | float) and callable(item):
        grade = item()  # numpy scalar
    if isinstance(grade, bool):
        raise InvalidInputError(field, grade, _ALLOWED)
    if isinstance(grade, int | float):
        if grade in (0, 2, 3):
            return str(int(grade))
        detail = "ambiguous: give 1a, 1b or 1c" if grade == 1 else None
        raise InvalidInputError(field, grade, _ALLOWED, detail)
    if not isinstance(grade, str):
        raise InvalidInputError(field, grade, _ALLOWED)
    label = grade.strip().lower()
    if label in ("0.0", "2.0", "3.0"):
        label = label[0]
    if label not in ESCC_RANKS:
        detail = "ambiguous: give 1a, 1b or 1c" if label in ("1", "1.0") else None
        raise InvalidInputError(field, grade, _ALLOWED, detail)
    return label


def escc(grade: Any) -> ScoreResult:
    """Bilsky ESCC grade as a result: ``total`` = rank 0..5, ``band`` = ``high`` (2, 3) or ``low``."""
    if is_missing(grade):
        require("escc", grade, _ALLOWED)
    label = escc_grade(grade)
    rank = ESCC_RANKS[label]
    high = label in ESCC_HIGH_GRADES
    notes: tuple[str, ...] = ()
    if label == "1c":
        notes = ("1c is low grade, but whether it is treated surgically is controversial",)
    return ScoreResult(
        score="escc",
        total=rank,
        components=(Component("escc", "ESCC grade", label, ESCC_DESCRIPTIONS[label], rank),),
        band="high" if high else "low",
        band_label="high-grade compression (2-3)" if high else "low-grade compression (0-1c)",
        version="Bilsky 2010",
        citation=ESCC_CITATION,
        notes=notes,
        extra={"label": label},
    )
