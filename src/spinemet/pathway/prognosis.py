"""Expected prognosis band from the revised Tokuhashi score (Tokuhashi 2005).

0-8: predicted survival < 6 months, conservative treatment (palliative surgery for selected patients);
9-11: >= 6 months, palliative surgery; 12-15: >= 1 year, excisional surgery.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spinemet.pathway.evidence import tokuhashi_finding
from spinemet.pathway.sources import TOKUHASHI_2005
from spinemet.pathway.verdict import RULES_VERSION, UNDETERMINED, Verdict

__all__ = ["prognosis_band"]


def prognosis_band(patient: Mapping[str, Any]) -> Verdict:
    """Decision = the Tokuhashi band code (``"0-8"``, ``"9-11"``, ``"12-15"``) or ``undetermined``."""
    tok = tokuhashi_finding(patient)
    if tok.value is None:
        return Verdict("prognosis", UNDETERMINED, (tok.text,), RULES_VERSION, TOKUHASHI_2005, tok.missing)
    reasons = [tok.text]
    if tok.result is not None and tok.result.components:
        reasons.append(
            "components: " + "; ".join(f"{c.label} {c.category} = {c.points}" for c in tok.result.components)
        )
    return Verdict("prognosis", str(tok.result.band), tuple(reasons), RULES_VERSION, TOKUHASHI_2005)
