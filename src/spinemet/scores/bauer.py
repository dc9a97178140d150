"""Bauer score (0-5) and modified Bauer score (0-4): prognosis of skeletal metastases.

Original: Bauer HC, Wedin R. Survival after surgery for spinal and extremity metastases. Acta Orthop
Scand 1995;66:143-146. Modified: Leithner A, Radl R, Gruber G, et al. Predictive value of seven
preoperative prognostic scoring systems for spinal metastases. Eur Spine J 2008;17:1488-1495, which
drops pathological fracture.

Favourable factors, one point each: no visceral metastases; primary not lung cancer; primary breast,
kidney, lymphoma or myeloma; one solitary skeletal metastasis; (original only) no pathological fracture.

Bands. Modified: 0-1 < 6 months, supportive care without surgery; 2 short-term palliation, posterior
surgery; 3-4 middle-term local control, anterior-posterior surgery (confirmed by two sources).
Original: 0-1 conservative; 2-3 palliative surgery; 4-5 excisional surgery (single source). The two
disagree in intent in exactly two situations: modified 1 without fracture (original 2: surgery) and
modified 3 with fracture (original 3: palliative, modified: local control).

Decisions: "no visceral metastases" is ``visceral_mets == none``; solitary is ``solitary_skeletal_met``
or, when absent, ``extraspinal_bone_mets + vertebral_mets == 1``; ``primary_tumor = unknown`` is an
error ("not lung" cannot be decided).
"""

from __future__ import annotations

from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._validate import choice, int_in, is_missing, yes_no
from spinemet.scores.result import Component, ScoreResult
from spinemet.scores.tokuhashi import TOKUHASHI_PRIMARY_POINTS

__all__ = [
    "BAUER_BANDS",
    "BAUER_CITATION",
    "BAUER_FAVOURABLE_PRIMARIES",
    "MODIFIED_BAUER_BANDS",
    "MODIFIED_BAUER_CITATION",
    "bauer",
    "bauer_band",
    "modified_bauer",
    "modified_bauer_band",
]

BAUER_CITATION = (
    "Bauer HC, Wedin R. Survival after surgery for spinal and extremity metastases. "
    "Acta Orthop Scand 1995;66:143-146."
)
MODIFIED_BAUER_CITATION = (
    "Leithner A, et al. Predictive value of seven preoperative prognostic scoring systems for spinal "
    "metastases. Eur Spine J 2008;17:1488-1495."
)

BAUER_FAVOURABLE_PRIMARIES = frozenset({"breast", "kidney", "lymphoma", "myeloma"})
"""``primary_tumor`` codes scoring the 'breast, kidney, lymphoma or myeloma' point."""

BAUER_BANDS: tuple[tuple[int, int, str, str, str, str], ...] = (
    (0, 1, "0-1", "conservative treatment", "conservative", "none"),
    (2, 3, "2-3", "palliative surgery", "palliative_surgery", "palliative"),
    (4, 5, "4-5", "excisional surgery", "excisional_surgery", "local_control"),
)
"""Original Bauer: (low, high, code, label, treatment code, surgical intent)."""

MODIFIED_BAUER_BANDS: tuple[tuple[int, int, str, str, str, str], ...] = (
    (0, 1, "0-1", "< 6 months; supportive care, no surgery", "supportive_care", "none"),
    (2, 2, "2", "short-term palliation; posterior surgery", "posterior_surgery", "palliative"),
    (
        3,
        4,
        "3-4",
        "middle-term local control; anterior-posterior surgery",
        "anterior_posterior_surgery",
        "local_control",
    ),
)
"""Modified Bauer: (low, high, code, label, treatment code, surgical intent)."""

_PRIMARIES = tuple(c for c in TOKUHASHI_PRIMARY_POINTS if c != "unknown")
_PRIMARY_ALLOWED = ", ".join(_PRIMARIES)


def bauer_band(total: Any) -> tuple[str, str, str, str]:
    """(code, label, treatment code, intent) of an original Bauer total 0-5."""
    value = int_in("bauer", total, 0, 5)
    return next(b[2:] for b in BAUER_BANDS if b[0] <= value <= b[1])


def modified_bauer_band(total: Any) -> tuple[str, str, str, str]:
    """(code, label, treatment code, intent) of a modified Bauer total 0-4."""
    value = int_in("modified_bauer", total, 0, 4)
    return next(b[2:] for b in MODIFIED_BAUER_BANDS if b[0] <= value <= b[1])


def _factors(
    visceral_mets: Any,
    primary_tumor: Any,
    solitary_skeletal_met: Any,
    extraspinal_bone_mets: Any,
    vertebral_mets: Any,
) -> list[Component]:
    visceral = choice("visceral_mets", visceral_mets, ("none", "removable", "unremovable"))
    if isinstance(primary_tumor, str) and primary_tumor.strip().lower() == "unknown":
        raise InvalidInputError(
            "primary_tumor", primary_tumor, _PRIMARY_ALLOWED, "unknown primary: 'not lung' cannot be decided"
        )
    primary = choice("primary_tumor", primary_tumor, _PRIMARIES)
    counted: bool | None = None
    if not is_missing(extraspinal_bone_mets) and not is_missing(vertebral_mets):
        counted = (
            int_in("extraspinal_bone_mets", extraspinal_bone_mets, 0)
            + int_in("vertebral_mets", vertebral_mets, 1)
            == 1
        )
    if not is_missing(solitary_skeletal_met):
        solitary = yes_no("solitary_skeletal_met", solitary_skeletal_met)
        derived = None
        if counted is not None and counted != solitary:
            raise InvalidInputError(
                "solitary_skeletal_met",
                solitary_skeletal_met,
                "yes" if counted else "no",
                "contradicts extraspinal_bone_mets + vertebral_mets",
            )
    elif counted is not None:
        solitary, derived = counted, "extraspinal_bone_mets+vertebral_mets"
    else:
        raise InvalidInputError(
            "solitary_skeletal_met",
            solitary_skeletal_met,
            "yes, no (or both extraspinal_bone_mets and vertebral_mets)",
            "missing",
        )
    return [
        Component("no_visceral_mets", "No visceral metastases", visceral, visceral, int(visceral == "none")),
        Component("not_lung", "Primary not lung cancer", primary, primary, int(primary != "lung")),
        Component(
            "favourable_primary",
            "Primary breast, kidney, lymphoma or myeloma",
            primary,
            primary,
            int(primary in BAUER_FAVOURABLE_PRIMARIES),
        ),
        Component(
            "solitary_skeletal_met",
            "Solitary skeletal metastasis",
            "yes" if solitary else "no",
            "solitary" if solitary else "multiple",
            int(solitary),
            derived_from=derived,
        ),
    ]


def modified_bauer(
    *,
    visceral_mets: Any = None,
    primary_tumor: Any = None,
    solitary_skeletal_met: Any = None,
    extraspinal_bone_mets: Any = None,
    vertebral_mets: Any = None,
) -> ScoreResult:
    """Modified Bauer score (Leithner 2008), total 0-4."""
    components = tuple(
        _factors(visceral_mets, primary_tumor, solitary_skeletal_met, extraspinal_bone_mets, vertebral_mets)
    )
    total = sum(c.points for c in components)
    code, label, treatment, intent = modified_bauer_band(total)
    return ScoreResult(
        score="modified_bauer",
        total=total,
        components=components,
        band=code,
        band_label=label,
        version="modified (Leithner 2008)",
        citation=MODIFIED_BAUER_CITATION,
        notes=(),
        extra={"treatment": treatment, "intent": intent},
    )


def bauer(
    *,
    visceral_mets: Any = None,
    primary_tumor: Any = None,
    solitary_skeletal_met: Any = None,
    extraspinal_bone_mets: Any = None,
    vertebral_mets: Any = None,
    pathologic_fracture: Any = None,
) -> ScoreResult:
    """Original Bauer score (Bauer & Wedin 1995), total 0-5 (adds 'no pathological fracture')."""
    components = _factors(
        visceral_mets, primary_tumor, solitary_skeletal_met, extraspinal_bone_mets, vertebral_mets
    )
    fracture = yes_no("pathologic_fracture", pathologic_fracture)
    components.append(
        Component(
            "no_pathologic_fracture",
            "No pathological fracture",
            "yes" if fracture else "no",
            "fracture" if fracture else "no fracture",
            int(not fracture),
        )
    )
    total = sum(c.points for c in components)
    code, label, treatment, intent = bauer_band(total)
    return ScoreResult(
        score="bauer",
        total=total,
        components=tuple(components),
        band=code,
        band_label=label,
        version="original (Bauer & Wedin 1995)",
        citation=BAUER_CITATION,
        notes=("bands (treatment by total) from a single secondary source",),
        extra={"treatment": treatment, "intent": intent},
    )
