"""Read patients back from the registry as a cohort frame (cohort column names and types)."""

from __future__ import annotations

import contextlib
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, exists, false, func, or_, select

from spinemet.errors import InvalidInputError
from spinemet.registry.models import Patient, PatientValue, Site
from spinemet.registry.store import ID_COLUMN, SITE_COLUMN

__all__ = ["cohort_column_order", "count_patients", "json_records", "load_frame", "parse_filters"]


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
    pv = PatientValue.__table__
    alternatives: list[Any] = [pv.c.value_text == text]
    with contextlib.suppress(ValueError):
        number = float(text)
        if math.isfinite(number):
            alternatives.append(pv.c.value_num == number)
    with contextlib.suppress(ValueError):
        alternatives.append(pv.c.value_date == dt.date.fromisoformat(text))
    return exists().where(
        and_(pv.c.patient_pk == Patient.__table__.c.id, pv.c.column == column, or_(*alternatives))
    )


def _patient_select(site: str | None, filters: Mapping[str, str]) -> Any:
    patient, site_t = Patient.__table__, Site.__table__
    stmt = select(patient.c.id, patient.c.patient_id, site_t.c.code).select_from(
        patient.outerjoin(site_t, patient.c.site_id == site_t.c.id)
    )
    if site is not None:
        stmt = stmt.where(site_t.c.code == site)
    for column, text in filters.items():
        if column == SITE_COLUMN:
            stmt = stmt.where(site_t.c.code == text)
        elif column == ID_COLUMN:
            stmt = stmt.where(patient.c.patient_id == text)
        else:
            stmt = stmt.where(_value_condition(column, text))
    return stmt.order_by(patient.c.patient_id)


def count_patients(conn: Connection) -> int:
    """Number of patients in the registry."""
    return int(conn.execute(select(func.count()).select_from(Patient.__table__)).scalar_one())


def load_frame(
    conn: Connection,
    *,
    site: str | None = None,
    filters: Mapping[str, str] | None = None,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Patients as a cohort frame: ``patient_id``, ``site`` and every stored column.

    Numbers come back as float64, labels as ``str``, dates as datetime64; missing is NA. Rows are sorted
    by ``patient_id``; columns follow the cohort schema order (unknown columns after, alphabetically).

    Args:
        site: only this centre.
        filters: ``{column: value}``; a patient matches when every column has that value (numbers
            compare numerically, so ``kps=80`` matches 80.0).
        columns: restrict the value columns returned (``patient_id`` and ``site`` always come).
    """
    filters = dict(filters or {})
    known = set(cohort_column_order())
    for column in filters:
        if known and column not in known and column not in (ID_COLUMN, SITE_COLUMN):
            raise InvalidInputError("--filter", column, "a cohort column name (see cohort-format.md)")
    patients = conn.execute(_patient_select(site, filters)).all()
    pks = [row[0] for row in patients]
    pv = PatientValue.__table__
    stmt = select(pv.c.patient_pk, pv.c.column, pv.c.value_num, pv.c.value_text, pv.c.value_date)
    if site is not None or filters:
        sub = _patient_select(site, filters).with_only_columns(Patient.__table__.c.id).order_by(None)
        stmt = stmt.where(pv.c.patient_pk.in_(sub))
    if columns is not None:
        stmt = stmt.where(pv.c.column.in_(list(columns))) if columns else stmt.where(false())
    rows = _fetch_raw(conn, stmt) if pks else []
    wide = _pivot(rows, pks)
    known_order = [c for c in cohort_column_order() if c in wide]
    order = known_order + sorted(c for c in wide if c not in set(known_order))
    order = [c for c in order if c not in (ID_COLUMN, SITE_COLUMN)]
    data: dict[str, Any] = {
        ID_COLUMN: pd.Series([p[1] for p in patients], dtype=object),
        SITE_COLUMN: pd.Series([p[2] for p in patients], dtype=object),
    }
    for column in order:
        data[column] = wide[column]
    frame = pd.DataFrame(data)
    frame[SITE_COLUMN] = frame[SITE_COLUMN].where(frame[SITE_COLUMN].notna(), float("nan"))
    return frame


def _fetch_raw(conn: Connection, stmt: Any) -> list[tuple[Any, ...]]:
    """Rows of ``stmt`` as plain DBAPI tuples (SQLAlchemy's per-row processing is the bottleneck for
    millions of values). Parameters are rendered as SQL literals by SQLAlchemy, which quotes them."""
    sql = str(stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    driver_conn = conn.connection.driver_connection
    assert driver_conn is not None
    cursor = driver_conn.cursor()
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _pivot(rows: list[tuple[Any, ...]], pks: list[int]) -> dict[str, pd.Series]:
    """Long (patient, column, num, text, date) rows to one typed Series per column, in ``pks`` order."""
    if not rows:
        return {}
    long = pd.DataFrame.from_records(rows, columns=["pk", "column", "num", "text", "date"])
    index = pd.Index(pks)
    parts: dict[str, list[pd.Series]] = {}
    for kind in ("num", "text", "date"):
        sub = long.loc[long[kind].notna(), ["pk", "column", kind]]
        if sub.empty:
            continue
        table = sub.pivot(index="pk", columns="column", values=kind).reindex(index)
        for column in table.columns:
            series = table[column]
            if kind == "num":
                series = series.astype("float64")
            elif kind == "date":
                series = pd.to_datetime(series).astype("datetime64[ns]")
            else:
                series = series.astype(object).where(series.notna(), float("nan"))
            parts.setdefault(str(column), []).append(series.reset_index(drop=True))
    out: dict[str, pd.Series] = {}
    for column, series_list in parts.items():
        if len(series_list) == 1:
            out[column] = series_list[0]
        else:  # a column holding values of several kinds (not produced by the cohort reader)
            merged = series_list[0].astype(object)
            for other in series_list[1:]:
                merged = merged.where(merged.notna(), other.astype(object))
            out[column] = merged.where(merged.notna(), float("nan"))
    return out


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
