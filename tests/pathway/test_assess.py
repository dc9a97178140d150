"""NOMS summary and the full assessment."""

from __future__ import annotations

import json
from typing import Any

from spinemet.pathway import (
    RULES_VERSION,
    PathwayAssessment,
    assess,
    noms_mechanical,
    noms_neurologic,
    noms_oncologic,
    noms_systemic,
)


def test_noms_domains_are_separate(patient: dict[str, Any]) -> None:
    assert noms_neurologic(patient).decision == "high_grade_escc"
    assert noms_neurologic(patient).reasons == (
        "ESCC grade 2 (high grade epidural compression; Bilsky 2010)",
        "Frankel D2: motor deficit (paralysis)",
    )
    onc = noms_oncologic(patient)
    assert onc.decision == "radioresistant"
    assert onc.reasons[1].startswith("radioresistant with high-grade ESCC: separation surgery, then SRS")
    assert noms_mechanical(patient).decision == "potentially_unstable"
    assert noms_systemic(patient).decision == "adequate"  # KPS 70 -> ECOG 1


def test_noms_variants() -> None:
    assert noms_neurologic({"escc": "1c"}).decision == "low_grade_escc"
    assert noms_neurologic({"escc": 3.0}).decision == "high_grade_escc"
    assert noms_neurologic({}).missing == ("escc",)
    low = noms_oncologic({"primary_tumor": "thyroid", "escc": "1b"})
    assert low.reasons[1].startswith("radioresistant without high-grade ESCC: stereotactic radiosurgery")
    assert noms_oncologic({"primary_tumor": "myeloma"}).decision == "radiosensitive"
    assert noms_oncologic({"primary_tumor": "breast"}).decision == "unclassified"
    assert noms_mechanical({"sins": 13}).decision == "unstable"
    assert noms_mechanical({"sins": 6}).decision == "stable"
    assert noms_systemic({"ecog": 4}).decision == "poor"
    assert noms_systemic({"kps": 30}).decision == "poor"
    assert noms_systemic({}).missing == ("ecog", "kps")


def test_assess_runs_every_rule(patient: dict[str, Any]) -> None:
    a = assess(patient)
    assert isinstance(a, PathwayAssessment)
    decisions = {v.rule: v.decision for v in a.verdicts}
    assert decisions == {
        "surgical_indication": "indicated",
        "procedure": "mist",
        "radiotherapy": "withhold",
        "chemotherapy": "consider",
        "bone_modifying_agent": "consider",
        "prognosis": "9-11",
        "discharge_home": "undetermined",  # only a preoperative Barthel (45) and no family care
        "noms_neurologic": "high_grade_escc",
        "noms_oncologic": "radioresistant",
        "noms_mechanical": "potentially_unstable",
        "noms_systemic": "adequate",
    }
    assert all(v.rule_version == RULES_VERSION and v.citation and v.reasons for v in a.verdicts)


def test_to_dict_is_json(patient: dict[str, Any]) -> None:
    d = json.loads(json.dumps(assess(patient).to_dict()))
    assert d["rules_version"] == RULES_VERSION
    assert set(d) == {
        "rules_version", "indication", "procedure", "radiotherapy", "chemotherapy", "bone_modifying_agent",
        "prognosis", "discharge", "noms",
    }  # fmt: skip
    assert set(d["noms"]) == {"neurologic", "oncologic", "mechanical", "systemic"}
    assert d["indication"]["decision"] == "indicated"
    assert d["indication"]["missing"] == []
    assert d["noms"]["mechanical"]["reasons"][0].startswith("SINS 9")


def test_empty_patient_is_undetermined_not_guessed() -> None:
    a = assess({})
    undetermined = [v.rule for v in a.verdicts if v.decision == "undetermined"]
    assert "bone_modifying_agent" not in undetermined
    assert len(undetermined) == len(a.verdicts) - 1
    assert all(v.missing for v in a.verdicts if v.decision == "undetermined")
