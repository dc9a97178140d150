"""Revised Tokuhashi score: preoperative prognosis of metastatic spinal tumours.

Tokuhashi Y, Matsuzaki H, Oda H, Oshima M, Ryu J. A revised scoring system for preoperative evaluation
of metastatic spine tumor prognosis. Spine 2005;30:2186-2191 (Table 1 and the treatment strategy).
Six items, total 0-15: 0-8 predicts survival < 6 months (conservative treatment), 9-11 >= 6 months
(palliative surgery), 12-15 >= 1 year (excisional surgery). Points and bands confirmed by NICE CG75
Appendix 3, the cliot R package and sophiewell (scores.md §1).

Decisions (scores.md §1):
- vertebral-body metastases score >= 3 -> 0, 2 -> 1, 1 -> 2; ``vertebral_mets = 0`` is rejected;
- general condition from KPS: 10-40 poor (0), 50-70 moderate (1), 80-100 good (2); KPS 0 is rejected;
- primary site from ``primary_tumor``: ``unknown`` -> unidentified (1), ``other`` -> others (2);
  myeloma, lymphoma, sarcoma, head_neck and colon are not named in the table and score "others" (2)
  (an inference); rectum 4; ``colorectal`` is rejected as ambiguous (colon 2 vs rectum 4);
- palsy from ``frankel_pre``: A, B complete (0); C, D1, D2, D3 and original D incomplete (1); E none (2).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._combine import Slot, combine
from spinemet.scores._validate import choice, int_in, is_missing
from spinemet.scores.result import Component, ScoreResult

__all__ = [
    "TOKUHASHI_BANDS",
    "TOKUHASHI_CITATION",
    "TOKUHASHI_EXTRASPINAL_POINTS",
    "TOKUHASHI_KPS_POINTS",
    "TOKUHASHI_PALSY_POINTS",
    "TOKUHASHI_PRIMARY_POINTS",
    "TOKUHASHI_VERTEBRAL_POINTS",
    "TOKUHASHI_VISCERAL_POINTS",
    "tokuhashi",
    "tokuhashi_band",
]

TOKUHASHI_CITATION = (
    "Tokuhashi Y, et al. A revised scoring system for preoperative evaluation of metastatic spine tumor "
    "prognosis. Spine 2005;30:2186-2191."
)
VERSION = "revised 2005"

TOKUHASHI_KPS_POINTS: MappingProxyType[int, int] = MappingProxyType(
    {10: 0, 20: 0, 30: 0, 40: 0, 50: 1, 60: 1, 70: 1, 80: 2, 90: 2, 100: 2}
)
"""KPS value -> general-condition points (poor 10-40: 0, moderate 50-70: 1, good 80-100: 2)."""

TOKUHASHI_EXTRASPINAL_POINTS: MappingProxyType[int, int] = MappingProxyType({0: 2, 1: 1, 2: 1, 3: 0})
"""Extraspinal bone metastasis foci -> points; key 3 stands for ">= 3" (clip counts at 3 before mapping)."""

TOKUHASHI_VERTEBRAL_POINTS: MappingProxyType[int, int] = MappingProxyType({1: 2, 2: 1, 3: 0})
"""Vertebral-body metastases -> points; key 3 stands for ">= 3" (clip at 3); 0 is not allowed."""

TOKUHASHI_VISCERAL_POINTS: MappingProxyType[str, int] = MappingProxyType(
    {"unremovable": 0, "removable": 1, "none": 2}
)
"""Metastases to major internal organs -> points."""

TOKUHASHI_PRIMARY_POINTS: MappingProxyType[str, int] = MappingProxyType(
    {
        "lung": 0,
        "osteosarcoma": 0,
        "stomach": 0,
        "bladder": 0,
        "esophagus": 0,
        "pancreas": 0,
        "liver": 1,
        "gallbladder": 1,
        "unknown": 1,
        "other": 2,
        "myeloma": 2,
        "lymphoma": 2,
        "sarcoma": 2,
        "head_neck": 2,
        "colon": 2,
        "kidney": 3,
        "uterus": 3,
        "rectum": 4,
        "thyroid": 5,
        "breast": 5,
        "prostate": 5,
        "carcinoid": 5,
    }
)
"""``primary_tumor`` code -> primary-site points (Tokuhashi 2005 Table 1; see module decisions)."""

_PRIMARY_GROUP = {
    "unknown": "unidentified",
    "other": "others",
    "myeloma": "others (not named in the table)",
    "lymphoma": "others (not named in the table)",
    "sarcoma": "others (not named in the table)",
    "head_neck": "others (not named in the table)",
    "colon": "others (colon is not named; rectum is)",
}

TOKUHASHI_PALSY_POINTS: MappingProxyType[str, int] = MappingProxyType(
    {"A": 0, "B": 0, "C": 1, "D": 1, "D1": 1, "D2": 1, "D3": 1, "E": 2}
)
"""``frankel_pre`` grade -> palsy points (complete A-B: 0; incomplete C-D: 1; none E: 2)."""

TOKUHASHI_BANDS: tuple[tuple[int, int, str, str, str], ...] = (
    (0, 8, "0-8", "< 6 months", "conservative"),
    (9, 11, "9-11", ">= 6 months", "palliative_surgery"),
    (12, 15, "12-15", ">= 1 year", "excisional_surgery"),
)
"""(low, high, band code, predicted survival, suggested treatment code) of each band."""

_TREATMENT_TEXT = MappingProxyType(
    {
        "conservative": "conservative treatment (palliative surgery for selected patients)",
        "palliative_surgery": "palliative surgery; excisional surgery only for a single lesion without "
        "metastases to major internal organs",
        "excisional_surgery": "excisional surgery",
    }
)

_SLOTS = (
    Slot("kps", "10-100 in steps of 10", 0, 2),
    Slot("extraspinal_bone_mets", "integer >= 0", 0, 2),
    Slot("vertebral_mets", "integer >= 1", 0, 2),
    Slot("visceral_mets", "none, removable, unremovable", 0, 2),
    Slot("primary_tumor", ", ".join(TOKUHASHI_PRIMARY_POINTS), 0, 5),
    Slot("frankel_pre", "A, B, C, D1, D2, D3, E (or original D)", 0, 2),
)


def tokuhashi_band(total: Any) -> tuple[str, str, str]:
    """(band code, predicted survival, suggested treatment code) for a total 0-15."""
    value = int_in("tokuhashi", total, 0, 15)
    for low, high, code, survival, treatment in TOKUHASHI_BANDS:
        if low <= value <= high:
            return code, survival, treatment
    raise AssertionError("unreachable")  # pragma: no cover


def _general(kps: Any) -> Component | None:
    if is_missing(kps):
        return None
    value = int_in("kps", kps, 10, 100, 10)
    points = TOKUHASHI_KPS_POINTS[value]
    category = ("poor (KPS 10-40)", "moderate (KPS 50-70)", "good (KPS 80-100)")[points]
    return Component("general_condition", "General condition (KPS)", value, category, points)


def _count(
    name: str, label: str, field: str, value: Any, low: int, table: MappingProxyType[int, int]
) -> Component | None:
    if is_missing(value):
        return None
    count = int_in(field, value, low)
    points = table[min(count, 3)]
    category = ">= 3" if count >= 3 else ("1-2" if field == "extraspinal_bone_mets" and count else str(count))
    return Component(name, label, count, category, points)


def _visceral(value: Any) -> Component | None:
    if is_missing(value):
        return None
    code = choice("visceral_mets", value, ("none", "removable", "unremovable"))
    return Component(
        "visceral_mets", "Metastases to major internal organs", code, code, TOKUHASHI_VISCERAL_POINTS[code]
    )


def _primary(value: Any) -> Component | None:
    if is_missing(value):
        return None
    if isinstance(value, str) and value.strip().lower() == "colorectal":
        raise InvalidInputError(
            "primary_tumor",
            value,
            ", ".join(TOKUHASHI_PRIMARY_POINTS),
            "colorectal is ambiguous for Tokuhashi (rectum 4, colon 2); use colon or rectum",
        )
    code = choice("primary_tumor", value, TOKUHASHI_PRIMARY_POINTS)
    points = TOKUHASHI_PRIMARY_POINTS[code]
    category = _PRIMARY_GROUP.get(code, code)
    return Component("primary_site", "Primary site of the cancer", code, category, points)


def _palsy(value: Any) -> Component | None:
    if is_missing(value):
        return None
    allowed = "A, B, C, D1, D2, D3, E (or original D)"
    if not isinstance(value, str) or value.strip().upper() not in TOKUHASHI_PALSY_POINTS:
        raise InvalidInputError("frankel_pre", value, allowed)
    grade = value.strip().upper()
    points = TOKUHASHI_PALSY_POINTS[grade]
    category = ("complete (Frankel A, B)", "incomplete (Frankel C, D)", "none (Frankel E)")[points]
    return Component("palsy", "Palsy", grade, category, points, derived_from="frankel_pre")


def tokuhashi(
    *,
    kps: Any = None,
    extraspinal_bone_mets: Any = None,
    vertebral_mets: Any = None,
    visceral_mets: Any = None,
    primary_tumor: Any = None,
    frankel_pre: Any = None,
    total: Any = None,
) -> ScoreResult:
    """Revised Tokuhashi score (2005) from its six items, or from a given total 0-15.

    A total given with all six items must equal their sum (else ``InvalidInputError`` naming
    ``tokuhashi``). With some items missing, a total is required (and must be reachable from the items
    given); otherwise the error names the first missing item.
    """
    components = (
        _general(kps),
        _count(
            "extraspinal_bone_mets",
            "Number of extraspinal bone metastasis foci",
            "extraspinal_bone_mets",
            extraspinal_bone_mets,
            0,
            TOKUHASHI_EXTRASPINAL_POINTS,
        ),
        _count(
            "vertebral_mets",
            "Number of metastases in the vertebral body",
            "vertebral_mets",
            vertebral_mets,
            1,
            TOKUHASHI_VERTEBRAL_POINTS,
        ),
        _visceral(visceral_mets),
        _primary(primary_tumor),
        _palsy(frankel_pre),
    )
    value, present, notes = combine("tokuhashi", _SLOTS, components, total, 0, 15)
    code, survival, treatment = tokuhashi_band(value)
    extra_notes = tuple(
        f"primary {c.value!r} scored as 'others' (2): not named in Tokuhashi's table (project inference)"
        for c in present
        if c.name == "primary_site" and c.value in ("myeloma", "lymphoma", "sarcoma", "head_neck", "colon")
    )
    return ScoreResult(
        score="tokuhashi_revised",
        total=value,
        components=present,
        band=code,
        band_label=survival,
        version=VERSION,
        citation=TOKUHASHI_CITATION,
        notes=notes + extra_notes,
        extra={"survival": survival, "treatment": treatment, "treatment_text": _TREATMENT_TEXT[treatment]},
    )
