"""The verdict type every pathway rule returns, and the rules' version.

A verdict is never a bare yes/no: it carries the decision, every reason in clinical words, the rule
version, the source it follows, and the inputs that were missing (``decision == "undetermined"`` when a
needed input is missing; the rules never guess).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["RULES_VERSION", "UNDETERMINED", "Verdict"]

#: Version of the whole rule set; bump whenever any rule's logic or wording of a decision changes.
RULES_VERSION = "1.0.0"

#: Decision of any rule whose needed inputs are missing.
UNDETERMINED = "undetermined"


@dataclass(frozen=True)
class Verdict:
    """The outcome of one decision rule.

    Attributes:
        rule: machine name of the rule, e.g. ``"surgical_indication"``.
        decision: the rule's decision code, e.g. ``"indicated"``; ``"undetermined"`` when inputs are missing.
        reasons: every reason for the decision, in clinical words, each naming its source.
        rule_version: the version of the rule set (``RULES_VERSION``).
        citation: the primary source the rule follows.
        missing: cohort column names whose absence left (part of) the rule unassessable.
    """

    rule: str
    decision: str
    reasons: tuple[str, ...]
    rule_version: str
    citation: str
    missing: tuple[str, ...] = ()

    @property
    def determined(self) -> bool:
        """True unless the decision is ``"undetermined"``."""
        return self.decision != UNDETERMINED

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return {
            "rule": self.rule,
            "decision": self.decision,
            "reasons": list(self.reasons),
            "rule_version": self.rule_version,
            "citation": self.citation,
            "missing": list(self.missing),
        }
