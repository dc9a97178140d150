"""Choice of surgical procedure (Uei 2018, Methods "Surgical indication", last paragraph).

MISt (minimally invasive spine stabilization) is the first choice. Conventional posterior decompression and
fixation is used when MISt is not possible: (1) lesion in the occipito-cervical region (the paper: "in the
occipital over the cervical region"; main level C1-C7, the vocabulary has no occiput code) or
(2) the pedicles cannot be confirmed under fluoroscopy / percutaneous pedicle screws cannot be inserted.
The rule assumes surgery is to be done; see ``surgical_indication``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinemet.pathway.inputs import CERVICAL_LEVELS, get_level, get_yes_no
from spinemet.pathway.sources import UEI_2018_INDICATION
from spinemet.pathway.verdict import RULES_VERSION, UNDETERMINED, Verdict

__all__ = ["procedure_choice"]


def procedure_choice(patient: Mapping[str, Any]) -> Verdict:
    """``mist``, ``conventional`` or ``undetermined``, from ``main_level`` and ``pedicles_confirmable``."""
    level = get_level(patient, "main_level")
    pedicles = get_yes_no(patient, "pedicles_confirmable")
    reasons: list[str] = []
    missing: list[str] = []
    conventional = False
    if level is None:
        reasons.append("main level not recorded: occipito-cervical location cannot be ruled out")
        missing.append("main_level")
    elif level in CERVICAL_LEVELS:
        reasons.append(f"main level {level}: occipito-cervical lesion, not treatable with MISt")
        conventional = True
    else:
        reasons.append(f"main level {level}: outside the occipito-cervical region")
    if pedicles is None:
        reasons.append("whether the pedicles can be confirmed under fluoroscopy is not recorded")
        missing.append("pedicles_confirmable")
    elif pedicles:
        reasons.append("pedicles can be confirmed under fluoroscopy (percutaneous pedicle screws insertable)")
    else:
        reasons.append("pedicles cannot be confirmed under fluoroscopy: MISt not possible")
        conventional = True
    if conventional:
        decision = "conventional"
        reasons.append("conventional posterior decompression and fixation")
        missing = []
    elif missing:
        decision = UNDETERMINED
    else:
        decision = "mist"
        reasons.append("minimally invasive spine stabilization (MISt) as first choice")
    return Verdict(
        rule="procedure",
        decision=decision,
        reasons=tuple(reasons),
        rule_version=RULES_VERSION,
        citation=UEI_2018_INDICATION,
        missing=tuple(missing),
    )
