"""Portable, checksummed backup and transactional restore of the whole registry.

A backup is a zip file holding ``manifest.json`` (format, schema revision, and for every table its
columns, row count and the sha256 of its data file) and ``tables/<table>.jsonl`` (one JSON array per
row, in primary-key order), written as zip64 streams (any size, bounded memory), and, when a key is
configured, ``manifest.hmac`` (HMAC-SHA256 of the manifest, which holds every member's sha256). It does
not depend on the backend: a backup of SQLite restores into PostgreSQL and back; tables and columns
come from the SQLAlchemy metadata, so the format follows the schema without code naming columns.

Restore refuses zip bombs before decompressing (:class:`RestoreLimits`), refuses an unsigned or wrongly
signed backup unless ``allow_unsigned``, verifies every checksum before writing anything, checks every
value against its column and the cohort schema, checks the restored audit hash chain, refuses a
non-empty target unless ``force=True``, runs in one transaction (a failed restore leaves the target as
it was), and records itself in the audit trail (who, when, which file and its sha256).

A forced restore never loses the replaced data or its audit trail ("nothing lost, ever"): it first
writes a safety backup of the current database (``pre-restore-<UTC time>.zip``), then replaces the
tables, re-appends the replaced database's audit rows that the backup does not hold (``table_name``
prefixed with ``replaced:``), and appends one row recording the restore (who, when, backup file and
sha256, safety backup file and sha256, rows replaced and restored).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import math
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from sqlalchemy import Boolean, Connection, Date, DateTime, Engine, Float, Integer, Table, func, select, text

from spinemet import __version__
from spinemet.registry.audit import append_audit_rows, default_username, utc_now, verify_chain
from spinemet.registry.bulk import bulk_insert
from spinemet.registry.errors import BackupError
from spinemet.registry.importer import file_sha256
from spinemet.registry.models import AuditLog, Base
from spinemet.registry.schema import current_revision, downgrade, head_revision, upgrade

if TYPE_CHECKING:
    from spinemet.cohort.schema import Column

__all__ = [
    "BACKUP_FORMAT",
    "KEY_ENV",
    "REPLACED_PREFIX",
    "RESTORE_RECORD_ID",
    "BackupInfo",
    "RestoreLimits",
    "backup",
    "cohort_value_allowed",
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
#: The environment variable holding the backup signing key (the CLI's ``--key`` default).
KEY_ENV = "SPINEMET_BACKUP_KEY"
#: The member holding the manifest's HMAC-SHA256 signature.
SIGNATURE_MEMBER = "manifest.hmac"
MANIFEST_CAP = 16 * 1024 * 1024
_GIB = 1024**3


@dataclass(frozen=True)
class RestoreLimits:
    """What restore accepts from a backup file (against zip bombs); the defaults fit 10M+ patients.

    A member larger than ``max_member_bytes`` or all members above ``max_total_bytes`` uncompressed, a
    member over ``ratio_floor_bytes`` compressed more than ``max_ratio``:1 (deflate reaches ~1000:1 only
    on crafted data; registry JSON lines compress ~5-20:1), or a row longer than ``max_line_bytes`` is
    refused before it is decompressed (sizes as declared; zipfile stops at the declared size).
    """

    max_member_bytes: int = 64 * _GIB
    max_total_bytes: int = 128 * _GIB
    max_ratio: int = 200
    ratio_floor_bytes: int = 1024 * 1024
    max_line_bytes: int = 64 * 1024 * 1024


@dataclass(frozen=True)
class BackupInfo:
    """Summary of a backup or restore: schema revision and rows per table."""

    path: Path
    schema_revision: str
    rows: dict[str, int]
    #: Forced restore only: the safety backup of the replaced database, and its rows per table.
    safety_backup: Path | None = None
    replaced_rows: dict[str, int] | None = None
    #: Backup: signed with a key. Restore: the signature was checked and valid.
    signed: bool = False


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


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


def _signature(key: bytes, manifest_bytes: bytes) -> str:
    return hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()


def _key_bytes(key: str | bytes | None) -> bytes | None:
    """The HMAC key; ``None`` = no key. An empty or whitespace-only key is refused (an unset variable)."""
    if key is None:
        return None
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if not raw.strip():
        raise BackupError(
            f"backup key: got an empty key; allowed: a secret of at least 1 character ({KEY_ENV})"
        )
    return raw


def backup(engine: Engine, path: str | Path, *, key: str | bytes | None = None) -> BackupInfo:
    """Write a backup of every registry table to ``path`` (zip); the file appears only when complete.

    Members are streamed row by row (bounded memory) and written with zip64 extensions (members and
    archives over 2 GiB / 65,535 entries). With ``key`` the manifest is signed with HMAC-SHA256
    (``manifest.hmac``); the manifest holds every member's sha256, so the signature covers all data.
    """
    path = Path(path)
    raw_key = _key_bytes(key)
    tables = _tables()
    manifest_tables = []
    fd, tmp_name = tempfile.mkstemp(prefix=".spinemet-backup-", suffix=".zip", dir=path.parent or Path())
    os.close(fd)
    try:
        conn_opts = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
        with (
            engine.connect().execution_options(**conn_opts) as conn,
            conn.begin(),
            zipfile.ZipFile(tmp_name, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        ):
            revision = current_revision(conn)
            if revision is None:
                raise BackupError("the database has no spinemet schema: nothing to back up")
            for table in tables:
                digest = hashlib.sha256()
                count = 0
                name = f"tables/{table.name}.jsonl"
                with archive.open(name, "w", force_zip64=True) as member:
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
            manifest_bytes = json.dumps(manifest, indent=2).encode("utf-8")
            archive.writestr("manifest.json", manifest_bytes)
            if raw_key is not None:
                signature = {"algorithm": "HMAC-SHA256", "hmac": _signature(raw_key, manifest_bytes)}
                archive.writestr(SIGNATURE_MEMBER, json.dumps(signature))
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return BackupInfo(
        path, revision, {t["name"]: t["rows"] for t in manifest_tables}, signed=raw_key is not None
    )


def _check_limits(archive: zipfile.ZipFile, limits: RestoreLimits) -> None:
    """Refuse a zip bomb before decompressing anything: member sizes, ratios and total, as declared.

    The declared sizes cannot be exceeded later: :mod:`zipfile` stops at a member's declared size
    (and its CRC check fails on a lie), and rows are read line by line with a cap on the line length.
    """
    total = 0
    for info in archive.infolist():
        if info.file_size > limits.max_member_bytes:
            raise BackupError(
                f"backup member {info.filename}: {info.file_size} bytes uncompressed; "
                f"allowed: at most {limits.max_member_bytes} (a zip bomb?)"
            )
        if info.file_size > limits.ratio_floor_bytes and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise BackupError(
                f"backup member {info.filename}: compression ratio "
                f"{info.file_size // max(info.compress_size, 1)}:1; "
                f"allowed: at most {limits.max_ratio}:1 (a zip bomb?)"
            )
        total += info.file_size
    if total > limits.max_total_bytes:
        raise BackupError(
            f"backup: {total} bytes uncompressed in all; "
            f"allowed: at most {limits.max_total_bytes} (a zip bomb?)"
        )


def _read_small(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
    with archive.open(name) as member:
        data = member.read(cap + 1)
    if len(data) > cap:
        raise BackupError(f"backup member {name}: larger than {cap} bytes; not a spinemet backup")
    return data


def _lines(member: IO[bytes], name: str, max_line: int) -> Iterator[bytes]:
    """The member's lines, streamed; a line longer than ``max_line`` bytes is refused (not buffered)."""
    number = 0
    while True:
        line = member.readline(max_line + 1)
        if not line:
            return
        number += 1
        if len(line) > max_line:
            raise BackupError(f"backup member {name} line {number}: longer than {max_line} bytes")
        yield line


def read_manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    """The manifest of an open backup, checked for format and version."""
    try:
        manifest = json.loads(_read_small(archive, "manifest.json", MANIFEST_CAP))
    except (KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise BackupError(f"not a spinemet backup (manifest.json unreadable: {exc})") from exc
    if not isinstance(manifest, dict):
        raise BackupError("not a spinemet backup (manifest.json is not an object)")
    if manifest.get("format") != BACKUP_FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"backup format: got {manifest.get('format')!r} v{manifest.get('format_version')!r}; "
            f"allowed: {BACKUP_FORMAT} v{FORMAT_VERSION}"
        )
    return manifest


def _check_signature(archive: zipfile.ZipFile, key: bytes | None, allow_unsigned: bool) -> bool:
    """Whether the backup's manifest carries a valid HMAC under ``key``; refuses otherwise.

    Refused unless ``allow_unsigned``: no key given (nothing can be checked), an unsigned backup, a
    wrong signature (another key, or an edited manifest).
    """
    names = set(archive.namelist())
    if key is None:
        if allow_unsigned:
            return False
        signed = "signed" if SIGNATURE_MEMBER in names else "unsigned"
        raise BackupError(
            f"backup is {signed} and no key was given: give the backup key (--key or {KEY_ENV}), or "
            "--allow-unsigned to restore a backup whose origin cannot be checked"
        )
    if SIGNATURE_MEMBER not in names:
        if allow_unsigned:
            return False
        raise BackupError("backup is not signed; refused (--allow-unsigned to restore it anyway)")
    try:
        signature = json.loads(_read_small(archive, SIGNATURE_MEMBER, 4096))
        given = str(signature["hmac"])
        algorithm = signature["algorithm"]
    except (KeyError, TypeError, ValueError) as exc:
        raise BackupError(f"backup signature unreadable ({SIGNATURE_MEMBER})") from exc
    manifest_bytes = _read_small(archive, "manifest.json", MANIFEST_CAP)
    if algorithm == "HMAC-SHA256" and hmac.compare_digest(given, _signature(key, manifest_bytes)):
        return True
    if allow_unsigned:
        return False
    raise BackupError(
        "backup signature does not match this key (another key, or the backup was altered); refused "
        "(--allow-unsigned to restore it anyway)"
    )


def _verify(archive: zipfile.ZipFile, manifest: dict[str, Any], limits: RestoreLimits) -> None:
    expected = {t.name for t in _tables()}
    entries = manifest.get("tables")
    if not isinstance(entries, list) or not all(isinstance(t, dict) and "name" in t for t in entries):
        raise BackupError("not a spinemet backup (manifest tables unreadable)")
    listed = {t["name"] for t in entries}
    if listed != expected:
        raise BackupError(f"backup tables: got {sorted(listed)}; allowed: {sorted(expected)}")
    by_name = {t.name: t for t in _tables()}
    for entry in entries:
        table = by_name[entry["name"]]
        columns = entry.get("columns")
        allowed = [c.name for c in table.columns]
        if not isinstance(columns, list):
            raise BackupError(f"backup table {table.name}: columns unreadable")
        for column in columns:
            if column not in table.c:
                raise BackupError(
                    f"backup table {table.name} column {str(column)[:64]!r}: unknown; "
                    f"allowed: {', '.join(allowed)}"
                )
        missing = [c for c in allowed if c not in columns]
        if missing or len(set(columns)) != len(columns):
            raise BackupError(
                f"backup table {table.name}: columns {columns}; allowed: each of {', '.join(allowed)} once"
            )
        digest = hashlib.sha256()
        count = 0
        try:
            with archive.open(entry["file"]) as member:
                for line in _lines(member, entry["file"], limits.max_line_bytes):
                    digest.update(line)
                    count += 1
        except (KeyError, zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise BackupError(f"backup corrupted: {entry['file']}: {exc}") from exc
        if digest.hexdigest() != entry.get("sha256") or count != entry.get("rows"):
            raise BackupError(
                f"backup corrupted: {entry['file']} has sha256 {digest.hexdigest()} and {count} rows; "
                f"the manifest says {entry.get('sha256')} and {entry.get('rows')} rows"
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


def _audit_fingerprints(archive: zipfile.ZipFile, entry: dict[str, Any], limits: RestoreLimits) -> set[bytes]:
    """sha256 of each of the backup's audit rows (to tell which current rows it already holds).

    Digests rather than the lines keep the memory small for a trail of millions of rows.
    """
    with archive.open(entry["file"]) as member:
        return {_fingerprint(line) for line in _lines(member, entry["file"], limits.max_line_bytes)}


def _replaced_audit_rows(conn: Connection, held: set[bytes]) -> list[dict[str, Any]]:
    """The target's audit rows that the backup does not hold, marked as coming from the replaced database."""
    table = AuditLog.__table__
    names = [c.name for c in table.columns]
    out = []
    for row in _rows(conn, table):
        if _fingerprint(json.dumps([_encode(v) for v in row], ensure_ascii=False).encode()) in held:
            continue
        record = dict(zip(names, row, strict=True))
        for generated in ("id", "seq", "hash"):  # re-appended rows join the chain anew
            del record[generated]
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
    key: str | bytes | None = None,
    allow_unsigned: bool = False,
    limits: RestoreLimits | None = None,
) -> BackupInfo:
    """Restore the backup at ``path`` into ``engine``'s database in one transaction.

    Before anything is written: member sizes and compression ratios are checked against ``limits``
    (a zip bomb is refused before it is decompressed), the HMAC signature is checked with ``key``
    (unsigned, wrongly signed, or no key: refused unless ``allow_unsigned``), and every member's
    sha256 and row count against the manifest. While loading, every value is checked against its
    column (type, length) and, for cohort columns, against the cohort schema; the restored audit
    trail's hash chain must be intact. Any problem rolls the whole restore back.

    Into an empty database the backup is restored exactly, then one audit row records the restore
    (who, when, which file and its sha256, whether it was signed). A database that holds data is
    refused unless ``force``; then the current database is first backed up to ``safety_dir`` (default
    :func:`default_safety_dir`), and after the restore the audit trail gets the replaced database's
    audit rows the backup lacks (``table_name`` prefixed ``replaced:``, original time, user and values)
    and the row recording the restore (``table_name`` ``database``, ``record_id`` ``restore``, the
    details as JSON in ``new_value``), written by ``username`` (default: the OS user).

    Raises:
        BackupError: unreadable, oversized, unsigned/wrongly signed or corrupted file, an invalid
            value (named by table, row and column), a broken audit chain, a backup of another schema
            revision, a target that already holds data (unless ``force``), or a target that changed
            while its safety backup was written.
    """
    path = Path(path)
    raw_key = _key_bytes(key)
    limits = limits or RestoreLimits()
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BackupError(f"cannot open backup {path.name}: {exc}") from exc
    with archive:
        _check_limits(archive, limits)
        signed = _check_signature(archive, raw_key, allow_unsigned)
        manifest = read_manifest(archive)
        _verify(archive, manifest, limits)
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
            safety = backup(engine, _safety_path(directory), key=key)
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
                    replaced = _replaced_audit_rows(conn, _audit_fingerprints(archive, audit_entry, limits))
                    downgrade(conn, "base")
                upgrade(conn, "head")
            else:
                upgrade(conn, "head")
            by_name = {t.name: t for t in _tables()}
            for table in _tables():  # empty what the migrations filled (the audit chain head)
                if conn.execute(select(func.count()).select_from(table)).scalar_one():
                    conn.execute(table.delete())
            for entry in manifest["tables"]:
                table = by_name[entry["name"]]
                columns = entry["columns"]
                checker = _RowChecker(table, columns)
                batch: list[dict[str, Any]] = []
                with archive.open(entry["file"]) as member:
                    for number, line in enumerate(_lines(member, entry["file"], limits.max_line_bytes), 1):
                        batch.append(checker(line, number))
                        if len(batch) >= _BATCH:
                            bulk_insert(conn, table, batch)
                            batch = []
                bulk_insert(conn, table, batch)
            _reset_sequences(conn)
            restored = table_counts(conn)
            expected = {t["name"]: t["rows"] for t in manifest["tables"]}
            if restored != expected:  # pragma: no cover - a defect; the transaction is rolled back
                raise BackupError(f"restore row counts {restored} differ from the manifest {expected}")
            chain = verify_chain(conn)
            if not chain.ok:
                raise BackupError(f"backup audit trail is not intact: {chain.problem}; nothing was restored")
            _record_restore(conn, path, safety, replaced, restored, username, signed)
    return BackupInfo(
        path,
        manifest["schema_revision"],
        restored,
        safety_backup=None if safety is None else safety.path,
        replaced_rows=None if safety is None else safety.rows,
        signed=signed,
    )


def _record_restore(
    conn: Connection,
    path: Path,
    safety: BackupInfo | None,
    replaced: list[dict[str, Any]],
    restored: dict[str, int],
    username: str | None,
    signed: bool,
) -> None:
    """Append the replaced database's audit rows (forced restore) and the row recording this restore."""
    for start in range(0, len(replaced), _BATCH):
        append_audit_rows(conn, replaced[start : start + _BATCH])
    sha = file_sha256(path)
    details: dict[str, Any] = {
        "backup_file": path.name,
        "backup_sha256": sha,
        "signed": signed,
        "rows_restored": restored,
    }
    if safety is not None:
        details.update(
            {
                "safety_backup": safety.path.name,
                "safety_backup_sha256": file_sha256(safety.path),
                "rows_replaced": safety.rows,
                "replaced_audit_rows_appended": len(replaced),
            }
        )
        reason = f"forced restore of {path.name}; replaced database saved to {safety.path.name}"
    else:
        reason = f"restore of {path.name} into an empty database"
    row = {
        "at": utc_now(),
        "username": username or default_username(),
        "action": "insert",
        "table_name": RESTORE_TABLE,
        "record_id": RESTORE_RECORD_ID,
        "field": None,
        "old_value": None,
        "new_value": json.dumps(details, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        "reason": reason,
        "source_file": path.name,
        "source_sha256": sha,
    }
    append_audit_rows(conn, [row])


class _RowChecker:
    """Decode one backup line into a row of ``table``, checking every value; errors name table/row/column.

    Each value must have its column's type (and fit its length); a value of a cohort column (a column
    named like one, a follow-up visit score, or a cohort value stored as key/value) must be allowed by
    the cohort schema (:mod:`spinemet.cohort.schema`), so a restored registry always exports.
    """

    def __init__(self, table: Table, columns: list[str]) -> None:
        self.table = table
        self.columns = columns
        self.decoders = [_checked_decoder(table.c[c]) for c in columns]
        self.cohort = [_cohort_column(table.name, c) for c in columns]
        self.key_value = table.name == _KEY_VALUE_TABLE

    def __call__(self, line: bytes, number: int) -> dict[str, Any]:
        where = f"backup table {self.table.name} row {number}"
        try:
            values = json.loads(line)
        except ValueError as exc:
            raise BackupError(f"{where}: not a JSON row") from exc
        if not isinstance(values, list) or len(values) != len(self.columns):
            raise BackupError(f"{where}: not a row of {len(self.columns)} values")
        row: dict[str, Any] = {}
        for name, decode, cohort, value in zip(self.columns, self.decoders, self.cohort, values, strict=True):
            try:
                decoded = decode(value)
            except (TypeError, ValueError, OverflowError) as exc:
                raise BackupError(f"{where} column {name}: {exc}") from None
            if cohort is not None and not cohort_value_allowed(cohort, decoded):
                raise BackupError(
                    f"{where} column {name}: {_shown(cohort, decoded)}; allowed: {cohort.allowed}"
                )
            row[name] = decoded
        if self.key_value:
            self._check_key_value(row, where)
        return row

    @staticmethod
    def _check_key_value(row: dict[str, Any], where: str) -> None:
        # The key/value layout of patient data before migration 0003 (a no-op once that table is gone).
        from spinemet.cohort.schema import COLUMN_BY_NAME

        name = row.get("column")
        spec = COLUMN_BY_NAME.get(name) if isinstance(name, str) else None
        if spec is None:
            raise BackupError(f"{where} column column: unknown cohort column {str(name)[:64]!r}")
        value = next((v for k, v in row.items() if k.startswith("value_") and v is not None), None)
        if not cohort_value_allowed(spec, value):
            raise BackupError(f"{where} ({name}): {_shown(spec, value)}; allowed: {spec.allowed}")


#: The pre-0003 key/value table of patient values (checked via its ``column`` key; absent after 0003).
_KEY_VALUE_TABLE = "patient_value"
#: Follow-up visit scores, checked like the cohort's post-operative columns.
_COHORT_ALIASES = {
    ("follow_up", "frankel"): "frankel_post",
    ("follow_up", "barthel"): "barthel_post",
    ("follow_up", "vas"): "vas_post",
}


def _cohort_column(table: str, column: str) -> Column | None:
    from spinemet.cohort.schema import COLUMN_BY_NAME

    if table in ("audit_log", "audit_chain", "users", "user_site"):
        return None
    return COLUMN_BY_NAME.get(_COHORT_ALIASES.get((table, column), column))


def _shown(spec: Column, value: Any) -> str:
    if spec.kind == "text":  # free text and ids are not echoed
        return f"got a {type(value).__name__}"
    text_value = repr(value.isoformat() if isinstance(value, dt.date) else value)
    return "got " + (text_value if len(text_value) <= 40 else text_value[:37] + "...")


def cohort_value_allowed(spec: Column, value: Any) -> bool:
    """Whether a stored ``value`` (None, str, number or date) is allowed in cohort column ``spec``."""
    if value is None:
        return True
    kind = spec.kind
    if kind == "text":
        return isinstance(value, str)
    if kind == "category":
        return isinstance(value, str) and value in spec.values
    if kind == "multi":
        return isinstance(value, str) and all(p.strip() in spec.values for p in value.split(";") if p.strip())
    if kind == "date":
        return isinstance(value, dt.date)
    if isinstance(value, str):
        return any(value == token for token, _ in spec.special)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    x = float(value)
    if not math.isfinite(x):
        return False
    if kind == "binary":
        return x in (0.0, 1.0)
    if kind == "integer":
        if not x.is_integer():
            return False
        if spec.values:
            return str(int(x)) in spec.values
    if spec.low is not None and (x <= spec.low if spec.low_exclusive else x < spec.low):
        return False
    if spec.high is not None and x > spec.high:
        return False
    return not (spec.step is not None and spec.low is not None and (x - spec.low) % spec.step)


def _checked_decoder(column: Any) -> Any:
    """A function decoding one JSON value for ``column``; raises ValueError with the reason."""
    ctype = column.type
    nullable = bool(column.nullable)

    def none_ok(_v: Any) -> None:
        if not nullable:
            raise ValueError("got null; allowed: a value (the column is required)")

    if isinstance(ctype, DateTime):

        def decode(v: Any) -> Any:
            if v is None:
                return none_ok(v)
            if not isinstance(v, str):
                raise ValueError(f"got a {type(v).__name__}; allowed: an ISO date-time")
            return dt.datetime.fromisoformat(v)
    elif isinstance(ctype, Date):

        def decode(v: Any) -> Any:
            if v is None:
                return none_ok(v)
            if not isinstance(v, str):
                raise ValueError(f"got a {type(v).__name__}; allowed: an ISO date")
            return dt.date.fromisoformat(v)
    elif isinstance(ctype, Boolean):

        def decode(v: Any) -> Any:
            if v is None:
                return none_ok(v)
            if v not in (True, False, 0, 1):
                raise ValueError(f"got {v!r}; allowed: true or false")
            return bool(v)
    elif isinstance(ctype, Float):

        def decode(v: Any) -> Any:
            if v is None:
                return none_ok(v)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise ValueError(f"got a {type(v).__name__}; allowed: a finite number")
            return float(v)
    elif isinstance(ctype, Integer):

        def decode(v: Any) -> Any:
            if v is None:
                return none_ok(v)
            if isinstance(v, bool) or not isinstance(v, int):
                raise ValueError(f"got a {type(v).__name__}; allowed: an integer")
            return v
    else:
        length = getattr(ctype, "length", None)

        def decode(v: Any) -> Any:
            if v is None:
                return none_ok(v)
            if not isinstance(v, str):
                raise ValueError(f"got a {type(v).__name__}; allowed: text")
            if length is not None and len(v) > length:
                raise ValueError(f"got {len(v)} characters; allowed: at most {length}")
            return v

    return decode
