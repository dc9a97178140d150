"""The append-only, tamper-evident audit trail.

Every write to patient data or follow-up adds rows to ``audit_log`` recording who, when (UTC), which
table and record (the pseudonymous patient id only), which field, the old and new value, and why (the
imported file's name and sha256, or the user's reason). spinemet has no function that updates or
deletes audit rows, and database triggers refuse UPDATE/DELETE (see the initial migration) and, on
SQLite, an INSERT that would replace a row (``INSERT OR REPLACE``; migration 0004).

Tamper evidence (migration 0004): every row carries ``seq`` (1, 2, 3, ... without gaps, assigned under
a lock on the ``audit_chain`` head row, so a rolled-back transaction leaves no gap in ``seq`` even where
it leaves one in ``id``) and ``hash`` = sha256 of the canonical encoding of its fields, its ``seq`` and
the previous row's hash (:func:`chain_hash`). Whoever edits, deletes, inserts or reorders rows past the
triggers (a superuser, a file editor) breaks the chain, and :func:`verify_chain` names the first broken
link. Like any hash chain without an outside anchor, it does not stop someone who recomputes every
later hash and the head: keep the head that ``spinemet audit verify`` prints (or a signed backup).
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Connection, select

from spinemet.errors import InvalidInputError
from spinemet.registry.bulk import bulk_insert
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import AuditChain, AuditLog

__all__ = [
    "CHAINED_FIELDS",
    "GENESIS",
    "ChainReport",
    "Change",
    "WriteContext",
    "append_audit_rows",
    "audit_frame",
    "chain_hash",
    "default_reason",
    "record_json",
    "utc_now",
    "verify_chain",
    "write_audit",
]

#: The "previous hash" of the first row of the chain.
GENESIS = "0" * 64
#: The audit row fields covered by the hash, in the order of the canonical encoding (``id`` is not:
#: ``seq`` orders the chain).
CHAINED_FIELDS = (
    "seq",
    "at",
    "username",
    "action",
    "table_name",
    "record_id",
    "field",
    "old_value",
    "new_value",
    "reason",
    "source_file",
    "source_sha256",
)
_CHAIN_VERSION = "spinemet-audit-v1"
_HEAD_ID = 1
#: Key of the PostgreSQL advisory lock that serialises audit appends ("spinemet" in ASCII, 8 bytes).
_PG_LOCK_KEY = int.from_bytes(b"spinemet", "big") & 0x7FFFFFFFFFFFFFFF
_VERIFY_BATCH = 10_000


def utc_now() -> dt.datetime:
    """Current UTC time as a naive datetime (the registry stores UTC without an offset)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def default_username() -> str:
    """The operating-system user, used when no ``--user`` is given."""
    try:
        return getpass.getuser()
    except Exception:  # pragma: no cover - no user database (some containers)
        return "unknown"


def default_reason(source_file: str) -> str:
    """The audited reason of an import given without ``--reason``."""
    return f"import of {source_file}"


@dataclass(frozen=True)
class WriteContext:
    """Who writes and why: the user, and a reason and/or the source file with its sha256.

    Without a ``reason`` (or with a blank one), a write from a source file gets ``"import of <file
    name>"``, so the audit trail's "why" is never empty; a blank reason without a source file, or a
    blank user name, is refused (``InvalidInputError`` naming the field).
    """

    username: str = field(default_factory=default_username)
    reason: str | None = None
    source_file: str | None = None
    source_sha256: str | None = None
    at: dt.datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if not self.username or not self.username.strip():
            raise InvalidInputError("username", self.username, "a non-empty user name")
        reason = self.reason.strip() if isinstance(self.reason, str) else self.reason
        if not (reason or self.source_file):
            raise InvalidInputError(
                "reason",
                self.reason,
                "a non-blank reason text (why the data change), or an import source file",
            )
        object.__setattr__(self, "reason", reason or default_reason(str(self.source_file)))


@dataclass(frozen=True)
class Change:
    """One audited change: ``action`` insert/update/delete of ``field`` (None = whole record)."""

    action: str
    table_name: str
    record_id: str
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None


def record_json(values: Mapping[str, str | None]) -> str:
    """A record as compact JSON with sorted keys, for insert/delete audit rows."""
    return json.dumps(dict(values), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _canonical_at(value: Any) -> str:
    if isinstance(value, str):  # a driver that hands back text (never with SQLAlchemy's DateTime)
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds")


def chain_hash(row: Mapping[str, Any], previous: str, at_text: dict[Any, str] | None = None) -> str:
    """sha256 (hex) of one audit row chained to ``previous`` (the hash of the row before, or GENESIS).

    The canonical encoding is a compact JSON array (UTF-8, no ASCII escaping): a version tag, the
    previous hash, then :data:`CHAINED_FIELDS` (``at`` as ISO 8601 with microseconds, NULL as null).
    ``at_text`` caches the canonical text of each ``at`` (the rows of one write share it).
    """
    values: list[Any] = [_CHAIN_VERSION, previous]
    for name in CHAINED_FIELDS:
        value = row[name]
        if name == "at":
            if at_text is None:
                value = _canonical_at(value)
            else:
                text = at_text.get(value)
                if text is None:
                    text = at_text[value] = _canonical_at(value)
                value = text
        elif name == "seq":
            value = int(value)
        values.append(value)
    encoded = json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def _json_scalar(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)`` for the scalars of an audit row (text, int, None)."""
    if value is None:
        return "null"
    if isinstance(value, str):
        return _encode_text(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int.__repr__(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_encode_text = json.encoder.encode_basestring  # the C escaper json.dumps uses with ensure_ascii=False


def _chain_hashes(rows: list[dict[str, Any]], seq: int, previous: str) -> str:
    """Number and hash ``rows`` in place after (``seq``, ``previous``); returns the last hash.

    The bytes hashed are exactly :func:`chain_hash`'s (a compact JSON array is ``[`` + its items' JSON
    joined by ``,`` + ``]``), built from each value's JSON text; the values a write repeats on every row
    (time, user, reason, file) are encoded once. Tested equal to :func:`chain_hash`.
    """
    memo: dict[tuple[str, Any], str] = {}
    head = "[" + _json_scalar(_CHAIN_VERSION) + ","
    for row in rows:
        seq += 1
        parts = [head, _json_scalar(previous), ",", int.__repr__(seq)]
        for name in _CHAINED_AFTER_SEQ:
            value = row[name]
            if name in _REPEATED:
                key = (name, value)
                text = memo.get(key)
                if text is None:
                    text = memo[key] = _json_scalar(_canonical_at(value) if name == "at" else value)
            else:
                text = _json_scalar(value)
            parts.append(",")
            parts.append(text)
        parts.append("]")
        previous = hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()
        row["seq"] = seq
        row["hash"] = previous
    return previous


_CHAINED_AFTER_SEQ = CHAINED_FIELDS[1:]
_REPEATED = frozenset({"at", "username", "action", "table_name", "field", "reason", "source_file",
                       "source_sha256"})  # fmt: skip


def _lock_head(conn: Connection) -> tuple[int, str]:
    """Lock the chain for this transaction and return (last seq, last hash) of the head.

    PostgreSQL: a transaction-scoped advisory lock (a second writer waits until the first commits,
    then reads the new head). SQLite: the no-op UPDATE takes the database write lock. So two writers
    can never fork the chain. The head row is created by the first append (an empty registry has no
    rows at all); a missing head while audit rows exist is refused.
    """
    if conn.dialect.name == "postgresql":
        conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
    table = AuditChain.__table__
    head = conn.execute(
        sa.update(table)
        .where(table.c.id == _HEAD_ID)
        .values(seq=table.c.seq)
        .returning(table.c.seq, table.c.hash)
    ).first()
    if head is not None:
        return int(head[0]), str(head[1])
    if conn.execute(select(AuditLog.__table__.c.id).limit(1)).first() is not None:
        raise RegistryError(
            "audit chain head missing (audit_chain has no row 1 but audit_log has rows): the audit "
            "trail was tampered with; run `spinemet audit verify`"
        )
    conn.execute(sa.insert(table).values(id=_HEAD_ID, seq=0, hash=GENESIS))
    return 0, GENESIS


def append_audit_rows(conn: Connection, rows: Iterable[Mapping[str, Any]]) -> int:
    """Append complete audit rows (every column but ``id``, ``seq`` and ``hash``) to the chain.

    Runs in the caller's transaction: locks the chain head, numbers and hashes the rows, inserts them
    and moves the head. Returns the number of rows written.
    """
    rows = list(rows)
    if not rows:
        return 0
    seq, previous = _lock_head(conn)
    chained = [dict(row) for row in rows]
    previous = _chain_hashes(chained, seq, previous)
    seq += len(chained)
    bulk_insert(conn, AuditLog.__table__, chained)
    table = AuditChain.__table__
    conn.execute(sa.update(table).where(table.c.id == _HEAD_ID).values(seq=seq, hash=previous))
    return len(chained)


def write_audit(conn: Connection, ctx: WriteContext, changes: Iterable[Change]) -> int:
    """Append ``changes`` to the audit trail (chained, see the module doc); returns the rows written."""
    rows = [
        {
            "at": ctx.at,
            "username": ctx.username,
            "action": c.action,
            "table_name": c.table_name,
            "record_id": c.record_id,
            "field": c.field,
            "old_value": c.old_value,
            "new_value": c.new_value,
            "reason": ctx.reason,
            "source_file": ctx.source_file,
            "source_sha256": ctx.source_sha256,
        }
        for c in changes
    ]
    return append_audit_rows(conn, rows)


@dataclass(frozen=True)
class ChainReport:
    """The result of :func:`verify_chain`: ``ok``, rows checked, the head, and the first broken link."""

    ok: bool
    rows: int
    head_seq: int
    head_hash: str
    #: The first broken link, in words (None when ``ok``).
    problem: str | None = None
    #: ``seq`` (and ``id``) of the row where the chain breaks (None when ``ok`` or for a head mismatch).
    seq: int | None = None
    row_id: int | None = None


def _chain_rows(conn: Connection) -> Iterator[Mapping[str, Any]]:
    table = AuditLog.__table__
    stmt = (
        select(table)
        .order_by(table.c.seq, table.c.id)
        .execution_options(stream_results=True, yield_per=_VERIFY_BATCH)
    )
    for row in conn.execute(stmt):
        yield row._mapping


def verify_chain(conn: Connection) -> ChainReport:
    """Walk the audit trail in ``seq`` order and report the first broken link.

    Detected: an edited row (its hash no longer matches its fields), a row whose hash was recomputed
    after an edit (the next row's link breaks), deleted rows (a gap in ``seq``; rows deleted at the end:
    the head names a later row), inserted or duplicated rows, reordered rows (``seq`` is hashed), and a
    missing or edited head. Reads in batches (bounded memory).
    """
    head_row = conn.execute(
        select(AuditChain.__table__.c.seq, AuditChain.__table__.c.hash).where(
            AuditChain.__table__.c.id == _HEAD_ID
        )
    ).first()
    previous = GENESIS
    expected = 1
    count = 0

    def broken(problem: str, row: Mapping[str, Any] | None = None) -> ChainReport:
        return ChainReport(
            False,
            count,
            -1 if head_row is None else int(head_row[0]),
            "" if head_row is None else str(head_row[1]),
            problem,
            None if row is None else row["seq"],
            None if row is None else row["id"],
        )

    at_text: dict[Any, str] = {}
    for row in _chain_rows(conn):
        if len(at_text) > 4096:  # rows of one write share their time; a long trail has many writes
            at_text.clear()
        seq = row["seq"]
        where = f"audit row seq {seq} (id {row['id']})"
        if seq is None or row["hash"] is None:
            return broken(f"{where}: no seq/hash (written past the chain)", row)
        if seq < expected:
            return broken(f"{where}: seq {seq} appears twice (a row was inserted or copied)", row)
        if seq > expected:
            missing = f"seq {expected}" if seq == expected + 1 else f"seq {expected}-{seq - 1}"
            return broken(f"{where}: {missing} missing (row(s) deleted)", row)
        if chain_hash(row, previous, at_text) != row["hash"]:
            before = f", or row seq {seq - 1} was rewritten with a recomputed hash" if count else ""
            return broken(f"{where}: hash does not match (this row was edited{before})", row)
        previous = row["hash"]
        expected += 1
        count += 1
    if head_row is None:
        if count == 0:
            return ChainReport(True, 0, 0, GENESIS)
        return broken("audit chain head missing (audit_chain row 1 deleted)")
    head_seq, head_hash = int(head_row[0]), str(head_row[1])
    if head_seq != count or head_hash != previous:
        if head_seq > count:
            problem = (
                f"the chain head names seq {head_seq} but the trail ends at seq {count} "
                "(rows deleted at the end)"
            )
        else:
            problem = (
                f"the chain head (seq {head_seq}) does not match the last row (seq {count}): head edited"
            )
        return broken(problem)
    return ChainReport(True, count, head_seq, head_hash)


def audit_frame(conn: Connection, *, record_id: str | None = None) -> pd.DataFrame:
    """The audit trail in insertion order; with ``record_id`` (a pseudonymous patient id), that
    patient's rows and those of the patient's follow-up records (``record_id`` ``"<id>/<n>"``)."""
    table = AuditLog.__table__
    stmt: Any = select(table).order_by(table.c.seq, table.c.id)
    if record_id is not None:
        escaped = record_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            (table.c.record_id == record_id) | table.c.record_id.like(escaped + "/%", escape="\\")
        )
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for name in frame.columns:  # pandas 3 infers its str dtype (missing = NaN): keep object with None
        if isinstance(frame[name].dtype, pd.StringDtype):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame
