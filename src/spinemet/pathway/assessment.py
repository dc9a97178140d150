"""``assess(patient)``: every pathway rule for one patient, each verdict kept separate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from spinemet.pathway.adjuvant import bone_modifying_agent_prompt, chemotherapy_prompt, radiotherapy_prompt
from spinemet.pathway.discharge import discharge_home
from spinemet.pathway.indication import surgical_indication
from spinemet.pathway.noms import noms_mechanical, noms_neurologic, noms_oncologic, noms_systemic
from spinemet.pathway.procedure import procedure_choice
from spinemet.pathway.prognosis import prognosis_band
from spinemet.pathway.verdict import RULES_VERSION, Verdict

__all__ = ["NomsSummary", "PathwayAssessment", "assess"]


@dataclass(frozen=True)
class NomsSummary:
    """The four NOMS assessments (Laufer 2013), each its own verdict."""

    neurologic: Verdict
    oncologic: Verdict
    mechanical: Verdict
    systemic: Verdict

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict keyed by domain."""
        return {f.name: getattr(self, f.name).to_dict() for f in fields(self)}


@dataclass(frozen=True)
class PathwayAssessment:
    """Every rule's verdict for one patient."""

    indication: Verdict
    procedure: Verdict
    radiotherapy: Verdict
    chemotherapy: Verdict
    bone_modifying_agent: Verdict
    prognosis: Verdict
    discharge: Verdict
    noms: NomsSummary
    rules_version: str = RULES_VERSION

    @property
    def verdicts(self) -> tuple[Verdict, ...]:
        """All verdicts in display order (NOMS domains last)."""
        own = tuple(getattr(self, f.name) for f in fields(self) if isinstance(getattr(self, f.name), Verdict))
        n = self.noms
        return (*own, n.neurologic, n.oncologic, n.mechanical, n.systemic)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: ``rules_version``, one entry per rule, and ``noms`` by domain."""
        out: dict[str, Any] = {"rules_version": self.rules_version}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Verdict | NomsSummary):
                out[f.name] = value.to_dict()
        return out


def assess(patient: Mapping[str, Any]) -> PathwayAssessment:
    """Run every pathway rule on one patient (mapping keyed by cohort column names).

    Raises:
        InvalidInputError: a value present in ``patient`` is not valid for its column.
    """
    return PathwayAssessment(
        indication=surgical_indication(patient),
        procedure=procedure_choice(patient),
        radiotherapy=radiotherapy_prompt(patient),
        chemotherapy=chemotherapy_prompt(patient),
        bone_modifying_agent=bone_modifying_agent_prompt(patient),
        prognosis=prognosis_band(patient),
        discharge=discharge_home(patient),
        noms=NomsSummary(
            neurologic=noms_neurologic(patient),
            oncologic=noms_oncologic(patient),
            mechanical=noms_mechanical(patient),
            systemic=noms_systemic(patient),
        ),
    )
