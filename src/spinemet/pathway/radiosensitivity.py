"""Radiosensitivity class of a primary cancer to conventional external-beam radiotherapy.

Conservative mapping from scores.md §11: only the classes confirmed by the AO Foundation Surgery Reference
are used. Sensitive: lymphoma, myeloma. Resistant: kidney (renal cell), thyroid, colon and rectum
(colorectal). The seed paper (Uei 2018) treats kidney and thyroid as radiation-resistant. Every other
primary (including sarcoma and osteosarcoma, and the ``lung`` code which cannot separate SCLC from NSCLC)
is ``unclassified``: the classes recalled from Laufer 2013 are not confirmed in a stored source.
"""

from __future__ import annotations

from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.pathway.inputs import is_missing

__all__ = [
    "PRIMARY_TUMORS",
    "RADIORESISTANT",
    "RADIOSENSITIVE",
    "SENSITIVITY_WORDS",
    "STUDY_RADIORESISTANT",
    "radiosensitivity",
]

#: The cohort format's ``primary_tumor`` vocabulary (cohort-format.md).
PRIMARY_TUMORS = (
    "lung", "liver", "prostate", "myeloma", "kidney", "thyroid", "lymphoma", "gallbladder", "breast",
    "sarcoma", "osteosarcoma", "stomach", "colon", "rectum", "esophagus", "pancreas", "bladder", "uterus",
    "carcinoid", "head_neck", "other", "unknown",
)  # fmt: skip

RADIOSENSITIVE = frozenset({"lymphoma", "myeloma"})
RADIORESISTANT = frozenset({"kidney", "thyroid", "colon", "rectum"})

STUDY_RADIORESISTANT: tuple[str, ...] = ("kidney", "thyroid")
"""The primaries the seed paper calls "radiation-resistant cancer such as kidney and thyroid" (Uei 2018,
Discussion: radiotherapy in 38 of 47 once they are left out). A subset of :data:`RADIORESISTANT`; used only
to reproduce the study (its radiotherapy denominator, the synthetic cohort's radiotherapy rates)."""

SENSITIVITY_WORDS = {
    "sensitive": "radiosensitive",
    "resistant": "radioresistant",
    "unclassified": "radiosensitivity unclassified",
}


def radiosensitivity(primary_tumor: Any) -> str | None:
    """``"sensitive"``, ``"resistant"`` or ``"unclassified"``; ``None`` when ``primary_tumor`` is missing.

    Raises:
        InvalidInputError: ``primary_tumor`` is not a code of the cohort vocabulary.
    """
    if is_missing(primary_tumor):
        return None
    code = str(primary_tumor).strip().lower()
    if code not in PRIMARY_TUMORS:
        raise InvalidInputError("primary_tumor", primary_tumor, ", ".join(PRIMARY_TUMORS))
    if code in RADIOSENSITIVE:
        return "sensitive"
    if code in RADIORESISTANT:
        return "resistant"
    return "unclassified"
