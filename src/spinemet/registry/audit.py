"""The append-only audit trail.

Every write to patient data or follow-up adds rows to ``audit_log`` recording who, when (UTC), which
table and record (the pseudonymous patient id only), which field, the old and new value, and why (the
imported file's name and sha256, or the user's reason). spinemet has no function that updates or
deletes audit rows, and database triggers refuse UPDATE/DELETE (see the initial migration).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from spinemet.registry.bulk import bulk_insert
from spinemet.registry.models import AuditLog

__all__ = [
    "Change",
    "WriteContext",
    "audit_frame",
    "default_reason",
    "record_json",
    "utc_now",
    "write_audit",
]


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

    Without a ``reason``, a write from a source file gets ``"import of <file name>"``, so the audit
    trail's "why" is never empty.
    """

    username: str = field(default_factory=default_username)
    reason: str | None = None
    source_file: str | None = None
    source_sha256: str | None = None
    at: dt.datetime = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if not self.username:
            raise ValueError("username: got ''; allowed: a non-empty user name")
        if not (self.reason or self.source_file):
            raise ValueError("reason: got None; allowed: a reason text or an import source file")
        if not self.reason:
            object.__setattr__(self, "reason", default_reason(str(self.source_file)))


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


def write_audit(conn: Connection, ctx: WriteContext, changes: Iterable[Change]) -> int:
    """Append ``changes`` to the audit trail; returns the number of rows written."""
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
    bulk_insert(conn, AuditLog.__table__, rows)
    return len(rows)


def audit_frame(conn: Connection, *, record_id: str | None = None) -> pd.DataFrame:
    """The audit trail (optionally for one pseudonymous record id) in insertion order."""
    stmt: Any = select(AuditLog.__table__).order_by(AuditLog.id)
    if record_id is not None:
        stmt = stmt.where(AuditLog.record_id == record_id)
    result = conn.execute(stmt)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for name in frame.columns:  # pandas 3 infers its str dtype (missing = NaN): keep object with None
        if isinstance(frame[name].dtype, pd.StringDtype):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame
