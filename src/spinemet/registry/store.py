"""Store a cohort frame in the registry: insert new patients, update changed fields, audit everything.

Each patient is one typed ``patient`` row (see :mod:`spinemet.registry.models`); new patients are
bulk-inserted (PostgreSQL ``COPY``, SQLite ``executemany``, see :mod:`spinemet.registry.bulk`). All work
happens on the caller's connection and transaction, so a failure at any point leaves the database as it was.
Re-importing a patient (same pseudonymous ``patient_id``) updates only the fields whose value changed;
columns absent from the frame are left untouched; an empty cell in a column that is present clears
the stored value (audited as an update to missing).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, bindparam, select, update

from spinemet.registry.audit import Change, WriteContext, write_audit
from spinemet.registry.bulk import bulk_insert, bulk_insert_columns
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import Patient, Site
from spinemet.registry.values import FIELD_BY_NAME, Cell, Field, column_cells, format_value

__all__ = ["ID_COLUMN", "SITE_COLUMN", "StoreResult", "ensure_sites", "store_frame"]

ID_COLUMN = "patient_id"
SITE_COLUMN = "site"
#: Patients per chunk (one lookup of existing ids, one bulk insert, one audit batch); also bounds the
#: size of IN (...) lists.
CHUNK = 2000
#: Patients converted to Python values at a time (a million patients are never all Python objects).
BATCH = 50_000
#: The ``patient`` column holding the columns outside the cohort format (JSON).
EXTRA_COLUMN = "extra"

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


_ENCODE = json.encoder.encode_basestring  # type: ignore[attr-defined]


@dataclass
class _FieldData:
    """One field of the frame: its stored values, its special tokens (or None) and the audit texts."""

    field: Field
    values: list[Cell]
    tokens: list[str | None] | None
    series: pd.Series
    _codes: np.ndarray | None = None
    _encoded: np.ndarray | None = None

    def shown(self, i: int) -> str | None:
        """The audited text of row ``i``: the special token, else the formatted value."""
        if self.tokens is not None and self.tokens[i] is not None:
            return self.tokens[i]
        return format_value(self.values[i])

    def fragments(self, positions: range) -> list[str]:
        """``"field":"text"`` (JSON-encoded, as ``record_json`` writes it) for each row, ``""`` when missing.

        The frame column is factorised once and each distinct value encoded once."""
        if self._codes is None:
            codes, uniques = pd.factorize(self.series)
            key = _ENCODE(self.field.name) + ":"
            encoded = []
            for u in uniques:
                if isinstance(u, pd.Timestamp):
                    u = u.date()
                text = u if isinstance(u, str) else format_value(u)
                encoded.append("" if not text else key + _ENCODE(text))
            encoded.append("")  # code -1: missing
            self._codes, self._encoded = codes, np.asarray(encoded, dtype=object)
        return self._encoded[self._codes[positions.start : positions.stop]].tolist()  # type: ignore[index]

    def db_columns(self) -> list[str]:
        return [self.field.name] + ([self.field.special_column] if self.field.special_column else [])

    def db_values(self, i: int) -> tuple[Any, ...]:
        if self.field.special_column is None:
            return (self.values[i],)
        return (self.values[i], None if self.tokens is None else self.tokens[i])


@dataclass
class _Columns:
    """The frame column by column: ids, site codes and the stored values of every field."""

    ids: list[str]
    sites: list[str | None]
    fields: list[_FieldData]
    #: columns outside the cohort format (``import --keep-extra``), stored in ``patient.extra`` as JSON
    extras: dict[str, list[Any]] = field(default_factory=dict)


def _check_columns(frame: pd.DataFrame) -> None:
    if ID_COLUMN not in frame.columns:
        raise RegistryError(f"{ID_COLUMN}: column missing; allowed: a frame with a {ID_COLUMN} column")
    reserved = [
        str(c)
        for c in frame.columns
        if c not in (ID_COLUMN, SITE_COLUMN) and c not in FIELD_BY_NAME and c in Patient.__table__.c
    ]
    if reserved:
        raise RegistryError(
            f"columns: got {', '.join(repr(c) for c in reserved[:5])}; allowed: the cohort-format columns "
            "(docs/cohort-format.md) and other names (stored as extra columns)"
        )
    if frame.columns.duplicated().any():
        raise RegistryError("columns: got a column twice; allowed: each cohort column once")


def _frame_columns(frame: pd.DataFrame, offset: int = 0, seen: set[str] | None = None) -> _Columns:
    """The rows of ``frame`` (frame rows ``offset`` ... in messages) converted to stored values; ``seen``
    collects the ids across batches (a repeated id is refused)."""
    ids: list[str] = []
    seen = set() if seen is None else seen
    id_series = frame[ID_COLUMN]
    if (
        pd.api.types.infer_dtype(id_series, skipna=False) == "string"
        and not (id_series == "").any()
        and id_series.is_unique
        and (not seen or seen.isdisjoint(id_series.tolist()))
    ):  # the usual case, checked in C
        ids = id_series.tolist()
        seen.update(ids)
    cells = [] if ids else id_series.tolist()
    for position, cell in enumerate(cells, start=offset):
        if cell is None or (not isinstance(cell, str) and pd.isna(cell)) or cell == "":
            raise RegistryError(f"{ID_COLUMN}: got a missing value in frame row {position}; allowed: text")
        pid = cell if isinstance(cell, str) else format_value(cell)
        assert pid is not None
        if pid in seen:
            raise RegistryError(
                f"{ID_COLUMN}: the same id occurs twice (frame row {position}); allowed: unique ids"
            )
        seen.add(pid)
        ids.append(pid)
    if SITE_COLUMN in frame.columns:
        sites = [
            None if v is None or (not isinstance(v, str) and pd.isna(v)) or v == "" else str(v)
            for v in frame[SITE_COLUMN].tolist()
        ]
    else:
        sites = [None] * len(ids)
    fields = []
    extras: dict[str, list[Any]] = {}
    for column in frame.columns:
        if column in (ID_COLUMN, SITE_COLUMN):
            continue
        if column not in FIELD_BY_NAME:
            extras[str(column)] = [_extra_value(v) for v in frame[column].tolist()]
            continue
        spec = FIELD_BY_NAME[str(column)]
        values, tokens = column_cells(frame[column], spec, offset)
        fields.append(_FieldData(spec, values, tokens, frame[column]))
    return _Columns(ids, sites, fields, extras)


def _extra_value(value: Any) -> str | float | None:
    """An extra column's cell as stored in the JSON: text, a finite number, or an ISO date (text)."""
    if value is None or value is pd.NaT or (isinstance(value, str) and value == ""):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    if isinstance(value, bool | int | float | np.integer | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if pd.isna(value):
        return None
    return str(value)


def _extra_json(values: dict[str, Any]) -> str | None:
    present = {k: v for k, v in values.items() if v is not None}
    return json.dumps(present, sort_keys=True, ensure_ascii=False, separators=(",", ":")) if present else None


def _record_jsons(positions: range, cols: _Columns) -> list[str]:
    """The insert audit record of each patient in ``positions``: exactly ``audit.record_json`` of its
    non-missing values (site and fields), built column-wise from encoded ``"key":"value"`` fragments."""
    by_name: dict[str, list[str]] = {fd.field.name: fd.fragments(positions) for fd in cols.fields}
    for name, values in cols.extras.items():
        key = _ENCODE(name) + ":"
        by_name[name] = [
            "" if v is None else key + _ENCODE(format_value(v))
            for v in values[positions.start : positions.stop]
        ]
    site_key = _ENCODE(SITE_COLUMN) + ":"
    by_name[SITE_COLUMN] = [
        "" if s is None else site_key + _ENCODE(s) for s in cols.sites[positions.start : positions.stop]
    ]
    fragments = [by_name[name] for name in sorted(by_name)]
    return ["{" + ",".join(filter(None, row)) + "}" for row in zip(*fragments, strict=True)]


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

    Raises:
        RegistryError: a missing or repeated id, a column that is not a cohort field, or a value that does
            not fit its field's type (naming the field and frame row; the value is not echoed).
    """
    _check_columns(frame)
    has_site = SITE_COLUMN in frame.columns
    site_ids: dict[str, int] = {}
    site_codes: dict[int, str] = {}
    if has_site:
        codes = frame[SITE_COLUMN]
        site_ids = ensure_sites(conn, (str(c) for c in codes[codes.notna() & (codes != "")].unique()))
        site_codes = {sid: code for sid, code in conn.execute(select(Site.id, Site.code))}
    patient = Patient.__table__
    result = StoreResult()
    total = len(frame)
    # A first import into an empty registry has nothing to compare with: skip the per-chunk lookups.
    registry_empty = conn.execute(select(patient.c.id).limit(1)).first() is None
    seen: set[str] = set()
    for batch in range(0, max(total, 1), BATCH):
        # Python values for one batch at a time: memory stays bounded by the frame plus one batch.
        cols = _frame_columns(frame.iloc[batch : batch + BATCH], batch, seen)
        db_columns = [name for fd in cols.fields for name in fd.db_columns()]
        if cols.extras:
            db_columns.append(EXTRA_COLUMN)
        insert_columns = ("patient_id", "site_id", "created_at", "updated_at", "version", *db_columns)
        n = len(cols.ids)
        for start in range(0, n, CHUNK):
            positions = range(start, min(start + CHUNK, n))
            ids = cols.ids[positions.start : positions.stop]
            existing = (
                {}
                if registry_empty
                else {
                    row[1]: row
                    for row in conn.execute(
                        select(
                            patient.c.id,
                            patient.c.patient_id,
                            patient.c.site_id,
                            *(patient.c[c] for c in db_columns),
                        ).where(patient.c.patient_id.in_(ids))
                    )
                }
            )
            changes: list[Change] = []
            new_positions = [i for i in positions if cols.ids[i] not in existing]
            if new_positions:
                _insert_new(conn, cols, new_positions, site_ids, ctx, insert_columns)
                records = _record_jsons(positions, cols)
                changes.extend(
                    Change("insert", "patient", cols.ids[i], None, None, records[i - positions.start])
                    for i in new_positions
                )
                result.inserted += len(new_positions)
            if existing:
                changes.extend(
                    _update_existing(
                        conn,
                        cols,
                        positions,
                        existing,
                        site_ids,
                        site_codes,
                        has_site,
                        db_columns,
                        ctx,
                        result,
                    )
                )
            result.audit_rows += write_audit(conn, ctx, changes)
            if progress is not None:
                progress(batch + positions.stop, total)
    return result


def _insert_new(
    conn: Connection,
    cols: _Columns,
    new_positions: list[int],
    site_ids: dict[str, int],
    ctx: WriteContext,
    insert_columns: tuple[str, ...],
) -> None:
    lo, hi = new_positions[0], new_positions[-1] + 1
    contiguous = hi - lo == len(new_positions)

    def pick(values: list[Any]) -> list[Any]:
        return values[lo:hi] if contiguous else [values[i] for i in new_positions]

    n = len(new_positions)
    value_cols: list[list[Any]] = []
    for fd in cols.fields:
        value_cols.append(pick(fd.values))
        if fd.field.special_column is not None:
            value_cols.append([None] * n if fd.tokens is None else pick(fd.tokens))
    if cols.extras:
        names = list(cols.extras)
        value_cols.append(
            [
                _extra_json(dict(zip(names, row, strict=True)))
                for row in zip(*(pick(cols.extras[k]) for k in names), strict=True)
            ]
        )
    site_col = [site_ids.get(s) if s else None for s in pick(cols.sites)]
    data = [pick(cols.ids), site_col, [ctx.at] * n, [ctx.at] * n, [1] * n, *value_cols]
    bulk_insert_columns(conn, Patient.__table__, dict(zip(insert_columns, data, strict=True)))


def _update_existing(
    conn: Connection,
    cols: _Columns,
    positions: range,
    existing: dict[str, Any],
    site_ids: dict[str, int],
    site_codes: dict[int, str],
    has_site: bool,
    db_columns: list[str],
    ctx: WriteContext,
    result: StoreResult,
) -> list[Change]:
    """Compare the existing patients of the chunk field by field; update and audit what changed."""
    changes: list[Change] = []
    updates: list[dict[str, Any]] = []
    for i in positions:
        pid = cols.ids[i]
        row = existing.get(pid)
        if row is None:
            continue
        pk, old_site_id = row[0], row[2]
        old = dict(zip(db_columns, row[3:], strict=True))
        params: dict[str, Any] = {"b_pk": pk}
        n_changes = 0
        if has_site:
            site = cols.sites[i]
            old_site = site_codes.get(old_site_id) if old_site_id is not None else None
            params["b_site"] = site_ids.get(site) if site else None
            if old_site != site:
                changes.append(Change("update", "patient", pid, SITE_COLUMN, old_site, site))
                n_changes += 1
        for fd in cols.fields:
            new_values = fd.db_values(i)
            old_values = tuple(old[c] for c in fd.db_columns())
            for column, value in zip(fd.db_columns(), new_values, strict=True):
                params["b_" + column] = value
            if new_values == old_values:
                continue
            old_shown = (
                old_values[1]
                if len(old_values) > 1 and old_values[1] is not None
                else format_value(old_values[0])
            )
            new_shown = fd.shown(i)
            if old_shown == new_shown:
                continue
            if new_shown is None:
                result.values_cleared += 1
            changes.append(Change("update", "patient", pid, fd.field.name, old_shown, new_shown))
            n_changes += 1
        if cols.extras:
            raw = old.get(EXTRA_COLUMN)
            before: dict[str, Any] = json.loads(raw) if raw else {}
            after = dict(before)
            for name, values in cols.extras.items():
                value, was = values[i], before.get(name)
                if value == was:
                    continue
                if value is None:
                    after.pop(name, None)
                    result.values_cleared += 1
                else:
                    after[name] = value
                changes.append(Change("update", "patient", pid, name, format_value(was), format_value(value)))
                n_changes += 1
            params["b_" + EXTRA_COLUMN] = _extra_json(after)
        if n_changes:
            updates.append(params)
            result.updated += 1
            result.values_changed += n_changes
        else:
            result.unchanged += 1
    if updates:
        patient = Patient.__table__
        assignments: dict[str, Any] = {c: bindparam("b_" + c) for c in db_columns}
        if has_site:
            assignments["site_id"] = bindparam("b_site")
        conn.execute(
            update(patient)
            .where(patient.c.id == bindparam("b_pk"))
            .values(**assignments, updated_at=ctx.at, version=patient.c.version + 1),
            updates,
        )
    return changes
