"""Tomita score: surgical strategy for spinal metastases from three prognostic factors, total 2-10.

Tomita K, Kawahara N, Kobayashi T, Yoshida A, Murakami H, Akamaru T. Surgical strategy for spinal
metastases. Spine 2001;26:298-306. Primary tumour growth (slow 1, moderate 2, rapid 4), visceral
metastases (none 0, treatable 2, untreatable 4), bone metastases including spine (solitary 1,
multiple 2). Strategy: 2-3 wide or marginal excision (long-term local control); 4-5 marginal or
intralesional excision (middle-term control); 6-7 palliative surgery; 8-10 supportive/terminal care.

Rapid growth scores 4 (one review prints 3, but the published range 2-10 requires 4). Growth group
and "treatable" are clinical judgements, so they are explicit inputs, not derived from
``primary_tumor`` / ``visceral_mets``.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from spinemet.scores._validate import choice, int_in
from spinemet.scores.result import Component, ScoreResult

__all__ = [
    "TOMITA_BANDS",
    "TOMITA_BONE_POINTS",
    "TOMITA_CITATION",
    "TOMITA_PRIMARY_POINTS",
    "TOMITA_VISCERAL_POINTS",
    "tomita",
    "tomita_band",
]

TOMITA_CITATION = "Tomita K, et al. Surgical strategy for spinal metastases. Spine 2001;26:298-306."

TOMITA_PRIMARY_POINTS = MappingProxyType({"slow": 1, "moderate": 2, "rapid": 4})
"""``tomita_primary_growth`` -> points (rapid growth includes unknown primary)."""
TOMITA_VISCERAL_POINTS = MappingProxyType({"none": 0, "treatable": 2, "untreatable": 4})
"""``tomita_visceral`` -> points."""
TOMITA_BONE_POINTS = MappingProxyType({"solitary": 1, "multiple": 2})
"""``tomita_bone_mets`` -> points (bone metastases including spine)."""

TOMITA_BANDS: tuple[tuple[int, int, str, str, str], ...] = (
    (2, 3, "2-3", "wide or marginal excision (long-term local control)", "wide_or_marginal_excision"),
    (
        4,
        5,
        "4-5",
        "marginal or intralesional excision (middle-term local control)",
        "marginal_or_intralesional_excision",
    ),
    (6, 7, "6-7", "palliative surgery (short-term palliation)", "palliative_surgery"),
    (8, 10, "8-10", "supportive care (terminal care)", "supportive_care"),
)
"""(low, high, band code, strategy, strategy code)."""


def tomita_band(total: int) -> tuple[str, str, str]:
    """(band code, strategy text, strategy code) of a Tomita total 2-10."""
    value = int_in("tomita", total, 2, 10)
    return next((code, text, key) for low, high, code, text, key in TOMITA_BANDS if low <= value <= high)


def tomita(
    *, tomita_primary_growth: Any = None, tomita_visceral: Any = None, tomita_bone_mets: Any = None
) -> ScoreResult:
    """Tomita score (2001) from growth of the primary, visceral metastases and bone metastases."""
    growth = choice("tomita_primary_growth", tomita_primary_growth, TOMITA_PRIMARY_POINTS)
    visceral = choice("tomita_visceral", tomita_visceral, TOMITA_VISCERAL_POINTS)
    bone = choice("tomita_bone_mets", tomita_bone_mets, TOMITA_BONE_POINTS)
    components = (
        Component("primary_growth", "Primary tumour growth", growth, growth, TOMITA_PRIMARY_POINTS[growth]),
        Component(
            "visceral_mets", "Visceral metastases", visceral, visceral, TOMITA_VISCERAL_POINTS[visceral]
        ),
        Component("bone_mets", "Bone metastases (including spine)", bone, bone, TOMITA_BONE_POINTS[bone]),
    )
    total = sum(c.points for c in components)
    code, text, key = tomita_band(total)
    return ScoreResult(
        score="tomita",
        total=total,
        components=components,
        band=code,
        band_label=text,
        version="Tomita 2001",
        citation=TOMITA_CITATION,
        notes=(),
        extra={"strategy": key},
    )
