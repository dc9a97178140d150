"""Criterion for discharge to home (Uei 2018, Methods "Outcome evaluation").

Barthel index >= 70, or sufficient care by family members when the Barthel index is < 70. The Barthel
value is the highest postoperative one (``barthel_post``); a preoperative value is shown but never used
(the rules do not guess the postoperative course).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinemet.pathway.inputs import get_int, get_yes_no
from spinemet.pathway.sources import UEI_2018_OUTCOME
from spinemet.pathway.verdict import RULES_VERSION, UNDETERMINED, Verdict

__all__ = ["BARTHEL_HOME", "discharge_home"]

#: Barthel index from which discharge home is possible without family care (Uei 2018).
BARTHEL_HOME = 70


def discharge_home(patient: Mapping[str, Any]) -> Verdict:
    """``criterion_met``, ``criterion_not_met`` or ``undetermined``."""
    allowed = "0-100 in steps of 5"
    post = get_int(patient, "barthel_post", 0, 100, 5, allowed)
    pre = get_int(patient, "barthel_pre", 0, 100, 5, allowed)
    family = get_yes_no(patient, "family_care")
    reasons: list[str] = []
    barthel_ok: bool | None = None
    if post is not None:
        barthel_ok = post >= BARTHEL_HOME
        reasons.append(f"postoperative Barthel index {post}: {'>=' if barthel_ok else '<'} {BARTHEL_HOME}")
    else:
        reasons.append("postoperative Barthel index not recorded")
        if pre is not None:  # shown, never used: the criterion is applied after surgery
            reasons.append(
                f"preoperative Barthel index {pre} shown for orientation only; "
                "the criterion applies to the highest postoperative value"
            )
    family_words = {
        True: "sufficient care by family at home",
        False: "no sufficient family care at home",
        None: "family care not recorded",
    }
    reasons.append(family_words[family])
    if barthel_ok or family:
        decision, missing = "criterion_met", ()
        reasons.append("discharge to home possible (Barthel >= 70 or sufficient family care)")
    elif barthel_ok is False and family is False:
        decision, missing = "criterion_not_met", ()
        reasons.append("discharge to home criterion not met (Barthel < 70, no sufficient family care)")
    else:
        decision = UNDETERMINED
        missing = (("barthel_post",) if barthel_ok is None else ()) + (
            ("family_care",) if family is None else ()
        )
    return Verdict("discharge_home", decision, tuple(reasons), RULES_VERSION, UEI_2018_OUTCOME, missing)
