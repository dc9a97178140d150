"""Prompts for postoperative adjuvant therapy (Uei 2018, Methods "Outcome evaluation" and Discussion).

Radiotherapy after surgery for every cancer except radiation-resistant ones, "as long as it is not
inconvenient for treatment of the primary cancer"; chemotherapy appropriate for the cancer type; a
bone-modifying agent (bisphosphonate or denosumab). Radiosensitivity classes: ``pathway.radiosensitivity``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinemet.pathway.radiosensitivity import radiosensitivity
from spinemet.pathway.sources import UEI_2018_DISCUSSION, UEI_2018_OUTCOME
from spinemet.pathway.verdict import RULES_VERSION, UNDETERMINED, Verdict

__all__ = ["bone_modifying_agent_prompt", "chemotherapy_prompt", "radiotherapy_prompt"]

_PRIMARY_CARE = "as long as it does not interfere with treatment of the primary cancer (Uei 2018)"


def radiotherapy_prompt(patient: Mapping[str, Any]) -> Verdict:
    """``offer`` or ``withhold`` postoperative conventional radiotherapy, by radiosensitivity."""
    primary = patient.get("primary_tumor")
    cls = radiosensitivity(primary)
    missing: tuple[str, ...] = ()
    if cls is None:
        decision, reasons = UNDETERMINED, ("primary cancer not recorded: radiosensitivity unknown",)
        missing = ("primary_tumor",)
    elif cls == "resistant":
        decision = "withhold"
        reasons = (
            f"{primary}: radiation-resistant cancer (AO classification); conventional postoperative "
            "radiotherapy not given, as in Uei 2018 for kidney and thyroid cancer",
            "stereotactic radiosurgery may be considered for radioresistant histology (NOMS, Laufer 2013)",
        )
    elif cls == "sensitive":
        decision = "offer"
        reasons = (
            f"{primary}: radiosensitive (AO classification); conventional external-beam radiotherapy "
            "is effective whatever the ESCC grade (NOMS, Laufer 2013)",
            f"offer postoperative radiotherapy {_PRIMARY_CARE}",
        )
    else:
        decision = "offer"
        reasons = (
            f"{primary}: radiosensitivity unclassified (the AO classification names lymphoma, myeloma and "
            "seminoma as sensitive; renal cell, melanoma, thyroid and colorectal as resistant)",
            "offer postoperative radiotherapy, as for every non-resistant cancer in Uei 2018, "
            + _PRIMARY_CARE,
        )
    return Verdict("radiotherapy", decision, reasons, RULES_VERSION, UEI_2018_OUTCOME, missing)


def chemotherapy_prompt(patient: Mapping[str, Any]) -> Verdict:
    """``consider`` chemotherapy appropriate for the primary cancer (a prompt, not a regimen)."""
    primary = patient.get("primary_tumor")
    cls = radiosensitivity(primary)  # validates the code
    if cls is None:
        return Verdict(
            "chemotherapy",
            UNDETERMINED,
            ("primary cancer not recorded: systemic therapy cannot be matched to the cancer type",),
            RULES_VERSION,
            UEI_2018_DISCUSSION,
            ("primary_tumor",),
        )
    if str(primary).strip().lower() == "unknown":
        reason = "primary unidentified: choose chemotherapy after work-up of the primary (refer to oncology)"
    else:
        reason = f"consider postoperative chemotherapy appropriate for {primary} cancer (refer to oncology)"
    return Verdict(
        "chemotherapy",
        "consider",
        (reason, "adjuvant therapy after surgery strengthens survivorship care (Uei 2018)"),
        RULES_VERSION,
        UEI_2018_DISCUSSION,
    )


def bone_modifying_agent_prompt(patient: Mapping[str, Any]) -> Verdict:
    """``consider`` a bone-modifying agent (bisphosphonate or denosumab); needs no input."""
    del patient  # the prompt applies to every patient with spinal metastasis
    return Verdict(
        "bone_modifying_agent",
        "consider",
        (
            "consider a bone-modifying agent (bisphosphonate or denosumab) to prevent "
            "skeletal-related events (Uei 2018)",
        ),
        RULES_VERSION,
        UEI_2018_DISCUSSION,
    )
