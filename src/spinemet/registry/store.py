"""Store a cohort frame in the registry: insert new patients, update changed fields, audit everything.

All work happens on the caller's connection and transaction, so a failure at any point leaves the
database as it was. Re-importing a patient (same pseudonymous ``patient_id``) updates only the fields
whose value changed; columns absent from the frame are left untouched; an empty cell in a column that is
present clears the stored value (audited as an update to missing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, bindparam, delete, select, update

from spinemet.registry.audit import Change, WriteContext, record_json, write_audit
from spinemet.registry.bulk import bulk_insert
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import Patient, PatientValue, Site
from spinemet.registry.values import StoredValue, column_values, format_value

__all__ = ["ID_COLUMN", "SITE_COLUMN", "StoreResult", "ensure_sites", "store_frame"]

ID_COLUMN = "patient_id"
SITE_COLUMN = "site"
#: Patients per chunk; also bounds the size of IN (...) lists.
CHUNK = 500

ProgressCallback = Callable[[int, int], None]


@dataclass
class StoreResult:
    """What a store did: patients inserted/updated/unchanged, values changed, audit rows written.

    ``values_cleared`` counts the changed values that became missing (an empty cell in a re-imported
    file clears the stored value); they are included in ``values_changed``.
    """

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    values_changed: int = 0
    audit_rows: int = 0
    values_cleared: int = 0

    @property
    def patients(self) -> int:
        """Patients in the frame."""
        return self.inserted + self.updated + self.unchanged


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def ensure_sites(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    """Map site codes to ids, creating the sites that do not exist yet."""
    wanted = sorted({c for c in codes if c})
    site = Site.__table__
    known: dict[str, int] = {}
    for part in _chunks(wanted, CHUNK):
        known.update(
            {
                code: sid
                for sid, code in conn.execute(select(site.c.id, site.c.code).where(site.c.code.in_(part)))
            }
        )
    missing = [c for c in wanted if c not in known]
    if missing:
        bulk_insert(conn, site, [{"code": c, "name": None} for c in missing])
        for part in _chunks(missing, CHUNK):
            known.update(
                {
                    code: sid
                    for sid, code in conn.execute(select(site.c.id, site.c.code).where(site.c.code.in_(part)))
                }
            )
    return known


@dataclass
class _Columns:
    """The frame column by column: ids, site codes and the stored triple of every value cell."""

    ids: list[str]
    sites: list[str | None]
    values: dict[str, list[StoredValue | None]]


def _frame_columns(frame: pd.DataFrame) -> _Columns:
    if ID_COLUMN not in frame.columns:
        raise RegistryError(f"{ID_COLUMN}: column missing; allowed: a frame with a {ID_COLUMN} column")
    ids: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(column_values(frame[ID_COLUMN])):
        if cell is None:
            raise RegistryError(f"{ID_COLUMN}: got a missing value in frame row {position}; allowed: text")
        pid = format_value(cell)
        assert pid is not None
        if pid in seen:
            raise RegistryError(f"{ID_COLUMN}: got {pid!r} twice; allowed: unique ids")
        seen.add(pid)
        ids.append(pid)
    if SITE_COLUMN in frame.columns:
        sites = [format_value(v) for v in column_values(frame[SITE_COLUMN])]
    else:
        sites = [None] * len(ids)
    values = {str(c): column_values(frame[c]) for c in frame.columns if c not in (ID_COLUMN, SITE_COLUMN)}
    return _Columns(ids, sites, values)


def store_frame(
    conn: Connection,
    frame: pd.DataFrame,
    ctx: WriteContext,
    *,
    progress: ProgressCallback | None = None,
) -> StoreResult:
    """Insert or update the patients of ``frame`` (cohort column names) on ``conn``'s transaction.

    Args:
        conn: a connection inside a transaction (``engine.begin()``); nothing is committed here.
        frame: one row per patient, ``patient_id`` required, other columns as in the cohort format.
        ctx: who writes and why, copied to every audit row.
        progress: called with (patients done, patients total) after each chunk.
    """
    cols = _frame_columns(frame)
    has_site = SITE_COLUMN in frame.columns
    site_ids = ensure_sites(conn, (s for s in cols.sites if s)) if has_site else {}
    site_codes: dict[int, str] = (
        {sid: code for sid, code in conn.execute(select(Site.id, Site.code))} if has_site else {}
    )
    patient = Patient.__table__
    value = PatientValue.__table__
    result = StoreResult()
    total = len(cols.ids)
    for start in range(0, total, CHUNK):
        positions = range(start, min(start + CHUNK, total))
        ids = [cols.ids[i] for i in positions]
        existing = {
            pid: (pk, site_id)
            for pk, pid, site_id in conn.execute(
                select(patient.c.id, patient.c.patient_id, patient.c.site_id).where(
                    patient.c.patient_id.in_(ids)
                )
            )
        }
        old_values: dict[int, dict[str, StoredValue]] = {}
        if existing:
            pks = [pk for pk, _ in existing.values()]
            for pk, column, num, text, date in _fetch_values(conn, pks):
                old_values.setdefault(pk, {})[column] = (num, text, date)

        changes: list[Change] = []
        new_positions = [i for i in positions if cols.ids[i] not in existing]
        if new_positions:
            bulk_insert(
                conn,
                patient,
                [
                    (cols.ids[i], site_ids.get(cols.sites[i]) if cols.sites[i] else None, ctx.at, ctx.at)
                    for i in new_positions
                ],
                columns=("patient_id", "site_id", "created_at", "updated_at"),
            )
            new_pks = dict(
                conn.execute(
                    select(patient.c.patient_id, patient.c.id).where(
                        patient.c.patient_id.in_([cols.ids[i] for i in new_positions])
                    )
                ).all()
            )
            shown: dict[int, dict[str, str | None]] = {
                i: ({SITE_COLUMN: cols.sites[i]} if cols.sites[i] else {}) for i in new_positions
            }
            value_rows: list[tuple[Any, ...]] = []
            columns = list(cols.values.items())
            for i in new_positions:  # patient by patient: rows arrive in primary-key order
                pk = new_pks[cols.ids[i]]
                record = shown[i]
                for column, cells in columns:
                    stored = cells[i]
                    if stored is not None:
                        value_rows.append((pk, column, *stored))
                        record[column] = format_value(stored)
            bulk_insert(conn, value, value_rows, columns=_VALUE_COLUMNS)
            changes.extend(
                Change("insert", "patient", cols.ids[i], None, None, record_json(shown[i]))
                for i in new_positions
            )
            result.inserted += len(new_positions)

        inserts: list[tuple[Any, ...]] = []
        updates: list[dict[str, Any]] = []
        deletes: list[dict[str, Any]] = []
        site_updates: list[dict[str, Any]] = []
        touched: list[int] = []
        for i in positions:
            pid = cols.ids[i]
            if pid not in existing:
                continue
            pk, old_site_id = existing[pid]
            before = old_values.get(pk, {})
            n_changes = 0
            if has_site:
                site = cols.sites[i]
                old_site = site_codes.get(old_site_id) if old_site_id is not None else None
                if old_site != site:
                    site_updates.append({"pk": pk, "new_site": site_ids.get(site) if site else None})
                    changes.append(Change("update", "patient", pid, SITE_COLUMN, old_site, site))
                    n_changes += 1
            for column, cells in cols.values.items():
                stored = cells[i]
                old = before.get(column)
                if old == stored:
                    continue
                if stored is None:
                    deletes.append({"pk": pk, "col": column})
                    result.values_cleared += 1
                elif old is None:
                    inserts.append((pk, column, *stored))
                else:
                    updates.append(
                        {"pk": pk, "col": column, "num": stored[0], "txt": stored[1], "dat": stored[2]}
                    )
                changes.append(
                    Change("update", "patient", pid, column, format_value(old), format_value(stored))
                )
                n_changes += 1
            if n_changes:
                touched.append(pk)
                result.updated += 1
                result.values_changed += n_changes
            else:
                result.unchanged += 1
        if deletes:
            conn.execute(
                delete(value).where(
                    value.c.patient_pk == bindparam("pk"), value.c.column == bindparam("col")
                ),
                deletes,
            )
        if updates:
            conn.execute(
                update(value)
                .where(value.c.patient_pk == bindparam("pk"), value.c.column == bindparam("col"))
                .values(value_num=bindparam("num"), value_text=bindparam("txt"), value_date=bindparam("dat")),
                updates,
            )
        bulk_insert(conn, value, inserts, columns=_VALUE_COLUMNS)
        if site_updates:
            conn.execute(
                update(patient).where(patient.c.id == bindparam("pk")).values(site_id=bindparam("new_site")),
                site_updates,
            )
        if touched:
            conn.execute(
                update(patient)
                .where(patient.c.id.in_(touched))
                .values(updated_at=ctx.at, version=patient.c.version + 1)
            )
        result.audit_rows += write_audit(conn, ctx, changes)
        if progress is not None:
            progress(positions.stop, total)
    return result


_VALUE_COLUMNS = ("patient_pk", "column", "value_num", "value_text", "value_date")


def _fetch_values(conn: Connection, pks: list[int]) -> list[tuple[Any, ...]]:
    """All stored values of the patients ``pks`` as plain tuples, read through the DBAPI cursor.

    SQLAlchemy's row processing costs more than the query for millions of values; only the date column
    needs converting (SQLite returns ``YYYY-MM-DD`` text, psycopg a ``date``).
    """
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    quote = conn.dialect.identifier_preparer.quote
    sql = (
        f"SELECT patient_pk, {quote('column')}, value_num, value_text, value_date FROM patient_value "
        f"WHERE patient_pk IN ({', '.join(mark for _ in pks)})"
    )
    driver_conn = conn.connection.driver_connection
    assert driver_conn is not None
    cursor = driver_conn.cursor()
    try:
        cursor.execute(sql, tuple(pks))
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return [
        row if row[4] is None or isinstance(row[4], dt.date) else (*row[:4], dt.date.fromisoformat(row[4]))
        for row in rows
    ]
