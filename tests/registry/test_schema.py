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


def test_new_sqlite_registry_has_16k_pages_and_an_old_one_keeps_its_own(tmp_path) -> None:
    """A new registry file gets 16 KiB pages (an imported patient's ~2 kB audit row would leave half of a
    4 KiB page empty); an existing 4 KiB registry is opened, written and read as it is."""
    import sqlite3

    new = make_engine(f"sqlite:///{tmp_path / 'new.sqlite'}")
    ensure_schema(new)
    with new.connect() as conn:
        assert conn.execute(text("PRAGMA page_size")).scalar() == 16384
    new.dispose()
    old_path = tmp_path / "old.sqlite"
    raw = sqlite3.connect(old_path)
    raw.execute("PRAGMA page_size=4096")
    raw.execute("PRAGMA journal_mode=WAL")
    raw.execute("CREATE TABLE t (x)")
    raw.close()
    old = make_engine(f"sqlite:///{old_path}")
    with old.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (1)"))
    with old.connect() as conn:
        assert conn.execute(text("PRAGMA page_size")).scalar() == 4096
        assert conn.execute(text("SELECT x FROM t")).scalar() == 1
    old.dispose()


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
            text(
                "INSERT INTO follow_up (patient_pk, months, status, created_at) "
                "VALUES (999, 1, 'alive', '2026-01-01 00:00:00')"
            )
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


def test_patient_columns_equal_the_cohort_schema() -> None:
    """The typed table cannot drift from the cohort format: one column per field (``age`` also has its
    ``age_special`` token column), with the SQL type of the field's kind. A new cohort field without a
    migration fails here and in ``test_migration_matches_models``."""
    from sqlalchemy import Date, Float, Integer, Text

    from spinemet.cohort.schema import COLUMNS
    from spinemet.registry.models import Patient

    table = Patient.__table__
    bookkeeping = ["id", "patient_id", "site_id", "created_at", "updated_at", "version", "extra"]
    expected = []
    for col in COLUMNS:
        if col.name in ("patient_id", "site"):
            continue
        expected.append(col.name)
        if col.special:
            expected.append(col.name + "_special")
    assert [c.name for c in table.columns] == bookkeeping + expected
    kinds = {"integer": Integer, "binary": Integer, "number": Float, "date": Date}
    for col in COLUMNS:
        if col.name not in ("patient_id", "site"):
            assert type(table.c[col.name].type) is kinds.get(col.kind, Text), col.name
    assert str(table.c.patient_id.type) == "VARCHAR(100)"


def _fill_0002(conn) -> None:
    """A 0002 (EAV) database with values of every kind, a follow-up and a version moved on."""
    conn.execute(text("INSERT INTO site (id, code) VALUES (1, 'A')"))
    conn.execute(
        text(
            "INSERT INTO patient (id, patient_id, site_id, created_at, updated_at, version) VALUES "
            "(1, 'P1', 1, '2026-01-01 10:00:00', '2026-01-02 10:00:00', 3), "
            "(2, 'P2', NULL, '2026-01-01 10:00:00', '2026-01-01 10:00:00', 1), "
            "(3, 'P3', NULL, '2026-01-01 10:00:00', '2026-01-01 10:00:00', 1)"
        )
    )
    conn.execute(
        text(
            'INSERT INTO patient_value (patient_pk, "column", value_num, value_text, value_date) VALUES '
            "(1, 'age', 67, NULL, NULL), (1, 'kps', 80, NULL, NULL), (1, 'vas_pre', 2.5, NULL, NULL), "
            "(1, 'surgery_date', NULL, NULL, '2019-03-04'), (1, 'sex', NULL, 'F', NULL), "
            "(1, 'complications', NULL, 'other;surgical_site_infection', NULL), (1, 'dead', 1, NULL, NULL), "
            "(2, 'age', NULL, '90+', NULL), (2, 'survival_months', 12.25, NULL, NULL)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO follow_up (patient_pk, months, status, created_at) "
            "VALUES (1, 6, 'alive', '2026-01-03 00:00:00')"
        )
    )


def _eav_rows(conn) -> list[tuple]:
    rows = conn.execute(
        text('SELECT patient_pk, "column", value_num, value_text, value_date FROM patient_value')
    ).all()
    return sorted((r[0], r[1], r[2], r[3], None if r[4] is None else str(r[4])) for r in rows)


@pytest.mark.parametrize("backend", BACKENDS)
def test_0003_moves_eav_values_into_typed_columns_and_back(db_factory: DatabaseFactory, backend: str) -> None:
    """Upgrade a 0002 database holding data: every value lands in its column, nothing else changes
    (versions, timestamps, follow-up); the downgrade restores the same patient_value rows."""
    import datetime as dt

    from sqlalchemy import select

    from spinemet.registry.models import Patient
    from spinemet.registry.query import load_frame

    eng = db_factory.engine(backend, migrate=False)
    upgrade(eng, "0002")
    with eng.begin() as conn:
        _fill_0002(conn)
        before = _eav_rows(conn)
    assert upgrade(eng, "0003") == "0003"
    with eng.connect() as conn:
        assert "patient_value" not in inspect(conn).get_table_names()
        p = Patient
        rows = conn.execute(
            select(
                p.patient_id,
                p.version,
                p.updated_at,
                p.age,
                p.age_special,
                p.kps,
                p.vas_pre,
                p.surgery_date,
                p.sex,
                p.complications,
                p.dead,
                p.survival_months,
                p.ecog,
            ).order_by(p.patient_id)
        ).all()
        frame = load_frame(conn)
        follow_ups = conn.execute(text("SELECT patient_pk, months FROM follow_up")).all()
    assert [tuple(r) for r in rows] == [
        (
            "P1",
            3,
            dt.datetime(2026, 1, 2, 10),
            67,
            None,
            80,
            2.5,
            dt.date(2019, 3, 4),
            "F",
            "other;surgical_site_infection",
            1,
            None,
            None,
        ),
        ("P2", 1, dt.datetime(2026, 1, 1, 10), None, "90+", None, None, None, None, None, None, 12.25, None),
        ("P3", 1, dt.datetime(2026, 1, 1, 10), None, None, None, None, None, None, None, None, None, None),
    ]
    assert list(frame["age"].iloc[:2]) == [67.0, "90+"] and frame["kps"].dtype == "float64"
    assert [tuple(r) for r in follow_ups] == [(1, 6.0)]
    downgrade(eng, "0002")
    with eng.connect() as conn:
        assert _eav_rows(conn) == before
        assert "age" not in {c["name"] for c in inspect(conn).get_columns("patient")}
        assert conn.execute(text("SELECT COUNT(*) FROM follow_up")).scalar() == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_0003_refuses_values_without_a_typed_column_and_changes_nothing(
    db_factory: DatabaseFactory, backend: str
) -> None:
    eng = db_factory.engine(backend, migrate=False)
    upgrade(eng, "0002")
    with eng.begin() as conn:
        _fill_0002(conn)
        conn.execute(
            text(
                'INSERT INTO patient_value (patient_pk, "column", value_num, value_text) VALUES '
                "(3, 'not_a_field', 1, NULL), (3, 'kps', 85.5, NULL), (3, 'ecog', NULL, 'two')"
            )
        )
    with pytest.raises(RuntimeError, match=r"'ecog' \(1 values\), 'kps' \(1 values\), 'not_a_field'"):
        upgrade(eng)
    with eng.connect() as conn:
        assert current_revision(conn) == "0002"
        assert conn.execute(text("SELECT COUNT(*) FROM patient_value")).scalar() == 12
