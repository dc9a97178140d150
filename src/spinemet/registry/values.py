"""Conversion between cohort-frame cells and the typed values stored in ``patient_value``.

A stored value is a triple ``(value_num, value_text, value_date)`` with exactly one member set:
numbers (float64 in the cohort frame) go to ``value_num``, text/categorical labels to ``value_text``,
dates (``surgery_date``) to ``value_date``. A missing cell (NA, NaN, empty string) is not stored.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["StoredValue", "column_values", "format_value", "from_cell", "to_cell"]

StoredValue = tuple[float | None, str | None, dt.date | None]


def from_cell(value: Any) -> StoredValue | None:
    """The stored triple for one frame cell, or ``None`` when the cell is missing."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, str):
        return None if value == "" else (None, value, None)
    if isinstance(value, pd.Timestamp | dt.datetime):
        return (None, None, pd.Timestamp(value).date())
    if isinstance(value, dt.date):
        return (None, None, value)
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else (None, None, pd.Timestamp(value).date())
    if isinstance(value, bool | np.bool_):
        return (float(value), None, None)
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return None if math.isnan(number) else (number, None, None)
    if pd.isna(value):
        return None
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def to_cell(stored: StoredValue) -> Any:
    """The frame cell for a stored triple (float, str or ``pd.Timestamp``)."""
    num, text, date = stored
    if num is not None:
        return float(num)
    if text is not None:
        return text
    return pd.Timestamp(date)


def format_value(stored: StoredValue | None) -> str | None:
    """Text for the audit trail: ``80`` for 80.0, ``2.5``, the label, or the ISO date."""
    if stored is None:
        return None
    num, text, date = stored
    if num is not None:
        return str(int(num)) if float(num).is_integer() else repr(float(num))
    if text is not None:
        return text
    assert date is not None
    return date.isoformat()


def column_values(series: pd.Series) -> list[StoredValue | None]:
    """:func:`from_cell` for a whole column, vectorised for float and datetime columns."""
    if pd.api.types.is_float_dtype(series.dtype):
        array = series.to_numpy(dtype="float64")
        return [None if x != x else (x, None, None) for x in array.tolist()]
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        missing = series.isna().to_numpy()
        dates = series.dt.date.tolist()
        return [None if m else (None, None, d) for m, d in zip(missing, dates, strict=True)]
    return [from_cell(v) for v in series.tolist()]
