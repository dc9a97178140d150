"""NESMS -- New England Spinal Metastasis Score: survival after surgery for spinal metastases, 0-3.

Ghori AK, Leonard DA, Schoenfeld AJ, et al. Modeling 1-year survival after surgery on the metastatic
spine. Spine J 2015;15:2345-2350; validated by Schoenfeld AJ, et al. (2021). Components: modified
Bauer score (2 points when high), independent ambulation (1) and normal serum albumin (1), "with a
ceiling score of three" (summary of Ghori 2015): total = min(3, weighted sum); the raw 0-4 weighted sum
is returned in ``extra["weighted_sum"]``.

NOT CONFIRMED by a primary source: the cut-offs "high modified Bauer" = ``NESMS_MBAUER_CUTOFF`` (>= 3)
and "normal albumin" = ``NESMS_ALBUMIN_CUTOFF_G_DL`` (>= 3.5 g/dL) come from recall, and the capping
reading is the project's. Verify against Ghori 2015 before clinical use; every result says so in
``notes``.
"""

from __future__ import annotations

from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._validate import as_float, choice, int_in, is_missing, yes_no
from spinemet.scores.bauer import modified_bauer
from spinemet.scores.result import Component, ScoreResult

__all__ = [
    "NESMS_ALBUMIN_CUTOFF_G_DL",
    "NESMS_CAP",
    "NESMS_CITATION",
    "NESMS_MBAUER_CUTOFF",
    "NESMS_UNCONFIRMED",
    "nesms",
]

NESMS_CITATION = (
    "Ghori AK, et al. Modeling 1-year survival after surgery on the metastatic spine. "
    "Spine J 2015;15:2345-2350."
)

NESMS_MBAUER_CUTOFF = 3
"""Modified Bauer score counted as 'high' (2 points) when >= this. UNCONFIRMED (recall)."""

NESMS_ALBUMIN_CUTOFF_G_DL = 3.5
"""Serum albumin counted as 'normal' (1 point) when >= this, g/dL. UNCONFIRMED (recall)."""

NESMS_CAP = 3
"""Ceiling of the NESMS total ("with a ceiling score of three")."""

NESMS_UNCONFIRMED = (
    f"UNCONFIRMED cut-offs: high modified Bauer >= {NESMS_MBAUER_CUTOFF} and normal albumin >= "
    f"{NESMS_ALBUMIN_CUTOFF_G_DL} g/dL come from recall, and the cap at {NESMS_CAP} is the project's "
    "reading; verify against Ghori 2015 (Spine J 15:2345) before clinical use"
)
"""The caveat carried in the notes of every NESMS result."""

AMBULATORY = ("independent", "dependent", "non_ambulatory")


def _mbauer(
    modified_bauer_total: Any,
    visceral_mets: Any,
    primary_tumor: Any,
    solitary_skeletal_met: Any,
    extraspinal_bone_mets: Any,
    vertebral_mets: Any,
) -> tuple[int, str | None]:
    given = None if is_missing(modified_bauer_total) else int_in("modified_bauer", modified_bauer_total, 0, 4)
    complete = (
        not is_missing(visceral_mets)
        and not is_missing(primary_tumor)
        and (
            not is_missing(solitary_skeletal_met)
            or (not is_missing(extraspinal_bone_mets) and not is_missing(vertebral_mets))
        )
    )
    unknown = isinstance(primary_tumor, str) and primary_tumor.strip().lower() == "unknown"
    if given is not None and (not complete or unknown):
        return given, None
    computed = modified_bauer(
        visceral_mets=visceral_mets,
        primary_tumor=primary_tumor,
        solitary_skeletal_met=solitary_skeletal_met,
        extraspinal_bone_mets=extraspinal_bone_mets,
        vertebral_mets=vertebral_mets,
    ).total
    if given is not None and given != computed:
        raise InvalidInputError(
            "modified_bauer",
            modified_bauer_total,
            f"{computed} (computed from its components)",
            "a modified Bauer score given with its components must agree",
        )
    return int(computed), None if given is not None else "modified Bauer components"


def _albumin(albumin_g_dl: Any, albumin_normal: Any) -> tuple[Any, bool, str | None]:
    from_raw = None
    if not is_missing(albumin_g_dl):
        value = as_float("albumin_g_dl", albumin_g_dl, "number >= 0 (g/dL)")
        if value < 0:
            raise InvalidInputError("albumin_g_dl", albumin_g_dl, "number >= 0 (g/dL)")
        from_raw = value >= NESMS_ALBUMIN_CUTOFF_G_DL
    if not is_missing(albumin_normal):
        flag = yes_no("albumin_normal", albumin_normal)
        if from_raw is not None and from_raw != flag:
            raise InvalidInputError(
                "albumin_normal",
                albumin_normal,
                "yes" if from_raw else "no",
                f"contradicts albumin_g_dl={albumin_g_dl} (normal >= {NESMS_ALBUMIN_CUTOFF_G_DL} g/dL)",
            )
        return ("yes" if flag else "no"), flag, None
    if from_raw is None:
        raise InvalidInputError(
            "albumin_g_dl", albumin_g_dl, "number >= 0 (g/dL), or albumin_normal yes/no", "missing"
        )
    return float(albumin_g_dl), from_raw, "albumin_g_dl"


def nesms(
    *,
    modified_bauer: Any = None,
    ambulatory: Any = None,
    albumin_g_dl: Any = None,
    albumin_normal: Any = None,
    visceral_mets: Any = None,
    primary_tumor: Any = None,
    solitary_skeletal_met: Any = None,
    extraspinal_bone_mets: Any = None,
    vertebral_mets: Any = None,
) -> ScoreResult:
    """NESMS total = min(3, 2*[modified Bauer >= 3] + [ambulatory independent] + [albumin >= 3.5 g/dL]).

    The modified Bauer score is ``modified_bauer`` or computed from its components (both: must agree);
    albumin is ``albumin_g_dl`` or ``albumin_normal`` (both: must agree). Cut-offs UNCONFIRMED.
    """
    mbauer, mb_derived = _mbauer(
        modified_bauer,
        visceral_mets,
        primary_tumor,
        solitary_skeletal_met,
        extraspinal_bone_mets,
        vertebral_mets,
    )
    walk = choice("ambulatory", ambulatory, AMBULATORY)
    albumin_value, albumin_ok, albumin_derived = _albumin(albumin_g_dl, albumin_normal)
    high = mbauer >= NESMS_MBAUER_CUTOFF
    components = (
        Component(
            "modified_bauer",
            f"Modified Bauer score >= {NESMS_MBAUER_CUTOFF}",
            mbauer,
            "high" if high else "low",
            2 if high else 0,
            derived_from=mb_derived,
        ),
        Component("ambulatory", "Independent ambulation", walk, walk, int(walk == "independent")),
        Component(
            "albumin",
            f"Serum albumin >= {NESMS_ALBUMIN_CUTOFF_G_DL} g/dL",
            albumin_value,
            "normal" if albumin_ok else "low",
            int(albumin_ok),
            derived_from=albumin_derived,
        ),
    )
    weighted = sum(int(c.points) for c in components)
    total = min(NESMS_CAP, weighted)
    notes = [NESMS_UNCONFIRMED]
    if weighted > NESMS_CAP:
        notes.append(f"weighted sum {weighted} capped at {NESMS_CAP}")
    return ScoreResult(
        score="nesms",
        total=total,
        components=components,
        band=None,
        band_label=None,
        version="Ghori 2015 (cut-offs unconfirmed)",
        citation=NESMS_CITATION,
        notes=tuple(notes),
        extra={
            "weighted_sum": weighted,
            "mbauer_cutoff": NESMS_MBAUER_CUTOFF,
            "albumin_cutoff_g_dl": NESMS_ALBUMIN_CUTOFF_G_DL,
            "cutoffs_confirmed": False,
        },
    )
