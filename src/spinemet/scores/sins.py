"""SINS -- Spinal Instability Neoplastic Score: mechanical instability of a spinal metastasis.

Fisher CG, DiPaola CP, Ryken TC, et al. A novel classification system for spinal instability in
neoplastic disease: an evidence-based approach and expert consensus from the Spine Oncology Study Group.
Spine 2010;35:E1221-E1229 (Table 1). Six components, total 0-18: 0-6 stable, 7-12 indeterminate
(potentially unstable), 13-18 unstable; 7-18 warrants surgical consultation.

The seed paper (Uei et al., JOSR 2018) prints these labels reversed ("0-6, indicating instability ...
13-18, stability"); Fisher's labels are used here.

``sins_location`` is derived from ``main_level`` when absent (junctional occiput-C2, C7-T2, T11-L1,
L5-S1; mobile C3-C6, L2-L4; semirigid T3-T10; rigid S2-S5). An explicit ``sins_location`` wins; if it
differs from the level's group the result carries a note.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from spinemet.scores._combine import Slot, combine
from spinemet.scores._validate import choice, int_in, is_missing
from spinemet.scores.levels import SINS_LOCATION_OF_LEVEL, vertebral_level
from spinemet.scores.result import Component, ScoreResult

__all__ = [
    "SINS_ALIGNMENT_POINTS",
    "SINS_BANDS",
    "SINS_CITATION",
    "SINS_COLLAPSE_POINTS",
    "SINS_LESION_POINTS",
    "SINS_LOCATION_POINTS",
    "SINS_PAIN_POINTS",
    "SINS_POINTS",
    "SINS_POSTEROLATERAL_POINTS",
    "sins",
    "sins_band",
]

SINS_CITATION = (
    "Fisher CG, et al. A novel classification system for spinal instability in neoplastic disease: an "
    "evidence-based approach and expert consensus from the Spine Oncology Study Group. "
    "Spine 2010;35:E1221-E1229."
)
VERSION = "Fisher 2010"

SINS_LOCATION_POINTS = MappingProxyType({"junctional": 3, "mobile": 2, "semirigid": 1, "rigid": 0})
SINS_PAIN_POINTS = MappingProxyType({"mechanical": 3, "occasional": 1, "none": 0})
SINS_LESION_POINTS = MappingProxyType({"lytic": 2, "mixed": 1, "blastic": 0})
SINS_ALIGNMENT_POINTS = MappingProxyType({"subluxation": 4, "deformity": 2, "normal": 0})
SINS_COLLAPSE_POINTS = MappingProxyType({"over50": 3, "under50": 2, "involved_no_collapse": 1, "none": 0})
SINS_POSTEROLATERAL_POINTS = MappingProxyType({"bilateral": 3, "unilateral": 1, "none": 0})

SINS_POINTS: MappingProxyType[str, MappingProxyType[str, int]] = MappingProxyType(
    {
        "sins_location": SINS_LOCATION_POINTS,
        "sins_pain": SINS_PAIN_POINTS,
        "sins_lesion": SINS_LESION_POINTS,
        "sins_alignment": SINS_ALIGNMENT_POINTS,
        "sins_collapse": SINS_COLLAPSE_POINTS,
        "sins_posterolateral": SINS_POSTEROLATERAL_POINTS,
    }
)
"""Cohort column -> (code -> points), Fisher 2010 Table 1."""

SINS_BANDS: tuple[tuple[int, int, str, str], ...] = (
    (0, 6, "stable", "stable"),
    (7, 12, "potentially_unstable", "indeterminate (potentially unstable); surgical consultation"),
    (13, 18, "unstable", "unstable; surgical consultation"),
)
"""(low, high, band code, label). Note: Uei 2018 prints these labels reversed; Fisher's are used."""

_LABELS = {
    "sins_location": ("location", "Location"),
    "sins_pain": ("pain", "Pain"),
    "sins_lesion": ("lesion", "Bone lesion"),
    "sins_alignment": ("alignment", "Radiographic spinal alignment"),
    "sins_collapse": ("collapse", "Vertebral body collapse"),
    "sins_posterolateral": ("posterolateral", "Posterolateral involvement of spinal elements"),
}

_SLOTS = tuple(
    Slot(field, ", ".join(table), min(table.values()), max(table.values()))
    for field, table in SINS_POINTS.items()
)


def sins_band(total: Any) -> str:
    """Band code of a SINS total 0-18: ``stable`` | ``potentially_unstable`` | ``unstable``."""
    value = int_in("sins", total, 0, 18)
    for low, high, code, _ in SINS_BANDS:
        if low <= value <= high:
            return code
    raise AssertionError("unreachable")  # pragma: no cover


def _component(field: str, value: Any) -> Component | None:
    if is_missing(value):
        return None
    table = SINS_POINTS[field]
    code = choice(field, value, table)
    name, label = _LABELS[field]
    return Component(name, label, code, code, table[code])


def sins(
    *,
    sins_location: Any = None,
    main_level: Any = None,
    sins_pain: Any = None,
    sins_lesion: Any = None,
    sins_alignment: Any = None,
    sins_collapse: Any = None,
    sins_posterolateral: Any = None,
    total: Any = None,
) -> ScoreResult:
    """SINS (Fisher 2010) from its six components, or from a given total 0-18.

    Location comes from ``sins_location`` or, when absent, from ``main_level``
    (``Component.derived_from == "main_level"``). A total given with all components must equal their
    sum (else ``InvalidInputError`` naming ``sins``).
    """
    notes: list[str] = []
    location = _component("sins_location", sins_location)
    lvl = None if is_missing(main_level) else vertebral_level(main_level)
    if location is None and lvl is not None:
        code = SINS_LOCATION_OF_LEVEL[lvl]
        location = Component(
            "location", "Location", lvl, code, SINS_LOCATION_POINTS[code], derived_from="main_level"
        )
    elif location is not None and lvl is not None and SINS_LOCATION_OF_LEVEL[lvl] != location.value:
        notes.append(
            f"sins_location {location.value!r} differs from the group of main_level {lvl} "
            f"({SINS_LOCATION_OF_LEVEL[lvl]!r}); the given location was used"
        )
    components = (
        location,
        _component("sins_pain", sins_pain),
        _component("sins_lesion", sins_lesion),
        _component("sins_alignment", sins_alignment),
        _component("sins_collapse", sins_collapse),
        _component("sins_posterolateral", sins_posterolateral),
    )
    value, present, combine_notes = combine("sins", _SLOTS, components, total, 0, 18)
    code = sins_band(value)
    label = next(b[3] for b in SINS_BANDS if b[2] == code)
    return ScoreResult(
        score="sins",
        total=value,
        components=present,
        band=code,
        band_label=label,
        version=VERSION,
        citation=SINS_CITATION,
        notes=combine_notes + tuple(notes),
        extra={"surgical_consultation": value >= 7},
    )
