"""Where the registry is, checked without creating it: read commands (``patients``, ``audit``, ``export``,
``followup list``, ``report``) must not leave an empty ``./spinemet.sqlite`` behind in a folder that has
none (SQLite creates the file on first connect)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["missing_sqlite_file", "registry_may_exist"]


def missing_sqlite_file(db: str | None) -> str | None:
    """The SQLite file that ``db`` (else ``$SPINEMET_DATABASE_URL``, else ``spinemet.sqlite``) names when it
    does not exist; ``None`` when it exists, or for other databases (e.g. PostgreSQL), which are then tried.
    Checked without importing SQLAlchemy (a cold start costs ~0.3 s)."""
    raw = db or os.environ.get("SPINEMET_DATABASE_URL") or "spinemet.sqlite"
    if "://" not in raw:
        return None if Path(raw).is_file() else raw
    if raw.startswith("sqlite"):
        path = raw.split("///", 1)[-1] if "///" in raw else ""
        if not path or path == ":memory:" or path.startswith("file:"):
            return None
        return None if Path(path).is_file() else path
    return None


def registry_may_exist(db: str | None) -> bool:
    """False when the registry is an SQLite file that does not exist."""
    return missing_sqlite_file(db) is None
