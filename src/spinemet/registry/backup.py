"""Portable, checksummed backup and transactional restore of the whole registry.

A backup is a zip file holding ``manifest.json`` (format, schema revision, and for every table its
columns, row count and the sha256 of its data file) and ``tables/<table>.jsonl`` (one JSON array per
row, in primary-key order). It does not depend on the backend: a backup of SQLite restores into
PostgreSQL and back. Restore verifies every checksum before writing anything, refuses a non-empty
target unless ``force=True``, and runs in one transaction, so a failed restore leaves the target as it
was.

A forced restore never loses the replaced data or its audit trail ("nothing lost, ever"): it first
writes a safety backup of the current database (``pre-restore-<UTC time>.zip``), then replaces the
tables, re-appends the replaced database's audit rows that the backup does not hold (``table_name``
prefixed with ``replaced:``), and appends one row recording the restore (who, when, backup file and
sha256, safety backup file and sha256, rows replaced and restored).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Engine, Float, Integer, Table, func, select, text

from spinemet import __version__
from spinemet.registry.audit import default_username, utc_now
from spinemet.registry.bulk import bulk_insert
from spinemet.registry.errors import BackupError
from spinemet.registry.importer import file_sha256
from spinemet.registry.models import AuditLog, Base
from spinemet.registry.schema import current_revision, downgrade, head_revision, upgrade

__all__ = [
    "BACKUP_FORMAT",
    "REPLACED_PREFIX",
    "RESTORE_RECORD_ID",
    "BackupInfo",
    "backup",
    "default_safety_dir",
    "read_manifest",
    "restore",
    "table_counts",
]

BACKUP_FORMAT = "spinemet-registry-backup"
FORMAT_VERSION = 1
_BATCH = 10_000
#: ``table_name`` prefix of audit rows re-appended from a database replaced by ``restore(force=True)``.
REPLACED_PREFIX = "replaced:"
#: ``table_name``/``record_id`` of the audit row that records a forced restore.
RESTORE_TABLE = "database"
RESTORE_RECORD_ID = "restore"
SAFETY_DIR_NAME = "spinemet-backups"


@dataclass(frozen=True)
class BackupInfo:
    """Summary of a backup or restore: schema revision and rows per table."""

    path: Path
    schema_revision: str
    rows: dict[str, int]
    #: Forced restore only: the safety backup of the replaced database, and its rows per table.
    safety_backup: Path | None = None
    replaced_rows: dict[str, int] | None = None


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _decoder(column_type: Any) -> Any:
    if isinstance(column_type, DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(column_type, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(column_type, Boolean):
        return lambda v: None if v is None else bool(v)
    if isinstance(column_type, Float):
        return lambda v: None if v is None else float(v)
    if isinstance(column_type, Integer):
        return lambda v: None if v is None else int(v)
    return lambda v: v


def table_counts(conn: Connection) -> dict[str, int]:
    """Rows per registry table."""
    return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one()) for t in _tables()}


def _rows(conn: Connection, table: Table) -> Iterator[tuple[Any, ...]]:
    order = list(table.primary_key.columns)
    # options on the statement, not the connection: they must not stick to later statements (DDL)
    stmt = select(table).order_by(*order).execution_options(stream_results=True, yield_per=_BATCH)
    result = conn.execute(stmt)
    for row in result:
        yield tuple(row)


def backup(engine: Engine, path: str | Path) -> BackupInfo:
    """Write a backup of every registry table to ``path`` (zip); the file appears only when complete."""
    path = Path(path)
    tables = _tables()
    manifest_tables = []
    fd, tmp_name = tempfile.mkstemp(prefix=".spinemet-backup-", suffix=".zip", dir=path.parent or Path())
    os.close(fd)
    try:
        conn_opts = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
        with (
            engine.connect().execution_options(**conn_opts) as conn,
            conn.begin(),
            zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ):
            revision = current_revision(conn)
            if revision is None:
                raise BackupError("the database has no spinemet schema: nothing to back up")
            for table in tables:
                digest = hashlib.sha256()
                count = 0
                name = f"tables/{table.name}.jsonl"
                with archive.open(name, "w") as member:
                    for row in _rows(conn, table):
                        line = (json.dumps([_encode(v) for v in row], ensure_ascii=False) + "\n").encode()
                        digest.update(line)
                        member.write(line)
                        count += 1
                manifest_tables.append(
                    {
                        "name": table.name,
                        "file": name,
                        "columns": [c.name for c in table.columns],
                        "rows": count,
                        "sha256": digest.hexdigest(),
                    }
                )
            manifest = {
                "format": BACKUP_FORMAT,
                "format_version": FORMAT_VERSION,
                "spinemet_version": __version__,
                "schema_revision": revision,
                "source_backend": engine.dialect.name,
                "created_at": utc_now().isoformat() + "Z",
                "tables": manifest_tables,
            }
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return BackupInfo(path, revision, {t["name"]: t["rows"] for t in manifest_tables})


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest of an open backup, checked for format and version."""
    try:
        manifest = json.loads(archive.read("manifest.json"))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(f"not a spinemet backup (manifest.json unreadable: {exc})") from exc
    if manifest.get("format") != BACKUP_FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format: got {manifest.get('format')!r} v{manifest.get('format_version')!r}; "
            f"allowed: {BACKUP_FORMAT} v{FORMAT_VERSION}"
        )
    return manifest


def _verify(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    expected = {t.name for t in _tables()}
    listed = {t["name"] for t in manifest["tables"]}
    if listed != expected:
        raise BackupError(f"backup tables: got {sorted(listed)}; allowed: {sorted(expected)}")
    for entry in manifest["tables"]:
        digest = hashlib.sha256()
        count = 0
        try:
            with archive.open(entry["file"]) as member:
                for line in member:
                    digest.update(line)
                    count += 1
        except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise BackupError(f"backup corrupted: {entry['file']}: {exc}") from exc
        if digest.hexdigest() != entry["sha256"] or count != entry["rows"]:
            raise BackupError(
                f"backup corrupted: {entry['file']} has sha256 {digest.hexdigest()} and {count} rows; "
                f"the manifest says {entry['sha256']} and {entry['rows']} rows"
            )


def _reset_sequences(conn: Connection) -> None:
    if conn.dialect.name != "postgresql":
        return
    for table in _tables():
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, Integer) and pk[0].autoincrement in (True, "auto"):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                    f"COALESCE(MAX({pk[0].name}), 1), MAX({pk[0].name}) IS NOT NULL) FROM {table.name}"
                )
            )


def default_safety_dir(engine: Engine) -> Path:
    """Where a forced restore writes its safety backup by default.

    ``spinemet-backups/`` next to the SQLite file, or in the current directory for PostgreSQL (or an
    in-memory SQLite database).
    """
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return Path(database).resolve().parent / SAFETY_DIR_NAME
    return Path.cwd() / SAFETY_DIR_NAME


def _safety_path(directory: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return directory / f"pre-restore-{stamp}.zip"


def _fingerprint(line: bytes) -> bytes:
    return hashlib.sha256(line.rstrip(b"\n")).digest()


def _audit_fingerprints(archive: zipfile.ZipFile, entry: dict[str, Any]) -> set[bytes]:
    """sha256 of each of the backup's audit rows (to tell which current rows it already holds).

    Digests rather than the lines keep the memory small for a trail of millions of rows.
    """
    with archive.open(entry["file"]) as member:
        return {_fingerprint(line) for line in member}


def _replaced_audit_rows(conn: Connection, held: set[bytes]) -> list[dict[str, Any]]:
    """The target's audit rows that the backup does not hold, marked as coming from the replaced database."""
    table = AuditLog.__table__
    names = [c.name for c in table.columns]
    out = []
    for row in _rows(conn, table):
        if _fingerprint(json.dumps([_encode(v) for v in row], ensure_ascii=False).encode()) in held:
            continue
        record = dict(zip(names, row, strict=True))
        del record["id"]
        record["table_name"] = REPLACED_PREFIX + record["table_name"]
        out.append(record)
    return out


def restore(
    engine: Engine,
    path: str | Path,
    *,
    force: bool = False,
    safety_dir: str | Path | None = None,
    username: str | None = None,
) -> BackupInfo:
    """Restore the backup at ``path`` into ``engine``'s database in one transaction.

    Into an empty database the backup is restored exactly (every row of every table). A database that
    holds data is refused unless ``force``; then the current database is first backed up to
    ``safety_dir`` (default :func:`default_safety_dir`), and after the restore the audit trail gets the
    replaced database's audit rows the backup lacks (``table_name`` prefixed ``replaced:``, original
    time, user and values) and one row recording the restore (``table_name`` ``database``, ``record_id``
    ``restore``, the details as JSON in ``new_value``), written by ``username`` (default: the OS user).

    Raises:
        BackupError: unreadable or corrupted file (checksum/row count mismatch), a backup of another
            schema revision, a target that already holds data (unless ``force``), or a target that
            changed while its safety backup was written.
    """
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"cannot open backup {path.name}: {exc}") from exc
    with archive:
        manifest = read_manifest(archive)
        _verify(archive, manifest)
        head = head_revision()
        if manifest["schema_revision"] != head:
            raise BackupError(
                f"backup schema revision: got {manifest['schema_revision']}; allowed: {head} "
                "(restore it with the spinemet version that wrote it, then upgrade)"
            )
        safety: BackupInfo | None = None
        with engine.connect() as conn:
            revision = current_revision(conn)
            counts = table_counts(conn) if revision == head else {}
        if revision is not None and revision != head:
            raise BackupError(f"target schema at revision {revision}; run `spinemet db upgrade` first")
        if any(counts.values()):
            if not force:
                held = ", ".join(f"{k}={v}" for k, v in counts.items() if v)
                raise BackupError(f"target database is not empty ({held}); use --force to replace it")
            directory = Path(safety_dir) if safety_dir is not None else default_safety_dir(engine)
            directory.mkdir(parents=True, exist_ok=True)
            safety = backup(engine, _safety_path(directory))
        audit_entry = next(t for t in manifest["tables"] if t["name"] == AuditLog.__tablename__)
        with engine.begin() as conn:
            revision = current_revision(conn)
            replaced: list[dict[str, Any]] = []
            if revision is not None:
                now = table_counts(conn)
                if any(now.values()):
                    if safety is None or now != safety.rows:
                        raise BackupError(
                            "the target database changed while it was being backed up; nothing was "
                            "restored, run the restore again"
                        )
                    replaced = _replaced_audit_rows(conn, _audit_fingerprints(archive, audit_entry))
                    downgrade(conn, "base")
                upgrade(conn, "head")
            else:
                upgrade(conn, "head")
            by_name = {t.name: t for t in _tables()}
            for entry in manifest["tables"]:
                table = by_name[entry["name"]]
                columns = entry["columns"]
                decoders = [_decoder(table.c[c].type) for c in columns]
                batch: list[dict[str, Any]] = []
                with archive.open(entry["file"]) as member:
                    for line in member:
                        values = json.loads(line)
                        batch.append({c: d(v) for c, d, v in zip(columns, decoders, values, strict=True)})
                        if len(batch) >= _BATCH:
                            bulk_insert(conn, table, batch)
                            batch = []
                bulk_insert(conn, table, batch)
            _reset_sequences(conn)
            restored = table_counts(conn)
            expected = {t["name"]: t["rows"] for t in manifest["tables"]}
            if restored != expected:  # pragma: no cover - a defect; the transaction is rolled back
                raise BackupError(f"restore row counts {restored} differ from the manifest {expected}")
            if safety is not None:
                _record_restore(conn, path, safety, replaced, restored, username)
    return BackupInfo(
        path,
        manifest["schema_revision"],
        restored,
        safety_backup=None if safety is None else safety.path,
        replaced_rows=None if safety is None else safety.rows,
    )


def _record_restore(
    conn: Connection,
    path: Path,
    safety: BackupInfo,
    replaced: list[dict[str, Any]],
    restored: dict[str, int],
    username: str | None,
) -> None:
    """Append the replaced database's audit rows and the row recording this forced restore."""
    table = AuditLog.__table__
    for start in range(0, len(replaced), _BATCH):
        bulk_insert(conn, table, replaced[start : start + _BATCH])
    sha = file_sha256(path)
    details = {
        "backup_file": path.name,
        "backup_sha256": sha,
        "safety_backup": safety.path.name,
        "safety_backup_sha256": file_sha256(safety.path),
        "rows_replaced": safety.rows,
        "rows_restored": restored,
        "replaced_audit_rows_appended": len(replaced),
    }
    row = {
        "at": utc_now(),
        "username": username or default_username(),
        "action": "insert",
        "table_name": RESTORE_TABLE,
        "record_id": RESTORE_RECORD_ID,
        "field": None,
        "old_value": None,
        "new_value": json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        "reason": f"forced restore of {path.name}; replaced database saved to {safety.path.name}",
        "source_file": path.name,
        "source_sha256": sha,
    }
    bulk_insert(conn, table, [row])
