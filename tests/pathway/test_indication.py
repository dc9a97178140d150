"""Surgical indication (Uei 2018, Methods "Surgical indication")."""

from __future__ import annotations

import math
from typing import Any

import pytest

from spinemet.errors import InvalidInputError
from spinemet.pathway import RULES_VERSION, surgical_indication


def _reason(verdict, prefix: str) -> str:
    return next(r for r in verdict.reasons if r.startswith(prefix))


def test_indicated_with_every_reason(patient: dict[str, Any]) -> None:
    v = surgical_indication(patient)
    assert v.decision == "indicated"
    assert v.missing == ()
    assert v.rule_version == RULES_VERSION
    assert "Surgical indication" in v.citation
    assert len(v.reasons) == 6  # three indications and three exclusions, each stated
    assert "SINS 9 (potentially unstable, 7-12): threatened instability (Fisher 2010)" in _reason(
        v, "indication (1) met"
    )
    assert "Frankel D2" in _reason(v, "indication (2) met")
    assert "kidney" in _reason(v, "indication (3) met")
    assert "Tokuhashi 9 (band 9-11)" in _reason(v, "exclusion (2) does not apply")


def test_stable_spine_without_deficit_or_resistant_cancer_is_not_indicated(patient: dict[str, Any]) -> None:
    # SINS: T8 1 + occasional 1 + blastic 0 + normal 0 + none 0 + none 0 = 2 (stable).
    patient.update(
        primary_tumor="prostate",
        frankel_pre="E",
        sins_pain="occasional",
        sins_lesion="blastic",
        sins_collapse="none",
        sins_posterolateral="none",
    )
    v = surgical_indication(patient)
    assert v.decision == "not_indicated"
    assert "SINS 2 (stable, 0-6)" in _reason(v, "indication (1) not met")
    assert _reason(v, "indication (2) not met") == "indication (2) not met: Frankel E: no motor deficit"


def test_sins_threshold_is_seven(patient: dict[str, Any]) -> None:
    base = {"primary_tumor": "prostate", "frankel_pre": "E"}
    for k in ("sins_pain", "sins_lesion", "sins_alignment", "sins_collapse", "sins_posterolateral"):
        patient.pop(k)
    patient.update(base, sins=7)
    assert surgical_indication(patient).decision == "indicated"
    patient.update(sins=6)
    assert surgical_indication(patient).decision == "not_indicated"


def test_instability_without_intractable_pain_is_not_indication_1(patient: dict[str, Any]) -> None:
    patient.update(primary_tumor="prostate", frankel_pre="E", intractable_pain="no")
    v = surgical_indication(patient)
    assert v.decision == "not_indicated"


def test_en_bloc_candidate_is_excluded(patient: dict[str, Any]) -> None:
    patient["en_bloc_candidate"] = "yes"
    v = surgical_indication(patient)
    assert v.decision == "excluded"
    assert "total en bloc spondylectomy" in _reason(v, "exclusion (1) applies")


def test_short_survival_and_responsive_is_excluded(patient: dict[str, Any]) -> None:
    # Tokuhashi with lung (0) instead of kidney (3): 9 - 3 = 6 (< 6 months).
    patient.update(primary_tumor="lung", analgesic_or_rt_responsive="yes")
    v = surgical_indication(patient)
    assert v.decision == "excluded"
    assert "Tokuhashi 6 (band 0-8)" in _reason(v, "exclusion (2) applies")
    # Tokuhashi 9 with responsive pain: exclusion (2) needs both.
    patient.update(primary_tumor="kidney")
    assert surgical_indication(patient).decision == "indicated"


def test_poor_condition_read_as_ecog_and_kps_crosswalk(patient: dict[str, Any]) -> None:
    patient.update(reduced_will_to_live="yes", ecog=3)
    v = surgical_indication(patient)
    assert v.decision == "excluded"
    assert "ECOG PS 3" in _reason(v, "exclusion (3) applies")
    patient.update(ecog=2)
    assert surgical_indication(patient).decision == "indicated"
    # KPS 40 -> ECOG 3 (usual crosswalk); the Tokuhashi general-condition item becomes 0: total 8.
    del patient["ecog"]
    patient.update(kps=40)
    v = surgical_indication(patient)
    assert v.decision == "excluded"
    assert "KPS 40 ≈ ECOG PS 3" in _reason(v, "exclusion (3) applies")
    patient.update(kps=50)
    assert surgical_indication(patient).decision == "indicated"


def test_missing_exclusion_input_makes_it_undetermined(patient: dict[str, Any]) -> None:
    del patient["en_bloc_candidate"]
    v = surgical_indication(patient)
    assert v.decision == "undetermined"
    assert v.missing == ("en_bloc_candidate",)


def test_missing_values_as_nan_none_and_blank(patient: dict[str, Any]) -> None:
    patient.update(primary_tumor="prostate", frankel_pre=math.nan, intractable_pain=None)
    v = surgical_indication(patient)
    assert v.decision == "undetermined"
    assert v.missing[:2] == ("intractable_pain", "frankel_pre")
    patient.update(frankel_pre="E", intractable_pain="")
    assert surgical_indication(patient).missing[:1] == ("intractable_pain",)


def test_any_exclusion_outweighs_missing_indication_inputs() -> None:
    v = surgical_indication({"en_bloc_candidate": "yes"})
    assert v.decision == "excluded"
    assert v.missing == ()


def test_typed_frame_values_are_accepted(patient: dict[str, Any]) -> None:
    patient.update(kps=70.0, extraspinal_bone_mets=1.0, vertebral_mets=2.0, barthel_pre=45.0)
    assert surgical_indication(patient).decision == "indicated"


@pytest.mark.parametrize(
    ("field", "value"),
    [("intractable_pain", "maybe"), ("kps", 75), ("primary_tumor", "spleen"), ("ecog", 7)],
)
def test_invalid_value_names_the_field(patient: dict[str, Any], field: str, value: Any) -> None:
    patient[field] = value
    with pytest.raises(InvalidInputError) as err:
        surgical_indication(patient)
    assert err.value.field == field
