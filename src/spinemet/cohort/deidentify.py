"""De-identification of a cohort frame before it leaves the hospital.

What is changed (and nothing else):

- ``patient_id`` is re-keyed to ``"ID-"`` + the first 16 hex digits of HMAC-SHA256(key, id). The same
  key gives the same pseudonym for the same id (files stay linkable); without the key the id cannot be
  recovered or recomputed. Keep the key out of the shared data.
- Dates: ``per_patient`` shifts every date column of a patient by the same random number of days
  (1-``max_shift_days`` earlier or later, drawn from HMAC(key, seed, id)), so intervals within a patient
  (surgery to death, to follow-up) are preserved but calendar dates are not. ``intervals`` replaces
  every other date column by ``<column>_days_from_surgery`` and drops ``surgery_date``.
- Ages over 89 become the group ``"90+"`` (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)(i)(C)); the column
  then holds numbers and ``"90+"``, and ``write_cohort``/``read_cohort`` keep the group as ``"90+"`` in
  every format (never the number 90, which is a real age).
- Free text is dropped: every column that is not part of the format and holds text. Columns of the
  format are kept (``site`` names a centre, not a patient). Extra numeric columns are kept; extra date
  columns (datetime, or text columns named ``*_date``) are shifted like the others.

Rows come out sorted by pseudonym (never in the original id order), with a fresh 0..n-1 index. An
empty or whitespace-only key is refused (an unset shell variable must not pass for a key).

The result's ``attrs["deidentified"]`` records the method (never the key).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Literal

import numpy as np
import pandas as pd

from spinemet.cohort.dtypes import object_text
from spinemet.cohort.schema import COLUMN_BY_NAME

__all__ = ["deidentify", "pseudonym"]


def _key_bytes(key: bytes | str) -> bytes:
    if isinstance(key, str):
        key = key.encode("utf-8")
    if isinstance(key, bytes) and not key.strip():  # e.g. an unset variable in `--key "$KEY"`
        raise ValueError("key: got an empty or whitespace-only key; allowed: a secret of at least 16 bytes")
    if not isinstance(key, bytes) or len(key) < 16:
        raise ValueError("key: got a key shorter than 16 bytes; allowed: bytes or str of at least 16 bytes")
    return key


def pseudonym(patient_id: str, key: bytes | str) -> str:
    """The re-keyed id of one patient: ``"ID-"`` + 16 hex digits of HMAC-SHA256(key, id)."""
    digest = hmac.new(_key_bytes(key), str(patient_id).strip().encode("utf-8"), hashlib.sha256).hexdigest()
    return "ID-" + digest[:16]


def _offsets(ids: pd.Series, key: bytes, seed: int, max_days: int) -> np.ndarray:
    """Per-patient shift in days, in [-max_days, -1] or [1, max_days], from HMAC(key, seed, id)."""
    out = np.empty(len(ids), dtype=np.int64)
    prefix = f"date-shift|{seed}|".encode()
    for k, pid in enumerate(ids.tolist()):
        d = hmac.new(key, prefix + str(pid).strip().encode("utf-8"), hashlib.sha256).digest()
        v = int.from_bytes(d[:8], "big")
        magnitude = 1 + v % max_days
        out[k] = magnitude if (v >> 63) & 1 else -magnitude
    return out


def _date_columns(frame: pd.DataFrame) -> dict[str, pd.Series]:
    cols: dict[str, pd.Series] = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            cols[str(name)] = s
        elif s.dtype == object and str(name).endswith("_date"):
            cols[str(name)] = pd.to_datetime(s, format="%Y-%m-%d", errors="coerce")
    return cols


def deidentify(
    frame: pd.DataFrame,
    *,
    key: bytes | str,
    shift_dates: Literal["per_patient", "intervals"] = "per_patient",
    seed: int = 0,
    max_shift_days: int = 365,
) -> pd.DataFrame:
    """A de-identified copy of a cohort frame (see the module docstring for exactly what changes)."""
    k = _key_bytes(key)
    if shift_dates not in ("per_patient", "intervals"):
        raise ValueError(f"shift_dates: got {shift_dates!r}; allowed: one of: per_patient, intervals")
    if not isinstance(max_shift_days, int) or max_shift_days < 1:
        raise ValueError(f"max_shift_days: got {max_shift_days!r}; allowed: integer >= 1")
    if "patient_id" not in frame.columns:
        raise ValueError("frame: got no patient_id column; allowed: a cohort frame with patient_id")
    ids = frame["patient_id"]
    dates = _date_columns(frame)
    out = pd.DataFrame(index=frame.index)
    dropped: list[str] = []
    for name in frame.columns:
        s = frame[name]
        col = COLUMN_BY_NAME.get(str(name))
        if name in dates:
            continue
        if col is None and not pd.api.types.is_numeric_dtype(s.dtype):
            dropped.append(str(name))
            continue
        out[name] = s
    out["patient_id"] = [None if pd.isna(v) else pseudonym(v, k) for v in ids.tolist()]
    if dates:
        if shift_dates == "per_patient":
            shift = pd.to_timedelta(_offsets(ids, k, seed, max_shift_days), unit="D")
            for name, s in dates.items():
                out[name] = (s + shift).astype("datetime64[ns]")
        else:
            surgery = dates.get("surgery_date")
            for name, s in dates.items():
                if name == "surgery_date":
                    continue
                if surgery is None:
                    raise ValueError(f"shift_dates: 'intervals' needs surgery_date to express {name} as days")
                out[f"{name}_days_from_surgery"] = (s - surgery).dt.days.astype(float)
    if "age" in out.columns:
        age = pd.to_numeric(out["age"].replace("90+", 90), errors="coerce").to_numpy(dtype=float)
        grouped = np.where(age > 89, "90+", age.astype(object))
        out["age"] = pd.Series(np.where(np.isnan(age), np.nan, grouped), index=out.index, dtype=object)
    order = [c for c in frame.columns if c in out.columns] + [
        c for c in out.columns if c not in frame.columns
    ]
    # rows sorted by pseudonym: the original (often chronological or alphabetical) id order would let
    # a reader link rows back to a known list of patients
    result = out[order].sort_values("patient_id", kind="stable", na_position="last").reset_index(drop=True)
    result = object_text(result)  # pandas 3: text columns object, as the cohort layer types them
    result.attrs["deidentified"] = {
        "ids": "HMAC-SHA256(key, patient_id), first 16 hex digits",
        "dates": shift_dates if dates else "no date columns",
        "max_shift_days": max_shift_days if shift_dates == "per_patient" else None,
        "age": "ages over 89 grouped as 90+",
        "dropped_text_columns": dropped,
    }
    return result
