"""Concurrent writers, first-use schema creation, the exit status after the commit, streamed export.

Issue 9: concurrent imports into one SQLite file failed with "database is locked" although a busy
timeout was set (a deferred BEGIN reads first and cannot take the write lock once another writer has
committed), two first imports raced on creating the schema, an interrupted ANALYZE after the commit made
``import`` exit non-zero although everything was stored, and export loaded the whole registry at once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import spinemet.cli.registry_cmds  # noqa: F401 - registers the commands
from spinemet.cli.app import app
from spinemet.cohort.demo import demo_path
from spinemet.registry import engine as engine_module
from spinemet.registry import export as export_module
from spinemet.registry import importer as importer_module
from spinemet.registry.engine import make_engine, write_transaction
from spinemet.registry.errors import RegistryError
from spinemet.registry.export import export_file, export_frame
from spinemet.registry.importer import import_file
from spinemet.registry.query import count_patients
from spinemet.registry.schema import current_revision, head_revision, lock_schema, upgrade
from tests.registry.conftest import DatabaseFactory


def _sqlite_path(url: str) -> str:
    return url.split("///", 1)[1]


def _in_thread(target, *args) -> tuple[threading.Thread, list[BaseException]]:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            target(*args)
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_import_waits_for_another_writer_and_then_stores_everything(db_factory: DatabaseFactory) -> None:
    """Another process holds the write lock and commits while the import waits: the import must wait
    (``BEGIN IMMEDIATE`` up to the busy timeout) instead of failing with "database is locked"."""
    eng = db_factory.engine("sqlite")
    other = sqlite3.connect(_sqlite_path(str(eng.url)), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO site (code) VALUES ('other-writer')")
    thread, errors = _in_thread(lambda: import_file(eng, demo_path(), username="a", reason="r"))
    time.sleep(1.0)  # the import is now waiting for the lock (ordering only; nothing is timed)
    other.execute("COMMIT")
    other.close()
    thread.join(60)
    assert errors == []
    with eng.connect() as conn:
        assert count_patients(conn) == 55


def test_write_lock_timeout_says_another_writer_holds_the_database(
    db_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    eng = db_factory.engine("sqlite")
    other = sqlite3.connect(_sqlite_path(str(eng.url)), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(RegistryError, match=r"^another writer holds the database \(waited 0\.2 s"):
            import_file(eng, demo_path(), username="a", reason="r")
    finally:
        other.execute("ROLLBACK")
        other.close()
    with eng.connect() as conn:
        assert count_patients(conn) == 0


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_first_imports_create_the_schema_once(db_factory: DatabaseFactory, backend: str) -> None:
    """The first import is creating the schema (not yet committed) when the second starts on the same
    empty database: the second waits for it and uses the schema it created."""
    url = db_factory.url(backend)
    first, second = make_engine(url), make_engine(url)
    db_factory.engines += [first, second]
    with write_transaction(first) as conn:
        lock_schema(conn)
        upgrade(conn)
        thread, errors = _in_thread(lambda: import_file(second, demo_path(), username="b", reason="r"))
        time.sleep(1.0)  # the second import now waits for the lock (ordering only)
    thread.join(60)
    assert errors == []
    with first.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert count_patients(conn) == 55


@pytest.mark.parametrize("failure", [KeyboardInterrupt(), RuntimeError("ANALYZE failed")])
def test_failed_analyze_after_commit_exits_zero_with_a_note(
    db_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    """Everything was committed before ANALYZE: Ctrl-C or an error there must not turn exit 0 into 1."""
    url = db_factory.url("sqlite")

    def broken(_engine) -> None:
        raise failure

    monkeypatch.setattr(importer_module, "ANALYZE_AFTER", 1)
    monkeypatch.setattr(importer_module, "_analyze", broken)
    result = CliRunner().invoke(app, ["import", str(demo_path()), "--db", url, "--reason", "r"])
    assert result.exit_code == 0, result.output
    assert "55 new" in result.output
    assert "all data were stored; refreshing the planner statistics (ANALYZE)" in result.output
    eng = make_engine(url)
    db_factory.engines.append(eng)
    with eng.connect() as conn:
        assert count_patients(conn) == 55


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_csv_export_streams_in_pieces_and_equals_the_whole_frame_export(
    db_factory: DatabaseFactory, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from spinemet.cohort import write_cohort

    eng = db_factory.engine(backend)
    import_file(eng, demo_path(), username="a", reason="r")
    whole = tmp_path / "whole.csv"
    write_cohort(export_frame(eng), whole, "csv")

    def refuse(*_a, **_k) -> pd.DataFrame:
        raise AssertionError("the streamed export must not load the whole registry")

    monkeypatch.setattr(export_module, "load_frame", refuse)
    monkeypatch.setattr(export_module, "EXPORT_CHUNK", 10)
    streamed = tmp_path / "streamed.csv"
    result = export_file(eng, streamed)
    assert result.rows == 55
    assert streamed.read_bytes() == whole.read_bytes()
    assert not (tmp_path / "streamed.csv.part").exists()
