"""Procedure, adjuvant prompts, prognosis and discharge rules (Uei 2018; Tokuhashi 2005)."""

from __future__ import annotations

from typing import Any

import pytest

from spinemet.errors import InvalidInputError
from spinemet.pathway import (
    bone_modifying_agent_prompt,
    chemotherapy_prompt,
    discharge_home,
    procedure_choice,
    prognosis_band,
    radiosensitivity,
    radiotherapy_prompt,
)


@pytest.mark.parametrize(
    ("level", "pedicles", "decision"),
    [
        ("T8", "yes", "mist"),
        ("L5", "yes", "mist"),
        ("C1", "yes", "conventional"),
        ("C7", "yes", "conventional"),
        ("T1", "yes", "mist"),
        ("T8", "no", "conventional"),
        ("T8", None, "undetermined"),
        (None, "yes", "undetermined"),
        (None, "no", "conventional"),
        ("C5", None, "conventional"),
    ],
)
def test_procedure(level: str | None, pedicles: str | None, decision: str) -> None:
    v = procedure_choice({"main_level": level, "pedicles_confirmable": pedicles})
    assert v.decision == decision
    if decision == "undetermined":
        assert v.missing == tuple(
            f for f, val in (("main_level", level), ("pedicles_confirmable", pedicles)) if val is None
        )
    else:
        assert v.missing == ()


def test_procedure_reasons_name_the_region() -> None:
    v = procedure_choice({"main_level": "C4", "pedicles_confirmable": "yes"})
    assert v.reasons[0] == "main level C4: occipito-cervical lesion, not treatable with MISt"
    assert v.reasons[-1] == "conventional posterior decompression and fixation"


@pytest.mark.parametrize(
    ("primary", "cls"),
    [
        ("lymphoma", "sensitive"),
        ("myeloma", "sensitive"),
        ("kidney", "resistant"),
        ("thyroid", "resistant"),
        ("colon", "resistant"),
        ("rectum", "resistant"),
        ("sarcoma", "unclassified"),
        ("osteosarcoma", "unclassified"),
        ("lung", "unclassified"),
        ("breast", "unclassified"),
        ("unknown", "unclassified"),
        ("Kidney", "resistant"),
        (None, None),
    ],
)
def test_radiosensitivity(primary: str | None, cls: str | None) -> None:
    assert radiosensitivity(primary) == cls


def test_radiosensitivity_rejects_unknown_codes() -> None:
    with pytest.raises(InvalidInputError, match="primary_tumor: got 'colorectal'"):
        radiosensitivity("colorectal")


@pytest.mark.parametrize(
    ("primary", "decision"),
    [
        ("kidney", "withhold"),
        ("thyroid", "withhold"),
        ("myeloma", "offer"),
        ("lung", "offer"),
        (None, "undetermined"),
    ],
)
def test_radiotherapy_prompt(primary: str | None, decision: str) -> None:
    v = radiotherapy_prompt({"primary_tumor": primary})
    assert v.decision == decision
    assert v.missing == (("primary_tumor",) if primary is None else ())


def test_radiotherapy_reasons() -> None:
    v = radiotherapy_prompt({"primary_tumor": "lung"})
    assert v.reasons[0].startswith("lung: radiosensitivity unclassified")
    assert "as long as it does not interfere with treatment of the primary cancer" in v.reasons[1]
    assert "Outcome evaluation" in v.citation


def test_chemotherapy_and_bone_modifying_agent_prompts() -> None:
    v = chemotherapy_prompt({"primary_tumor": "breast"})
    assert v.decision == "consider"
    assert (
        v.reasons[0]
        == "consider postoperative chemotherapy appropriate for breast cancer (refer to oncology)"
    )
    assert chemotherapy_prompt({"primary_tumor": "unknown"}).reasons[0].startswith("primary unidentified")
    assert chemotherapy_prompt({}).decision == "undetermined"
    b = bone_modifying_agent_prompt({})
    assert b.decision == "consider"
    assert "bisphosphonate or denosumab" in b.reasons[0]


def test_prognosis_from_components(patient: dict[str, Any]) -> None:
    v = prognosis_band(patient)
    assert v.decision == "9-11"
    assert v.reasons[0].startswith(
        "Tokuhashi 9 (band 9-11): predicted survival >= 6 months; suggested palliative"
    )
    assert "Primary site of the cancer kidney = 3" in v.reasons[1]


@pytest.mark.parametrize(
    ("total", "band"), [(0, "0-8"), (8, "0-8"), (9, "9-11"), (11, "9-11"), (12, "12-15")]
)
def test_prognosis_from_given_total(total: int, band: str) -> None:
    v = prognosis_band({"tokuhashi": total})
    assert v.decision == band
    assert v.reasons[0].startswith(f"Tokuhashi {total} (band {band})")


def test_prognosis_missing_lists_components() -> None:
    v = prognosis_band({"kps": 70, "primary_tumor": "lung"})
    assert v.decision == "undetermined"
    assert v.missing == ("extraspinal_bone_mets", "vertebral_mets", "visceral_mets", "frankel_pre")


def test_prognosis_given_total_must_agree(patient: dict[str, Any]) -> None:
    patient["tokuhashi"] = 10
    with pytest.raises(InvalidInputError) as err:
        prognosis_band(patient)
    assert err.value.field == "tokuhashi"


@pytest.mark.parametrize(
    ("values", "decision", "missing"),
    [
        ({"barthel_post": 70}, "criterion_met", ()),
        ({"barthel_post": 65, "family_care": "yes"}, "criterion_met", ()),
        ({"barthel_post": 65, "family_care": "no"}, "criterion_not_met", ()),
        ({"barthel_post": 65}, "undetermined", ("family_care",)),
        ({"family_care": "yes"}, "criterion_met", ()),
        ({"family_care": "no"}, "undetermined", ("barthel_post",)),
        ({"barthel_pre": 80, "barthel_post": 60, "family_care": "no"}, "criterion_not_met", ()),
        ({"barthel_pre": 80, "family_care": "no"}, "undetermined", ("barthel_post",)),
    ],
)
def test_discharge_home(values: dict[str, Any], decision: str, missing: tuple[str, ...]) -> None:
    v = discharge_home(values)
    assert v.decision == decision
    assert v.missing == missing


def test_discharge_reason_names_which_barthel() -> None:
    v = discharge_home({"barthel_pre": 45, "family_care": "no"})
    assert v.reasons[:2] == (
        "postoperative Barthel index not recorded",
        "preoperative Barthel index 45 shown for orientation only; "
        "the criterion applies to the highest postoperative value",
    )
    assert discharge_home({"barthel_post": 65}).reasons[0] == "postoperative Barthel index 65: < 70"
    with pytest.raises(InvalidInputError, match="barthel_post: got 72"):
        discharge_home({"barthel_post": 72})


def test_given_total_must_be_reachable_from_partial_items() -> None:
    # Lung (0) + Frankel A (0) + unremovable visceral (0): at most 0 + 0 + 0 + 2 + 2 + 2 = 6 < 12.
    patient = {"primary_tumor": "lung", "frankel_pre": "A", "visceral_mets": "unremovable", "tokuhashi": 12}
    with pytest.raises(InvalidInputError) as err:
        prognosis_band(patient)
    assert err.value.field == "tokuhashi"
    patient["tokuhashi"] = 5
    assert prognosis_band(patient).decision == "0-8"
