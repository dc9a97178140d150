"""REDCap records export + data dictionary (fixtures in tests/data/redcap/)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from spinemet.cohort import CohortValidationError, read_cohort, validate_file
from spinemet.cohort.redcap import parse_choices, read_data_dictionary

DATA = Path(__file__).resolve().parents[1] / "data" / "redcap"
DICTIONARY = DATA / "spinemet_dictionary.csv"


def test_parse_choices():
    assert parse_choices("1, lung | 2, liver |99, unknown") == {"1": "lung", "2": "liver", "99": "unknown"}
    assert parse_choices("0, 0 | 1, 1a") == {"0": "0", "1": "1a"}
    with pytest.raises(ValueError, match="choices"):
        parse_choices("1 lung")


def test_dictionary_is_read():
    fields = {f.name: f for f in read_data_dictionary(DICTIONARY)}
    assert fields["complications"].field_type == "checkbox"
    assert fields["complications"].choices["9"] == "other"
    assert fields["sex"].form == "baseline"


def test_redcap_export_maps_codes_to_format_values():
    cohort = read_cohort(DATA / "spinemet_records.csv", data_dictionary=DICTIONARY)
    f = cohort.frame
    assert f["patient_id"].tolist() == ["R001", "R002", "R003"]
    assert f["sex"].tolist() == ["M", "F", "M"]
    assert f["primary_tumor"].tolist() == [
        "lung",
        "prostate",
        "unknown",
    ]  # label "Lung" matched ignoring case
    assert f["kps"].tolist() == [60.0, 80.0, 40.0]
    assert f["escc"].tolist() == ["2", "1a", "3"]  # radio codes 4, 1, 5 -> labels
    assert f["chemotherapy"].tolist() == ["yes", "no", "no"]  # yesno field
    assert f["dead"].tolist() == [1.0, 0.0, 1.0]  # labels Alive/Died are not codes: the codes 0/1 are kept
    assert f["complications"].iloc[1:].tolist() == ["massive_bleeding;wound_dehiscence", "early_death;other"]
    assert pd.isna(f["complications"].iat[0])
    assert f["surgery_date"].tolist()[0] == pd.Timestamp("2015-03-02")
    assert "redcap_event_name" not in f.columns and "baseline_complete" not in f.columns
    messages = [w.message for w in cohort.warnings]
    assert any("REDCap columns dropped: redcap_event_name, baseline_complete" in m for m in messages)
    assert any("'record_id' read as patient_id" in m for m in messages)


def test_redcap_problems_name_export_rows():
    with pytest.raises(CohortValidationError) as info:
        read_cohort(DATA / "spinemet_records_bad.csv", data_dictionary=DICTIONARY)
    errors = [(p.row, p.column, p.value) for p in info.value.problems if p.severity == "error"]
    assert errors == [
        (2, "sex", "3"),
        (3, "complications___4", "2"),
        (4, "primary_tumor", "7"),
        (4, "dead", "0"),
    ]


def test_redcap_format_needs_a_dictionary():
    with pytest.raises(ValueError, match="data_dictionary"):
        validate_file(DATA / "spinemet_records.csv", fmt="redcap")


def test_redcap_columns_without_dictionary_are_unknown():
    report = validate_file(DATA / "spinemet_records.csv")
    unknown = {p.column for p in report.errors if p.row == 1}
    assert {"record_id", "redcap_event_name", "complications___1"} <= unknown


def test_redcap_label_export_is_read_like_codes(tmp_path):
    text = (DATA / "spinemet_records.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    cells = text[1].split(",")
    cells[header.index("primary_tumor")] = "Lung"
    cells[header.index("dead")] = "Died"
    cells[header.index("sex")] = "M"
    path = tmp_path / "labels.csv"
    path.write_text("\n".join([text[0], ",".join(cells), *text[2:]]) + "\n", encoding="utf-8")
    f = read_cohort(path, data_dictionary=DICTIONARY).frame
    assert (f["primary_tumor"].iat[0], f["dead"].iat[0], f["sex"].iat[0]) == ("lung", 1.0, "M")
