"""Read patients back from the registry as a cohort frame (cohort column names and types)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, false, func, select

from spinemet.errors import InvalidInputError
from spinemet.registry.models import Patient, Site
from spinemet.registry.store import ID_COLUMN, SITE_COLUMN
from spinemet.registry.values import FIELD_BY_NAME, FIELDS, Field, to_series

__all__ = [
    "cohort_column_order",
    "count_patients",
    "iter_frames",
    "json_records",
    "load_frame",
    "parse_filters",
]


def cohort_column_order() -> list[str]:
    """Column names in the order of the cohort schema (empty if the schema is not available)."""
    try:
        from spinemet.cohort.schema import COLUMNS
    except ImportError:  # pragma: no cover - the cohort layer always ships the schema
        return []
    if isinstance(COLUMNS, Mapping):
        return [str(k) for k in COLUMNS]
    return [c if isinstance(c, str) else str(c.name) for c in COLUMNS]


def parse_filters(items: Sequence[str]) -> dict[str, str]:
    """Parse ``col=value`` filter arguments; raises ``InvalidInputError`` naming the bad item."""
    filters: dict[str, str] = {}
    for item in items:
        column, sep, value = item.partition("=")
        column = column.strip()
        if not sep or not column:
            raise InvalidInputError("--filter", item, "col=value, e.g. primary_tumor=lung")
        filters[column] = value.strip()
    return filters


def _value_condition(column: str, text: str) -> Any:
    """``column`` equals ``text`` read as the field's type (numbers numerically, dates as ISO dates; a
    special token such as ``90+`` against the token column); a text that is no such value matches none."""
    patient = Patient.__table__
    field = FIELD_BY_NAME[column]
    if field.special_column is not None and text in field.special_tokens:
        return patient.c[field.special_column] == text
    if field.kind in ("int", "float"):
        with contextlib.suppress(ValueError):
            number = float(text)
            if math.isfinite(number):
                return patient.c[column] == number
        return false()
    if field.kind == "date":
        with contextlib.suppress(ValueError):
            return patient.c[column] == dt.date.fromisoformat(text)
        return false()
    return patient.c[column] == text


def _patient_where(stmt: Any, site: str | None, filters: Mapping[str, str]) -> Any:
    patient, site_t = Patient.__table__, Site.__table__
    if site is not None:
        stmt = stmt.where(site_t.c.code == site)
    for column, text in filters.items():
        if column == SITE_COLUMN:
            stmt = stmt.where(site_t.c.code == text)
        elif column == ID_COLUMN:
            stmt = stmt.where(patient.c.patient_id == text)
        else:
            stmt = stmt.where(_value_condition(column, text))
    return stmt


def _from() -> Any:
    patient, site_t = Patient.__table__, Site.__table__
    return patient.outerjoin(site_t, patient.c.site_id == site_t.c.id)


def count_patients(conn: Connection) -> int:
    """Number of patients in the registry."""
    return int(conn.execute(select(func.count()).select_from(Patient.__table__)).scalar_one())


def _check_filters(filters: Mapping[str, str]) -> None:
    for column in filters:
        if column not in FIELD_BY_NAME and column not in (ID_COLUMN, SITE_COLUMN):
            raise InvalidInputError("--filter", column, "a cohort column name (see cohort-format.md)")


def _stored_fields(
    conn: Connection, site: str | None, filters: Mapping[str, str], columns: Sequence[str] | None
) -> list[Field]:
    """The fields (in cohort order) holding at least one value among the selected patients: a frame of
    the registry has the columns that were stored, not every column of the format."""
    wanted = [f for f in FIELDS if columns is None or f.name in set(columns)]
    if not wanted:
        return []
    patient = Patient.__table__
    counts = []
    for f in wanted:
        count = func.count(patient.c[f.name])
        if f.special_column is not None:
            count = count + func.count(patient.c[f.special_column])
        counts.append(count)
    row = conn.execute(_patient_where(select(*counts).select_from(_from()), site, filters)).one()
    return [f for f, n in zip(wanted, row, strict=True) if n]


def iter_frames(
    conn: Connection,
    *,
    site: str | None = None,
    filters: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
    chunk: int = 50_000,
) -> Iterator[pd.DataFrame]:
    """:func:`load_frame` in pieces of at most ``chunk`` patients (same columns and types in every piece,
    sorted by ``patient_id``), read through a streaming cursor: memory stays bounded by one piece.

    At least one (possibly empty) frame is yielded.
    """
    filters = dict(filters or {})
    _check_filters(filters)
    fields = _stored_fields(conn, site, filters, columns)
    patient, site_t = Patient.__table__, Site.__table__
    extras = _extra_names(conn, site, filters, columns)
    selected: list[Any] = [patient.c.patient_id, site_t.c.code]
    for f in fields:
        selected.append(patient.c[f.name])
        if f.special_column is not None:
            selected.append(patient.c[f.special_column])
    if extras:
        selected.append(patient.c.extra)
    stmt = _patient_where(select(*selected).select_from(_from()), site, filters).order_by(
        patient.c.patient_id
    )
    # on the statement, not the connection: Connection.execution_options changes the caller's connection
    result = conn.execute(stmt.execution_options(stream_results=True, yield_per=chunk))
    yielded = False
    for rows in result.partitions(chunk):
        yield _frame(list(zip(*rows, strict=True)), fields, extras)
        yielded = True
    if not yielded:
        yield _frame([[] for _ in selected], fields, extras)


def _extra_names(
    conn: Connection, site: str | None, filters: Mapping[str, str], columns: Sequence[str] | None
) -> list[str]:
    """The names of the extra (non-cohort) columns stored for the selected patients, sorted."""
    patient = Patient.__table__
    stmt = _patient_where(select(patient.c.extra).select_from(_from()), site, filters)
    names: set[str] = set()
    for (raw,) in conn.execute(stmt.where(patient.c.extra.is_not(None))):
        names.update(json.loads(raw))
    return sorted(n for n in names if columns is None or n in set(columns))


def _frame(column_tuples: list[Any], fields: list[Field], extras: Sequence[str] = ()) -> pd.DataFrame:
    data: dict[str, Any] = {
        ID_COLUMN: pd.Series(column_tuples[0], dtype=object),
        SITE_COLUMN: pd.Series(column_tuples[1], dtype=object),
    }
    k = 2
    for f in fields:
        values = list(column_tuples[k])
        k += 1
        tokens = None
        if f.special_column is not None:
            tokens = list(column_tuples[k])
            k += 1
        data[f.name] = to_series(values, f, tokens)
    if extras:
        records = [json.loads(raw) if raw else {} for raw in column_tuples[k]]
        for name in extras:
            values = [r.get(name) for r in records]
            if all(v is None or isinstance(v, float | int) for v in values):
                data[name] = pd.Series(np.array(values, dtype="float64"))
            else:
                data[name] = pd.Series([float("nan") if v is None else v for v in values], dtype=object)
    frame = pd.DataFrame(data)
    frame[SITE_COLUMN] = frame[SITE_COLUMN].where(frame[SITE_COLUMN].notna(), float("nan"))
    return frame


def load_frame(
    conn: Connection,
    *,
    site: str | None = None,
    filters: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Patients as a cohort frame: ``patient_id``, ``site`` and every stored column.

    Numbers come back as float64, labels as ``str``, dates as datetime64; missing is NA. Rows are sorted
    by ``patient_id``; columns follow the cohort schema order; a column without any stored value among
    the selected patients is left out. Read in pieces (:func:`iter_frames`), so the peak memory is the
    frame plus one piece.

    Args:
        site: only this centre.
        filters: ``{column: value}``; a patient matches when every column has that value (numbers
            compare numerically, so ``kps=80`` matches 80.0).
        columns: restrict the value columns returned (``patient_id`` and ``site`` always come).
    """
    parts = list(iter_frames(conn, site=site, filters=filters, columns=columns))
    if len(parts) == 1:
        return parts[0]
    return pd.concat(parts, ignore_index=True)


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame`` as JSON-ready records: missing -> ``None``; integer-valued cohort columns as ``int``.

    The cohort layer types every numeric column as float64; columns whose schema kind is ``integer``
    (age, kps, ...) or ``binary`` (dead, ...) are whole numbers by validation, so they are given as
    ``66`` and ``1``, not ``66.0`` and ``1.0``. ``number`` columns (survival_months) stay floats.
    """
    from spinemet.cohort.schema import COLUMN_BY_NAME

    whole = {
        c for c in frame.columns if c in COLUMN_BY_NAME and COLUMN_BY_NAME[c].kind in ("integer", "binary")
    }
    out = []
    for row in frame.to_dict(orient="records"):
        record: dict[str, Any] = {}
        for key, value in row.items():
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                record[key] = None
            elif key in whole and isinstance(value, float) and value.is_integer():
                record[key] = int(value)
            else:
                record[key] = value
        out.append(record)
    return out
