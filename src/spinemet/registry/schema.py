"""Schema management: the Alembic configuration (built in code) and upgrade/check helpers.

Policy (see docs/registry.md): an empty database is created at the newest revision automatically on
first use; a database at an older revision is never changed silently - spinemet asks the user to run
``spinemet db upgrade`` (after a backup).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from spinemet.registry.engine import write_transaction
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import Base

__all__ = [
    "alembic_config",
    "current_revision",
    "downgrade",
    "ensure_schema",
    "head_revision",
    "lock_schema",
    "upgrade",
]


def _migrations_dir() -> Path:
    return Path(str(resources.files("spinemet.registry") / "migrations"))


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` pointing at the packaged migrations; ``connection`` is used by env.py."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_migrations_dir()))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration revision shipped with this spinemet."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (``None`` for a database never migrated)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine | Connection, revision: str = "head") -> str | None:
    """Run the migrations up to ``revision``; returns the resulting revision.

    Given an engine, runs in its own transaction; given a connection, runs in the caller's transaction.
    """
    if isinstance(engine, Connection):
        command.upgrade(alembic_config(engine), revision)
        return current_revision(engine)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), revision)
        return current_revision(conn)


def downgrade(engine: Engine | Connection, revision: str = "base") -> None:
    """Run the migrations down to ``revision`` (``base`` drops every registry table and trigger)."""
    if isinstance(engine, Connection):
        command.downgrade(alembic_config(engine), revision)
        return
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), revision)


#: Key of the PostgreSQL advisory lock held while the schema is created (any constant of spinemet's own).
SCHEMA_LOCK_KEY = 0x5350494E  # "SPIN"


def lock_schema(conn: Connection) -> None:
    """Serialise schema creation: PostgreSQL takes an advisory lock until the transaction ends; on SQLite
    the caller's ``BEGIN IMMEDIATE`` (:func:`~spinemet.registry.engine.write_transaction`) already has."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


def _refuse(rev: str | None, head: str) -> RegistryError:
    return RegistryError(
        f"the database schema is at revision {rev or 'none (unmanaged tables present)'}, this spinemet "
        f"needs {head}: back it up (spinemet backup) and run `spinemet db upgrade`"
    )


def ensure_schema(engine: Engine) -> None:
    """Create the schema if the database is empty; refuse a database at another revision.

    Creation happens once even when several processes start on an empty database at the same time
    (two first imports): each takes the write lock (SQLite) or an advisory lock (PostgreSQL), checks
    again, and only the first creates the schema; the others wait and find it created.

    Raises:
        RegistryError: the database has tables but no/another revision (run ``spinemet db upgrade``),
            or another writer held the lock for longer than the busy timeout.
    """
    head = head_revision()
    with engine.connect() as conn:
        rev = current_revision(conn)
        if rev == head:
            return
        existing = set(inspect(conn).get_table_names()) & set(Base.metadata.tables)
    if rev is not None or existing:
        raise _refuse(rev, head)
    with write_transaction(engine) as conn:
        lock_schema(conn)
        rev = current_revision(conn)
        if rev == head:  # created by another process meanwhile
            return
        existing = set(inspect(conn).get_table_names()) & set(Base.metadata.tables)
        if rev is not None or existing:
            raise _refuse(rev, head)
        upgrade(conn)
