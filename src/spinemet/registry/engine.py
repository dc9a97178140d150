"""Database URL resolution and engine creation for the registry.

The embedded default is one SQLite file (``./spinemet.sqlite``). Every SQLite connection gets
``journal_mode=WAL``, ``foreign_keys=ON`` and ``synchronous=FULL`` (a new file also 16 KiB pages), and
spinemet emits ``BEGIN`` itself so that DDL and DML share one real transaction (pysqlite's implicit
transaction handling would not).
PostgreSQL is reached by URL; a plain ``postgresql://`` URL is rewritten to the psycopg 3 driver.

Writes go through :func:`write_transaction`: on SQLite it starts with ``BEGIN IMMEDIATE``, which takes the
single write lock at once and waits for it up to the busy timeout (30 s). A deferred ``BEGIN`` would
read first and then fail at its first write with "database is locked" whenever another writer committed
in between (SQLite cannot upgrade a stale read snapshot), however long the busy timeout.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from spinemet.registry.errors import RegistryError

__all__ = [
    "DEFAULT_URL",
    "ENV_VAR",
    "WRITER_BUSY",
    "make_engine",
    "redact_url",
    "resolve_url",
    "write_transaction",
]

#: How long an SQLite connection waits for a lock held by another process (milliseconds).
BUSY_TIMEOUT_MS = 30_000
#: The message when the write lock could not be had within the busy timeout.
WRITER_BUSY = (
    "another writer holds the database (waited {seconds:g} s for its lock); try again when that import, "
    "restore or edit has finished"
)
_WRITE_OPTION = "spinemet_write"

ENV_VAR = "SPINEMET_DATABASE_URL"
DEFAULT_URL = "sqlite:///spinemet.sqlite"

#: Page size of a NEW SQLite registry (a no-op on an existing file, which keeps its own): an audit row of
#: an imported patient (the record as JSON, ~2 kB) fits once in a 4 KiB page, half of which stays empty,
#: and seven times in 16 KiB (10^6 patients: 4.6 -> 2.9 GB, import 90 -> 66 s, benchmarks/bench_registry.py).
SQLITE_PAGE_SIZE = 16384
_SQLITE_PRAGMAS = (
    f"PRAGMA page_size={SQLITE_PAGE_SIZE}",  # before journal_mode: WAL fixes the page size of a new file
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=FULL",
)


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
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB page cache: large imports spill less
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE_OPTION) else "BEGIN")


def _is_locked(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "database is busy" in text


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction meant to write, committed on success, rolled back on any error.

    On SQLite the write lock is taken at ``BEGIN IMMEDIATE``, waiting up to the busy timeout for another
    writer (another import, a restore); every later statement, the bulk insert included, then runs
    without lock errors. On PostgreSQL it is an ordinary transaction (row-level locks).

    Raises:
        RegistryError: the lock was not free within the busy timeout ("another writer holds the database").
    """
    with engine.connect() as conn:
        conn.execution_options(**{_WRITE_OPTION: True})
        try:
            transaction = conn.begin()
        except OperationalError as exc:
            if conn.dialect.name == "sqlite" and _is_locked(exc):
                raise RegistryError(WRITER_BUSY.format(seconds=BUSY_TIMEOUT_MS / 1000)) from None
            raise
        with transaction:
            yield conn


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
