"""Fixtures: every registry test runs on SQLite and on PostgreSQL (a fresh database per test).

PostgreSQL is expected at 127.0.0.1:5432 (trust auth, admin database ``test``; override with
``SPINEMET_TEST_PG_URL``). When it is unreachable the PostgreSQL variants are skipped locally, but
fail when ``CI`` is set: CI must run the PostgreSQL tests.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, text

from spinemet.registry.engine import make_engine, resolve_url
from spinemet.registry.schema import ensure_schema

PG_ADMIN_URL = os.environ.get("SPINEMET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@cache
def _pg_unavailable() -> str | None:
    try:
        eng = create_engine(resolve_url(PG_ADMIN_URL), connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(text("SELECT 1"))
        eng.dispose()
    except Exception as exc:
        return f"PostgreSQL unreachable at {PG_ADMIN_URL}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    return None


def _require_pg() -> None:
    reason = _pg_unavailable()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    pytest.skip(reason)


class DatabaseFactory:
    """Creates empty databases (SQLite files or PostgreSQL databases) and drops them afterwards."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.pg_databases: list[str] = []
        self.engines: list[Engine] = []

    def url(self, backend: str) -> str:
        """URL of a new empty database on ``backend``."""
        name = f"spinemet_test_{uuid.uuid4().hex[:20]}"
        if backend == "sqlite":
            return f"sqlite:///{self.tmp_path / (name + '.sqlite')}"
        _require_pg()
        admin = create_engine(resolve_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.pg_databases.append(name)
        return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name

    def engine(self, backend: str, *, migrate: bool = True) -> Engine:
        """An engine on a new database, migrated to head unless ``migrate=False``."""
        eng = make_engine(self.url(backend))
        self.engines.append(eng)
        if migrate:
            ensure_schema(eng)
        return eng

    def cleanup(self) -> None:
        for eng in self.engines:
            eng.dispose()
        if not self.pg_databases:
            return
        admin = create_engine(resolve_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.pg_databases:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def db_factory(tmp_path: Path) -> Iterator[DatabaseFactory]:
    """Make extra databases inside a test (e.g. a restore target)."""
    factory = DatabaseFactory(tmp_path)
    yield factory
    factory.cleanup()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``; every test using it runs on both."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, db_factory: DatabaseFactory) -> str:
    """URL of an empty, unmigrated database on the current backend."""
    return db_factory.url(backend)


@pytest.fixture
def engine(db_url: str, db_factory: DatabaseFactory) -> Engine:
    """An engine on a fresh database migrated to the newest revision."""
    eng = make_engine(db_url)
    db_factory.engines.append(eng)
    ensure_schema(eng)
    return eng


def make_cohort(n: int = 5, seed: int = 0, prefix: str = "P") -> pd.DataFrame:
    """A cohort frame with the cohort layer's types (float64 numbers, str labels, datetime64 dates)."""
    rng = np.random.default_rng(seed)
    tumors = ["lung", "breast", "prostate", "kidney", "liver"]
    frame = pd.DataFrame(
        {
            "patient_id": [f"{prefix}{i:05d}" for i in range(n)],
            "site": [["A", "B", "C"][i % 3] for i in range(n)],
            "sex": [["M", "F"][i % 2] for i in range(n)],
            "age": rng.integers(30, 90, n).astype("float64"),
            "surgery_date": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 2000, n), unit="D"),
            "primary_tumor": [tumors[i % len(tumors)] for i in range(n)],
            "kps": (rng.integers(1, 11, n) * 10).astype("float64"),
            "vas_pre": np.round(rng.uniform(0, 10, n), 1),
            "complications": [np.nan if i % 2 else "surgical_site_infection;other" for i in range(n)],
            "survival_months": np.round(rng.uniform(0, 60, n), 2),
            "dead": (np.arange(n) % 2).astype("float64"),
        }
    )
    frame["surgery_date"] = frame["surgery_date"].astype("datetime64[ns]")
    # text columns are object, as the cohort layer types them (pandas 3 would infer its str dtype)
    for name in ("patient_id", "site", "sex", "primary_tumor", "complications"):
        frame[name] = frame[name].astype(object)
    return frame


@pytest.fixture
def cohort_factory() -> Callable[..., pd.DataFrame]:
    """Build a cohort frame: ``cohort_factory(n, seed, prefix)``."""
    return make_cohort
