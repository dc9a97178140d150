"""Read patients back from the registry as a cohort frame (cohort column names and types)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, exists, false, or_, select

from spinemet.errors import InvalidInputError
from spinemet.registry.models import Patient, PatientValue, Site
from spinemet.registry.store import ID_COLUMN, SITE_COLUMN
from spinemet.registry.values import to_cell

__all__ = ["cohort_column_order", "count_patients", "load_frame", "parse_filters"]


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
        alternatives.append(pv.c.value_num == float(text))
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
    return len(conn.execute(select(Patient.id)).all())


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
    values: dict[int, dict[str, Any]] = {pk: {} for pk in pks}
    if pks:
        stmt = select(pv.c.patient_pk, pv.c.column, pv.c.value_num, pv.c.value_text, pv.c.value_date)
        if site is not None or filters:
            sub = _patient_select(site, filters).with_only_columns(Patient.__table__.c.id).order_by(None)
            stmt = stmt.where(pv.c.patient_pk.in_(sub))
        if columns is not None:
            stmt = stmt.where(pv.c.column.in_(list(columns))) if columns else stmt.where(false())
        for pk, column, num, text, date in conn.execute(stmt):
            values[pk][column] = to_cell((num, text, date))
    present = sorted({c for row in values.values() for c in row})
    order = [c for c in cohort_column_order() if c in present] + [c for c in present if c not in known]
    order = [c for c in order if c not in (ID_COLUMN, SITE_COLUMN)]
    data: dict[str, list[Any]] = {ID_COLUMN: [p[1] for p in patients], SITE_COLUMN: [p[2] for p in patients]}
    for column in order:
        data[column] = [values[pk].get(column) for pk in pks]
    frame = pd.DataFrame(data)
    for column in order:
        frame[column] = _typed(frame[column])
    frame[SITE_COLUMN] = frame[SITE_COLUMN].astype(object).where(frame[SITE_COLUMN].notna(), float("nan"))
    return frame


def _typed(series: pd.Series) -> pd.Series:
    non_missing = series.dropna()
    if len(non_missing) and all(isinstance(v, pd.Timestamp) for v in non_missing):
        return pd.to_datetime(series).astype("datetime64[ns]")
    if len(non_missing) and all(isinstance(v, float) for v in non_missing):
        return series.astype("float64")
    return series.astype(object).where(series.notna(), float("nan"))
