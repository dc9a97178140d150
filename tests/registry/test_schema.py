"""Engine settings, URL handling and migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from spinemet.registry.engine import make_engine, resolve_url
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import Base
from spinemet.registry.schema import current_revision, downgrade, ensure_schema, head_revision, upgrade
from tests.registry.conftest import BACKENDS, DatabaseFactory


def test_resolve_url_rewrites_plain_postgresql_to_psycopg3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPINEMET_DATABASE_URL", raising=False)
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("postgres://u@h:5433/db") == "postgresql+psycopg://u@h:5433/db"
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url("reg.sqlite") == "sqlite:///reg.sqlite"
    assert resolve_url(None) == "sqlite:///spinemet.sqlite"
    monkeypatch.setenv("SPINEMET_DATABASE_URL", "postgresql://x@y/z")
    assert resolve_url(None) == "postgresql+psycopg://x@y/z"
    assert resolve_url("other.sqlite") == "sqlite:///other.sqlite"


def test_sqlite_pragmas_on_every_connection(tmp_path) -> None:
    eng = make_engine(f"sqlite:///{tmp_path / 'r.sqlite'}")
    for _ in range(2):
        with eng.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
        eng.pool.dispose()  # force a new DBAPI connection for the second round
    eng.dispose()


def test_postgres_driver_is_psycopg3(db_url: str, backend: str) -> None:
    eng = make_engine(db_url)
    assert eng.dialect.driver == ("pysqlite" if backend == "sqlite" else "psycopg")
    eng.dispose()


def test_upgrade_from_empty_creates_every_table(db_url: str) -> None:
    eng = make_engine(db_url)
    try:
        with eng.connect() as conn:
            assert current_revision(conn) is None
        assert upgrade(eng) == head_revision()
        tables = set(inspect(eng).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
        # idempotent
        assert upgrade(eng) == head_revision()
        downgrade(eng, "base")
        assert set(inspect(eng).get_table_names()) & set(Base.metadata.tables) == set()
        ensure_schema(eng)
        with eng.connect() as conn:
            assert current_revision(conn) == head_revision()
    finally:
        eng.dispose()


def test_migration_matches_models(engine) -> None:
    """The migration creates exactly the models' columns (autogenerate finds no difference)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_ensure_schema_refuses_unmanaged_tables(db_url: str) -> None:
    eng = make_engine(db_url)
    try:
        with eng.begin() as conn:
            conn.execute(text("CREATE TABLE patient (id INTEGER PRIMARY KEY)"))
        with pytest.raises(RegistryError, match="spinemet db upgrade"):
            ensure_schema(eng)
    finally:
        eng.dispose()


def test_foreign_keys_enforced(engine) -> None:
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text("INSERT INTO patient_value (patient_pk, \"column\", value_num) VALUES (999, 'age', 1)")
        )


def test_unreachable_postgres_skips_locally_but_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.registry import conftest

    monkeypatch.setattr(conftest, "_pg_unavailable", lambda: "PostgreSQL unreachable (test)")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="unreachable"):
        conftest._require_pg()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the PostgreSQL tests"):
        conftest._require_pg()


@pytest.mark.parametrize("backend", BACKENDS)
def test_version_bumps_on_change_and_auditor_role(db_factory: DatabaseFactory, backend: str) -> None:
    """0002: a new patient is at version 1, each changing store +1, an unchanged re-store keeps it;
    the users table accepts the auditor role and follow-up visits carry Frankel, Barthel and VAS."""
    import pandas as pd
    from sqlalchemy import select

    from spinemet.registry.audit import WriteContext
    from spinemet.registry.followup import add_follow_up
    from spinemet.registry.models import FollowUp, Patient
    from spinemet.registry.store import store_frame
    from spinemet.registry.users import create_user

    eng = db_factory.engine(backend)
    ctx = WriteContext(username="t", reason="r")
    frame = pd.DataFrame({"patient_id": ["P1"], "age": [60.0]})
    for age, expected in ((60.0, 1), (60.0, 1), (61.0, 2), (62.0, 3)):
        frame["age"] = [age]
        with eng.begin() as conn:
            store_frame(conn, frame, ctx)
            assert conn.execute(select(Patient.version)).scalar_one() == expected
    with eng.begin() as conn:
        create_user(conn, "aud", "a long enough password", role="auditor")
        fid = add_follow_up(conn, "P1", ctx, status="alive", months=1.0)
        conn.execute(FollowUp.__table__.update().values(frankel="D2", barthel=85, vas=3.5))
        row = conn.execute(select(FollowUp.frankel, FollowUp.barthel, FollowUp.vas)).one()
    assert fid > 0 and tuple(row) == ("D2", 85, 3.5)
