"""Database URL resolution and engine creation for the registry.

The embedded default is one SQLite file (``./spinemet.sqlite``). Every SQLite connection gets
``journal_mode=WAL``, ``foreign_keys=ON`` and ``synchronous=FULL``, and spinemet emits ``BEGIN`` itself so
that DDL and DML share one real transaction (pysqlite's implicit transaction handling would not).
PostgreSQL is reached by URL; a plain ``postgresql://`` URL is rewritten to the psycopg 3 driver.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

__all__ = ["DEFAULT_URL", "ENV_VAR", "make_engine", "redact_url", "resolve_url"]

ENV_VAR = "SPINEMET_DATABASE_URL"
DEFAULT_URL = "sqlite:///spinemet.sqlite"

_SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=FULL")


def resolve_url(url: str | None = None) -> str:
    """Return the database URL to use: ``url``, else ``$SPINEMET_DATABASE_URL``, else ``./spinemet.sqlite``.

    A value without ``://`` is taken as a path to an SQLite file. ``postgresql://`` and ``postgres://``
    are rewritten to ``postgresql+psycopg://`` (psycopg 3, the driver spinemet installs).
    """
    raw = url or os.environ.get(ENV_VAR) or DEFAULT_URL
    if "://" not in raw:
        return "sqlite:///" + str(Path(raw))
    for prefix in ("postgresql://", "postgres://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def redact_url(url: str) -> str:
    """The URL with any password masked, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" hook below emits BEGIN explicitly.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB page cache: large imports spill less
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` (see :func:`resolve_url`) with spinemet's connection settings."""
    resolved = resolve_url(url)
    sa_url = make_url(resolved)
    if sa_url.get_backend_name() == "sqlite":
        engine = create_engine(sa_url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(sa_url, **kwargs)
