"""Cohort SPSS files (.sav, pyreadstat): value labels mapped to the format's codes, and writing.

Reading: a labelled code becomes its label when the label is one of the column's codes (compared
without regard to case: a label ``Lung`` gives ``lung``); otherwise the code itself is kept when it is a
valid code (``dead`` 0/1 labelled "died"); otherwise the cell is reported as ``code (label)``.
Row numbers are the case index + 2 (case 1 of SPSS's Data View is row 2, as in a CSV export).

Writing: categorical columns become numeric codes with value labels equal to the format's codes
(``yes``/``no`` as 1/0, ``dead`` 0/1, ``escc`` 0-5 in grade order, others 1..k in the format's order);
every variable's label is the column's meaning.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spinemet.cohort.atomic_file import replacing
from spinemet.cohort.problems import CohortValidationError, Problem
from spinemet.cohort.raw import RawTable
from spinemet.cohort.schema import COLUMN_BY_NAME, YES_NO, Column

__all__ = ["read_sav_raw", "sav_codes", "write_sav"]


def sav_codes(name: str) -> dict[int, str]:
    """The numeric codes written for a categorical column: code -> format value."""
    col = COLUMN_BY_NAME[name]
    if col.values == YES_NO:
        return {1: "yes", 0: "no"}
    if col.kind == "binary":
        return {int(v): v for v in col.values}
    if name == "escc":
        return dict(enumerate(col.values))
    return {k + 1: v for k, v in enumerate(col.values)}


SPECIAL_CODE = 999
"""The SPSS code of a numeric column's special token (``age`` ``90+``): labelled with the token and
declared user-missing."""

_DEAD_LABELS = {0: "alive at last follow-up (censored)", 1: "died"}


def label_map(name: str, labels: dict[Any, str]) -> dict[Any, str]:
    """Code -> cell value for a labelled categorical column (see the module docstring for the rule)."""
    col = COLUMN_BY_NAME[name]
    allowed = {v.lower(): v for v in col.values}
    if name in ("frankel_pre", "frankel_post"):
        allowed["d"] = "D"
    out: dict[Any, str] = {}
    for code, label in labels.items():
        text = str(label).strip()
        key = code
        integral = isinstance(code, float) and code.is_integer()
        code_text = str(int(code)) if integral else str(code).strip()
        if text.lower() in allowed:
            out[key] = allowed[text.lower()]
        elif code_text in col.values:
            out[key] = code_text
        else:
            out[key] = f"{code_text} (label {text!r})"
    return out


def _user_missing(s: pd.Series, col: Column | None, meta: Any, labels: dict[Any, str]) -> pd.Series:
    """SPSS user-missing values become missing, except a code labelled with the column's special token
    (``age`` 999 labelled ``90+``), which becomes that token."""
    ranges = (getattr(meta, "missing_ranges", None) or {}).get(s.name)
    if not ranges or not pd.api.types.is_numeric_dtype(s.dtype):
        return s
    x = s.to_numpy(dtype=float)
    miss = np.zeros(len(s), dtype=bool)
    for r in ranges:
        miss |= (x >= float(r["lo"])) & (x <= float(r["hi"]))
    if not miss.any():
        return s
    tokens = {t for t, _ in col.special} if col is not None else set()
    keep = {float(code): str(label).strip() for code, label in labels.items() if str(label).strip() in tokens}
    if not keep:
        return s.where(~miss, np.nan)
    out = s.astype(object).where(~miss, None)
    for code, token in keep.items():
        out[miss & (x == code)] = token
    return out


def read_sav_raw(path: str | os.PathLike[str]) -> RawTable:
    """Read an SPSS .sav file into a :class:`RawTable` with labelled codes mapped to format values."""
    import pyreadstat

    source = str(path)
    if not Path(path).exists():
        raise FileNotFoundError(path)
    try:
        df, meta = pyreadstat.read_sav(str(path), dates_as_pandas_datetime=True, user_missing=True)
    except pyreadstat.ReadstatError as exc:
        raise CohortValidationError(
            [Problem(None, None, None, "an SPSS .sav file", f"not a readable .sav file ({exc})")], source
        ) from None
    labels = meta.variable_value_labels or {}
    out: dict[str, pd.Series] = {}
    for name in df.columns:
        s = _user_missing(df[name], COLUMN_BY_NAME.get(name), meta, labels.get(name, {}))
        col = COLUMN_BY_NAME.get(name)
        if col is not None and col.kind in ("category", "binary", "multi") and name in labels:
            mapping = label_map(name, labels[name])
            mapped = s.map(mapping)
            s = mapped.where(mapped.notna(), s.astype(object))
        if s.dtype == object:
            s = s.where(~s.isin([""]), None)
        out[name] = s
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(df)))
    return RawTable(frame, np.arange(2, len(df) + 2, dtype=np.int64), header_row=None)


def write_sav(typed: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a typed cohort frame as SPSS .sav with value labels and variable labels (= meanings)."""
    import pyreadstat

    path = Path(path)
    data: dict[str, Any] = {}
    value_labels: dict[str, dict[int, str]] = {}
    measure: dict[str, str] = {}
    missing: dict[str, list[Any]] = {}
    for name in typed.columns:
        s = typed[name]
        col = COLUMN_BY_NAME.get(str(name))
        if col is not None and col.kind in ("category", "binary"):
            codes = sav_codes(col.name)
            inverse = {v: float(k) for k, v in codes.items()}
            if col.name in ("frankel_pre", "frankel_post"):
                inverse["D"] = float(max(codes) + 1)
                codes = {**codes, max(codes) + 1: "D"}
            data[name] = s.map(inverse).astype(float) if col.kind == "category" else s.astype(float)
            value_labels[name] = _DEAD_LABELS if col.name == "dead" else codes
            measure[name] = "ordinal" if col.name in ("escc", "frankel_pre", "frankel_post") else "nominal"
        elif col is not None and col.kind == "date":
            data[name] = s.dt.date.where(s.notna(), None)
            measure[name] = "scale"
        elif col is not None and col.numeric and col.special and s.dtype == object:
            # age "90+": the sentinel code 999 labelled "90+" and declared user-missing, so SPSS shows
            # the group and leaves it out of statistics on age (it is not a number of years)
            token = col.special[0][0]
            data[name] = s.where(s != token, float(SPECIAL_CODE)).astype(float)
            value_labels[name] = {SPECIAL_CODE: token}
            missing[name] = [SPECIAL_CODE]
            measure[name] = "scale"
        elif col is not None and col.numeric:
            data[name] = s.astype(float)
            measure[name] = "scale"
        else:
            data[name] = s.astype(object).where(s.notna(), "")
            measure[name] = "nominal"
    frame = pd.DataFrame(data)
    column_labels = [COLUMN_BY_NAME[c].meaning if c in COLUMN_BY_NAME else str(c) for c in frame.columns]
    with replacing(path) as tmp:
        pyreadstat.write_sav(
            frame,
            str(tmp),
            column_labels=column_labels,
            variable_value_labels=value_labels,
            variable_measure=measure,
            missing_ranges=missing or None,
        )
