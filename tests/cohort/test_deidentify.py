"""De-identification: pseudonyms re-keyed, dates shifted per patient, ages over 89 grouped, text dropped."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from spinemet.cohort import deidentify, read_cohort, synth, validate_frame, write_cohort
from spinemet.cohort.deidentify import pseudonym

KEY = b"0123456789abcdef-test-key"


def _deid(frame: pd.DataFrame, key: bytes | str = KEY, **kwargs: object) -> pd.DataFrame:
    """``deidentify`` with its rows put back in the input's order (it sorts them by pseudonym)."""
    out = deidentify(frame, key=key, **kwargs)  # type: ignore[arg-type]
    order = {pseudonym(p, key): k for k, p in enumerate(frame["patient_id"])}
    aligned = out.iloc[np.argsort(out["patient_id"].map(order).to_numpy(), kind="stable")]
    return aligned.set_index(frame.index)


@pytest.fixture
def frame() -> pd.DataFrame:
    f = synth(300, seed=9, sites=2)
    f.loc[:4, "age"] = [89.0, 90.0, 95.0, np.nan, 120.0]
    f["death_date"] = f["surgery_date"] + pd.to_timedelta(np.round(f["survival_months"] * 30.4375), unit="D")
    f["surgeon_notes"] = "seen by Dr Tanaka"
    f["bmi"] = 22.5
    return f


def test_ids_are_rekeyed_with_hmac_and_not_present(frame):
    out = _deid(frame, key=KEY)
    assert not set(frame["patient_id"]) & set(out["patient_id"])
    expected = "ID-" + hmac.new(KEY, b"SYN-0000001", hashlib.sha256).hexdigest()[:16]
    assert out["patient_id"].iat[0] == expected == pseudonym("SYN-0000001", KEY)
    assert out["patient_id"].is_unique
    again = _deid(frame, key=KEY)
    assert again["patient_id"].tolist() == out["patient_id"].tolist()  # same key: linkable
    other = _deid(frame, key=b"another key of 16+ bytes")
    assert not set(other["patient_id"]) & set(out["patient_id"])
    text = out.to_csv()
    assert "SYN-0000001" not in text and "Tanaka" not in text


def test_dates_shifted_per_patient_and_intervals_preserved(frame):
    out = _deid(frame, key=KEY, seed=3)
    shift = (out["surgery_date"] - frame["surgery_date"]).dt.days
    assert (shift != 0).all() and shift.abs().max() <= 365
    assert shift.nunique() > 100  # per patient, not one offset for all
    before = (frame["death_date"] - frame["surgery_date"]).dt.days
    after = (out["death_date"] - out["surgery_date"]).dt.days
    assert after.equals(before)
    assert (_deid(frame, key=KEY, seed=3)["surgery_date"] == out["surgery_date"]).all()
    assert not (_deid(frame, key=KEY, seed=4)["surgery_date"] == out["surgery_date"]).all()


def test_intervals_mode(frame):
    out = _deid(frame, key=KEY, shift_dates="intervals")
    assert "surgery_date" not in out.columns and "death_date" not in out.columns
    expected = (frame["death_date"] - frame["surgery_date"]).dt.days.astype(float)
    assert out["death_date_days_from_surgery"].equals(expected.rename("death_date_days_from_surgery"))


def test_ages_over_89_grouped(frame):
    out = _deid(frame, key=KEY)
    assert out["age"].iloc[:5].tolist()[:3] == [89.0, "90+", "90+"]
    assert pd.isna(out["age"].iat[3]) and out["age"].iat[4] == "90+"
    numeric = [a for a in out["age"] if not isinstance(a, str) and not pd.isna(a)]
    assert max(numeric) <= 89


def test_free_text_dropped_numbers_kept(frame):
    out = _deid(frame, key=KEY)
    assert "surgeon_notes" not in out.columns
    assert out["bmi"].tolist() == frame["bmi"].tolist()
    assert out.attrs["deidentified"]["dropped_text_columns"] == ["surgeon_notes"]
    assert out["kps"].tolist() == frame["kps"].tolist()
    assert KEY.decode() not in repr(out.attrs)


def test_deidentified_frame_is_a_valid_cohort(tmp_path, frame):
    out = _deid(frame.drop(columns=["death_date", "bmi"]), key=KEY)
    assert [p for p in validate_frame(out) if p.severity == "error"] == []
    path = tmp_path / "shared.csv"
    write_cohort(out, path)
    back = read_cohort(path).frame
    assert back["age"].iat[1] == "90+"  # the group itself, not the number 90
    assert back["patient_id"].tolist() == out["patient_id"].tolist()


def test_rows_come_out_sorted_by_pseudonym_not_in_id_order(frame):
    out = deidentify(frame, key=KEY)
    assert out["patient_id"].tolist() == sorted(pseudonym(p, KEY) for p in frame["patient_id"])
    assert out.index.tolist() == list(range(len(frame)))


@pytest.mark.parametrize("key", ["", "   ", "\t\n", b"", b"                    "])
def test_empty_or_blank_keys_are_refused(key):
    with pytest.raises(ValueError, match="empty or whitespace-only"):
        deidentify(synth(3), key=key)


def test_bad_arguments():
    f = synth(3)
    with pytest.raises(ValueError, match="key"):
        deidentify(f, key="short")
    with pytest.raises(ValueError, match="shift_dates"):
        deidentify(f, key=KEY, shift_dates="yearly")  # type: ignore[arg-type]


@pytest.mark.parametrize("ext", ["csv", "xlsx", "sav"])
def test_90_plus_survives_writing_and_reading(tmp_path, ext):
    """HIPAA Safe Harbor: deidentify groups age 92 as "90+"; write_cohort + read_cohort keep "90+" (not 90)
    in every format, and a real 90 in a frame that was not de-identified stays the number 90."""
    f = pd.DataFrame({"patient_id": ["A", "B", "C"], "age": [92.0, 60.0, np.nan]})
    out = _deid(f, key="0123456789abcdefXYZ")
    path = tmp_path / f"shared.{ext}"
    write_cohort(out, path)
    back = read_cohort(path).frame
    assert back["age"].tolist()[:2] == ["90+", 60.0] and pd.isna(back["age"].iat[2])
    pd.testing.assert_frame_equal(back, out.reset_index(drop=True), check_exact=True)
    mixed = pd.DataFrame({"patient_id": ["R", "G"], "age": [90.0, "90+"]}, dtype=object)
    write_cohort(mixed, path)
    assert read_cohort(path).frame["age"].tolist() == [90.0, "90+"]
    if ext == "csv":
        assert path.read_text(encoding="utf-8").splitlines()[1:] == ["R,90", "G,90+"]
