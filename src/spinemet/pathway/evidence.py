"""Clinical findings the rules share, derived from one patient's columns through ``spinemet.scores``.

Each finding holds the value (``None`` when it cannot be assessed), a sentence in clinical words, and the
columns that were missing. Scores are computed by ``spinemet.scores`` (never re-implemented here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spinemet.pathway.inputs import get_choice, get_int, is_missing, missing_of, present
from spinemet.scores.escc import escc
from spinemet.scores.frankel import frankel_grade
from spinemet.scores.performance import kps_to_ecog
from spinemet.scores.result import ScoreResult
from spinemet.scores.sins import sins
from spinemet.scores.tokuhashi import tokuhashi

__all__ = [
    "ESCC_GRADES",
    "FRANKEL_GRADES",
    "SINS_BANDS",
    "TOKUHASHI_COMPONENTS",
    "Finding",
    "escc_finding",
    "frankel_finding",
    "performance_finding",
    "sins_finding",
    "tokuhashi_finding",
]

SINS_COMPONENTS = ("sins_pain", "sins_lesion", "sins_alignment", "sins_collapse", "sins_posterolateral")
TOKUHASHI_COMPONENTS = (
    "kps",
    "extraspinal_bone_mets",
    "vertebral_mets",
    "visceral_mets",
    "primary_tumor",
    "frankel_pre",
)
ESCC_GRADES = ("0", "1a", "1b", "1c", "2", "3")
FRANKEL_GRADES = {
    "modified": ("A", "B", "C", "D1", "D2", "D3", "E"),
    "original": ("A", "B", "C", "D", "E"),
}

#: SINS band code -> (words, range, clinical reading) after Fisher 2010.
SINS_BANDS = {
    "stable": ("stable", "0-6", "no instability"),
    "potentially_unstable": ("potentially unstable", "7-12", "threatened instability"),
    "unstable": ("unstable", "13-18", "instability"),
}


@dataclass(frozen=True)
class Finding:
    """One derived clinical fact: ``value`` (``None`` if not assessable), its wording, missing columns."""

    value: Any
    text: str
    missing: tuple[str, ...] = ()
    result: ScoreResult | None = None


def _given_total(patient: Mapping[str, Any], field: str, hi: int) -> int | None:
    return get_int(patient, field, 0, hi)


def sins_finding(patient: Mapping[str, Any]) -> Finding:
    """SINS total and band (Fisher 2010) from the six components, or from a given total ``sins``.

    The location may come from ``sins_location`` or be derived from ``main_level`` by the score.
    """
    given = _given_total(patient, "sins", 18)
    have_location = present(patient, "sins_location") or present(patient, "main_level")
    missing = missing_of(patient, SINS_COMPONENTS)
    if not have_location:
        missing = ("sins_location", *missing)
    if not missing:
        kwargs = {f: patient.get(f) for f in (*SINS_COMPONENTS, "sins_location", "main_level")}
        kwargs = {k: v for k, v in kwargs.items() if not is_missing(v)}
        result = sins(**kwargs, total=given)
    elif given is not None:  # partial components: the score checks the total is reachable from them
        kwargs = {f: patient.get(f) for f in (*SINS_COMPONENTS, "sins_location", "main_level")}
        result = sins(**{k: v for k, v in kwargs.items() if not is_missing(v)}, total=given)
    else:
        return Finding(
            None,
            "SINS not assessable: missing " + ", ".join(missing) + " (or give the total `sins`)",
            missing,
        )
    words, span, reading = SINS_BANDS[str(result.band)]
    return Finding(
        int(result.total), f"SINS {int(result.total)} ({words}, {span}): {reading} (Fisher 2010)", (), result
    )


def tokuhashi_finding(patient: Mapping[str, Any]) -> Finding:
    """Revised Tokuhashi total and band (Tokuhashi 2005) from its six items, or from a given total."""
    given = _given_total(patient, "tokuhashi", 15)
    missing = missing_of(patient, TOKUHASHI_COMPONENTS)
    if not missing:
        kwargs = {f: patient.get(f) for f in TOKUHASHI_COMPONENTS}
        result = tokuhashi(**kwargs, total=given)
    elif given is not None:  # partial items: the score checks the total is reachable from them
        kwargs = {f: patient.get(f) for f in TOKUHASHI_COMPONENTS if not is_missing(patient.get(f))}
        result = tokuhashi(**kwargs, total=given)
    else:
        return Finding(
            None,
            "Tokuhashi score not assessable: missing "
            + ", ".join(missing)
            + " (or give the total `tokuhashi`)",
            missing,
        )
    total = int(result.total)
    text = (
        f"Tokuhashi {total} (band {result.band}): predicted survival {result.extra['survival']}; "
        f"suggested {result.extra['treatment_text']} (Tokuhashi 2005)"
    )
    return Finding(total, text, (), result)


def performance_finding(patient: Mapping[str, Any]) -> Finding:
    """ECOG performance status, given or converted from KPS by the usual crosswalk (KPS 40-30 = ECOG 3)."""
    ecog = get_int(patient, "ecog", 0, 4)
    kps = get_int(patient, "kps", 10, 100, 10, "10-100 in steps of 10")
    if ecog is not None:
        text = f"ECOG PS {ecog}"
        if kps is not None:
            text += f" (KPS {kps} also recorded; the recorded ECOG is used)"
        return Finding(ecog, text)
    if kps is not None:
        converted = int(kps_to_ecog(kps))
        return Finding(converted, f"KPS {kps} ≈ ECOG PS {converted} (usual KPS-ECOG crosswalk, approximate)")
    return Finding(None, "performance status not assessable: missing ecog and kps", ("ecog", "kps"))


def escc_finding(patient: Mapping[str, Any]) -> Finding:
    """Bilsky ESCC grade with its high/low reading (high grade = 2, 3; Bilsky 2010)."""
    value = patient.get("escc")
    if is_missing(value):
        return Finding(None, "ESCC grade not assessable: missing escc", ("escc",))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = escc(value)
    grade = str(result.extra["label"])
    high = result.band == "high"
    text = f"ESCC grade {grade} ({'high' if high else 'low'} grade epidural compression; Bilsky 2010)"
    return Finding(high, text, (), result)


def frankel_finding(patient: Mapping[str, Any], field: str = "frankel_pre") -> Finding:
    """The modified Frankel grade (Uei 2018 Table 2); ``value`` is the grade code, e.g. ``"D2"``."""
    scale = get_choice(patient, "frankel_scale", FRANKEL_GRADES) or "modified"
    grade = get_choice(patient, field, FRANKEL_GRADES[scale])
    if grade is None:
        return Finding(None, f"Frankel grade not assessable: missing {field}", (field,))
    frankel_grade(grade, scale=scale)
    if grade == "E":
        return Finding(grade, f"Frankel {grade}: no motor deficit")
    return Finding(grade, f"Frankel {grade}: motor deficit (paralysis)")
