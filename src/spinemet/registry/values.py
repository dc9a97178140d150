"""Conversion between cohort-frame columns and the typed columns of the ``patient`` table.

Each cohort field is stored in its own column (see :mod:`spinemet.registry.models`): ``integer`` and
``binary`` fields as whole numbers, ``number`` fields as floats, ``date`` fields as dates, codes and text as
text. A missing cell (NA, NaN, NaT, empty string) is NULL. A special token of a numeric field (``age``
``"90+"``) goes to the field's ``<field>_special`` column and leaves the number NULL.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spinemet.registry.errors import RegistryError

__all__ = ["FIELDS", "FIELD_BY_NAME", "Field", "column_cells", "format_value", "to_series"]

#: A value as stored in one typed column (``None`` = missing).
Cell = int | float | str | dt.date | None


@dataclass(frozen=True)
class Field:
    """A cohort field as stored: its column, SQL kind (``int``/``float``/``date``/``text``) and the
    name of its special-token column (``None`` when the field has no special tokens)."""

    name: str
    kind: str
    special_column: str | None = None
    special_tokens: tuple[str, ...] = ()


def _fields() -> tuple[Field, ...]:
    from spinemet.cohort.schema import COLUMNS
    from spinemet.registry.models import SPECIAL_SUFFIX

    kinds = {"integer": "int", "binary": "int", "number": "float", "date": "date"}
    out = []
    for col in COLUMNS:
        if col.name in ("patient_id", "site"):
            continue
        special = col.name + SPECIAL_SUFFIX if col.special else None
        out.append(Field(col.name, kinds.get(col.kind, "text"), special, tuple(t for t, _ in col.special)))
    return tuple(out)


#: Every value field of the registry, in cohort-schema order.
FIELDS: tuple[Field, ...] = _fields()
FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}


def _bad(field: Field, position: int, allowed: str) -> RegistryError:
    # The value itself is not echoed: it may be identifying; the row and field locate it.
    return RegistryError(f"{field.name}: invalid value in frame row {position}; allowed: {allowed}")


def column_cells(
    series: pd.Series, field: Field, offset: int = 0
) -> tuple[list[Cell], list[str | None] | None]:
    """The stored values of one frame column, and its special tokens (``None`` when it has none);
    ``offset`` is the frame row of the first cell (for messages).

    Raises:
        RegistryError: a cell that does not fit the field's type (naming the field and frame row).
    """
    if field.kind in ("int", "float") and pd.api.types.is_numeric_dtype(series.dtype):
        array = series.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(array) | np.isnan(array)
        if not finite.all():
            raise _bad(field, offset + int(np.argmin(finite)), "a finite number")
        missing = np.isnan(array)
        if field.kind == "int":
            whole = missing | (array == np.round(array))
            if not whole.all():
                raise _bad(field, offset + int(np.argmin(whole)), "a whole number")
            out = np.where(missing, 0, array).astype(np.int64).astype(object)
        else:
            out = array.astype(object)
        out[missing] = None
        return out.tolist(), None
    if field.kind == "date" and pd.api.types.is_datetime64_any_dtype(series.dtype):
        missing = series.isna().to_numpy()
        dates = series.dt.date.tolist()
        return [None if m else d for m, d in zip(missing, dates, strict=True)], None
    if field.kind == "text" and pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        cells = series.to_numpy(dtype=object, copy=True)
        cells[series.isna().to_numpy() | (cells == "")] = None
        return cells.tolist(), None
    values: list[Cell] = []
    tokens: list[str | None] | None = None
    for position, cell in enumerate(series.tolist()):
        if field.special_tokens and isinstance(cell, str) and cell in field.special_tokens:
            if tokens is None:
                tokens = [None] * len(series)
            tokens[position] = cell
            values.append(None)
            continue
        values.append(_cell(cell, field, offset + position))
    return values, tokens


def _cell(value: Any, field: Field, position: int) -> Cell:
    if value is None or value is pd.NaT or (isinstance(value, str) and value == ""):
        return None
    if not isinstance(value, str) and pd.isna(value):
        return None
    if field.kind == "text":
        if not isinstance(value, str):
            raise _bad(field, position, "text")
        return value
    if field.kind == "date":
        if isinstance(value, pd.Timestamp | dt.datetime):
            return pd.Timestamp(value).date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, np.datetime64):
            return pd.Timestamp(value).date()
        raise _bad(field, position, "a date")
    if isinstance(value, bool | np.bool_ | int | float | np.integer | np.floating):
        number = float(value)
        if not math.isfinite(number):
            raise _bad(field, position, "a finite number")
        if field.kind == "int":
            if not number.is_integer():
                raise _bad(field, position, "a whole number")
            return int(number)
        return number
    allowed = "a number" + (f" or {', '.join(field.special_tokens)}" if field.special_tokens else "")
    raise _bad(field, position, allowed)


def format_value(value: Cell) -> str | None:
    """Text for the audit trail: ``80`` for 80 or 80.0, ``2.5``, the label, or the ISO date."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


def to_series(values: list[Any], field: Field, tokens: list[Any] | None = None) -> pd.Series:
    """A cohort-frame column from stored values: float64 numbers, ``str`` labels (NaN missing),
    datetime64 dates; numbers and special tokens together as an object column."""
    if field.kind in ("int", "float"):
        numbers = pd.Series(np.array(values, dtype="float64"))  # None -> NaN
        if tokens is not None and any(t is not None for t in tokens):
            mixed = numbers.astype(object)
            for position, token in enumerate(tokens):
                if token is not None:
                    mixed.iat[position] = token
            return mixed
        return numbers
    if field.kind == "date":
        if all(v is None or isinstance(v, dt.date) for v in values):  # None -> NaT
            return pd.Series(np.array(values, dtype="datetime64[D]").astype("datetime64[ns]"))
        return pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
    cells = np.empty(len(values), dtype=object)
    cells[:] = values
    cells[pd.isna(cells)] = np.nan
    return pd.Series(cells, dtype=object)
