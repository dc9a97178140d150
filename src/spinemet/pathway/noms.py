"""NOMS-style summary (Laufer 2013): four separate assessments, never one combined verdict.

Neurologic: Bilsky ESCC grade (high grade 2-3) and myelopathy (modified Frankel). Oncologic:
radiosensitivity of the histology to conventional EBRT (``pathway.radiosensitivity``). Mechanical:
instability by SINS (Fisher 2010). Systemic: performance status (ECOG, or KPS converted) and the Tokuhashi
band.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinemet.pathway.evidence import (
    escc_finding,
    frankel_finding,
    performance_finding,
    sins_finding,
    tokuhashi_finding,
)
from spinemet.pathway.radiosensitivity import SENSITIVITY_WORDS, radiosensitivity
from spinemet.pathway.sources import BILSKY_2010, FISHER_2010, LAUFER_2013, OKEN_1982
from spinemet.pathway.verdict import RULES_VERSION, UNDETERMINED, Verdict

__all__ = ["noms_mechanical", "noms_neurologic", "noms_oncologic", "noms_systemic"]


_ONCOLOGIC_DECISION = {
    "sensitive": "radiosensitive",
    "resistant": "radioresistant",
    "unclassified": "unclassified",
}


def noms_neurologic(patient: Mapping[str, Any]) -> Verdict:
    """``high_grade_escc`` / ``low_grade_escc`` (Bilsky 2010), with the Frankel grade as myelopathy."""
    escc = escc_finding(patient)
    frankel = frankel_finding(patient)
    reasons = (escc.text, frankel.text)
    decision = UNDETERMINED
    if escc.value is not None:
        decision = "high_grade_escc" if escc.value else "low_grade_escc"
    return Verdict(
        "noms_neurologic", decision, reasons, RULES_VERSION, f"{LAUFER_2013}; {BILSKY_2010}", escc.missing
    )


def noms_oncologic(patient: Mapping[str, Any]) -> Verdict:
    """``radiosensitive`` / ``radioresistant`` / ``unclassified``, with the NOMS radiation reading."""
    primary = patient.get("primary_tumor")
    cls = radiosensitivity(primary)
    if cls is None:
        return Verdict(
            "noms_oncologic",
            UNDETERMINED,
            ("primary cancer not recorded",),
            RULES_VERSION,
            LAUFER_2013,
            ("primary_tumor",),
        )
    reasons = [f"{primary}: {SENSITIVITY_WORDS[cls]} (AO classification)"]
    if cls == "sensitive":
        reasons.append("radiosensitive: conventional EBRT whatever the ESCC grade (NOMS)")
    elif cls == "resistant":
        escc = escc_finding(patient)
        if escc.value is True:
            reasons.append(
                f"radioresistant with high-grade ESCC: separation surgery, then SRS (NOMS); {escc.text}"
            )
        elif escc.value is False:
            reasons.append(
                f"radioresistant without high-grade ESCC: stereotactic radiosurgery (NOMS); {escc.text}"
            )
        else:
            reasons.append(
                "radioresistant: SRS, preceded by separation surgery if ESCC is high grade (NOMS); "
                "ESCC grade not recorded"
            )
    else:
        reasons.append("radiosensitivity not classified by a confirmed source: no NOMS radiation reading")
    decision = _ONCOLOGIC_DECISION[cls]
    return Verdict("noms_oncologic", decision, tuple(reasons), RULES_VERSION, LAUFER_2013)


def noms_mechanical(patient: Mapping[str, Any]) -> Verdict:
    """Decision = the SINS band (``stable`` / ``potentially_unstable`` / ``unstable``, Fisher 2010)."""
    sins = sins_finding(patient)
    if sins.value is None:
        return Verdict(
            "noms_mechanical", UNDETERMINED, (sins.text,), RULES_VERSION, FISHER_2010, sins.missing
        )
    reasons = [sins.text]
    if sins.value >= 7:
        reasons.append("SINS 7-18: surgical consultation for stabilization warranted (Fisher 2010)")
    return Verdict("noms_mechanical", str(sins.result.band), tuple(reasons), RULES_VERSION, FISHER_2010)


def noms_systemic(patient: Mapping[str, Any]) -> Verdict:
    """``adequate`` (ECOG 0-2) / ``poor`` (ECOG 3-4) performance status, with the Tokuhashi band alongside."""
    perf = performance_finding(patient)
    tok = tokuhashi_finding(patient)
    reasons = [perf.text, tok.text]
    if perf.value is None:
        decision = UNDETERMINED
    elif perf.value >= 3:
        decision = "poor"
        reasons.insert(1, "poor performance status (ECOG 3-4): limited tolerance of surgery and therapy")
    else:
        decision = "adequate"
        reasons.insert(1, "performance status ECOG 0-2: able to tolerate treatment")
    return Verdict(
        "noms_systemic", decision, tuple(reasons), RULES_VERSION, f"{LAUFER_2013}; {OKEN_1982}", perf.missing
    )
