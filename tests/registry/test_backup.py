"""Backup -> restore into a fresh database gives back every table exactly, on and across backends."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from spinemet.registry.audit import WriteContext
from spinemet.registry.backup import backup, restore, table_counts
from spinemet.registry.errors import BackupError
from spinemet.registry.followup import add_follow_up
from spinemet.registry.models import Base
from spinemet.registry.store import store_frame
from spinemet.registry.users import create_user
from tests.registry.conftest import make_cohort


def _fill(engine: Engine) -> None:
    ctx = WriteContext(username="alice", source_file="c.csv", source_sha256="1" * 64)
    frame = make_cohort(25, seed=5)
    with engine.begin() as conn:
        store_frame(conn, frame, ctx)
    frame.loc[3, "kps"] = 10.0 if frame.loc[3, "kps"] != 10.0 else 20.0
    frame.loc[4, "vas_pre"] = 0.1 + 0.2  # a float that is not short in decimal
    with engine.begin() as conn:
        store_frame(conn, frame, WriteContext(username="bob", reason="corrected KPS"))
        clinic = WriteContext(username="bob", reason="clinic")
        add_follow_up(conn, "P00003", clinic, status="alive", months=3.25)
        add_follow_up(conn, "P00004", clinic, status="dead", date=dt.date(2021, 1, 2))
        create_user(conn, "dr_a", "a long password", role="editor", sites=["A"])


def _dump(engine: Engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def test_roundtrip_same_backend(engine, backend: str, db_factory, tmp_path: Path) -> None:
    _fill(engine)
    info = backup(engine, tmp_path / "reg.zip")
    assert info.rows["patient"] == 25 and info.rows["audit_log"] > 25
    target = db_factory.engine(backend, migrate=False)
    restored = restore(target, tmp_path / "reg.zip")
    assert restored.rows == info.rows
    dumped = _dump(target)
    assert dumped == _dump(engine)
    assert len(dumped["follow_up"]) == 2 and len(dumped["users"]) == 1


@pytest.mark.postgres
@pytest.mark.parametrize(("source", "dest"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_roundtrip_across_backends(db_factory, tmp_path: Path, source: str, dest: str) -> None:
    src = db_factory.engine(source)
    _fill(src)
    backup(src, tmp_path / "reg.zip")
    dst = db_factory.engine(dest, migrate=False)
    restore(dst, tmp_path / "reg.zip")
    assert _dump(dst) == _dump(src)
    # the restored database keeps working: new ids continue after the restored ones
    with dst.begin() as conn:
        fid = add_follow_up(conn, "P00001", WriteContext(username="x", reason="y"), status="alive", months=1)
        max_audit = conn.execute(text("SELECT MAX(id) FROM audit_log")).scalar()
    assert fid == 3
    assert max_audit == len(_dump(src)["audit_log"]) + 1


def test_restore_into_migrated_empty_database(engine, backend: str, db_factory, tmp_path: Path) -> None:
    _fill(engine)
    backup(engine, tmp_path / "b.zip")
    target = db_factory.engine(backend)  # migrated, no rows
    restore(target, tmp_path / "b.zip")
    assert _dump(target) == _dump(engine)


def test_restore_refuses_non_empty_target_unless_force(engine, backend: str, db_factory, tmp_path) -> None:
    _fill(engine)
    backup(engine, tmp_path / "b.zip")
    target = db_factory.engine(backend)
    with target.begin() as conn:
        store_frame(conn, make_cohort(2, prefix="OTHER"), WriteContext(username="z", reason="other data"))
    before = _dump(target)
    with pytest.raises(BackupError, match="not empty"):
        restore(target, tmp_path / "b.zip")
    assert _dump(target) == before
    restore(target, tmp_path / "b.zip", force=True)
    assert _dump(target) == _dump(engine)


def _corrupt_member(src: Path, dst: Path, member: str) -> None:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == member:
                data = data.replace(b'"alice"', b'"mallo"', 1)
            zout.writestr(item, data)


def test_restore_refuses_corrupted_backup(engine, backend: str, db_factory, tmp_path: Path) -> None:
    _fill(engine)
    good = tmp_path / "good.zip"
    backup(engine, good)
    bad = tmp_path / "bad.zip"
    _corrupt_member(good, bad, "tables/audit_log.jsonl")
    target = db_factory.engine(backend, migrate=False)
    with pytest.raises(BackupError, match=r"corrupted: tables/audit_log\.jsonl"):
        restore(target, bad)
    # raw byte damage inside the compressed data of a table file
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("tables/patient_value.jsonl")
    raw = bytearray(good.read_bytes())
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[data_start + info.compress_size // 2] ^= 0xFF
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(raw))
    with pytest.raises(BackupError):
        restore(target, flipped)
    with target.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
    assert names.isdisjoint(Base.metadata.tables)  # nothing was created


def test_restore_is_transactional(engine, backend: str, db_factory, tmp_path: Path, monkeypatch) -> None:
    """A failure while loading the last table leaves the target as it was (empty)."""
    from spinemet.registry import backup as backup_module

    _fill(engine)
    backup(engine, tmp_path / "b.zip")
    target = db_factory.engine(backend)
    real = backup_module.bulk_insert

    def failing(conn, table, rows):
        if table.name == "audit_log" and rows:
            raise RuntimeError("disk full")
        real(conn, table, rows)

    monkeypatch.setattr(backup_module, "bulk_insert", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        restore(target, tmp_path / "b.zip")
    with target.connect() as conn:
        assert sum(table_counts(conn).values()) == 0


def test_manifest_lists_counts_and_checksums(engine, tmp_path: Path) -> None:
    _fill(engine)
    backup(engine, tmp_path / "b.zip")
    with zipfile.ZipFile(tmp_path / "b.zip") as z:
        manifest = json.loads(z.read("manifest.json"))
        audit_lines = z.read("tables/audit_log.jsonl").splitlines()
    entry = next(t for t in manifest["tables"] if t["name"] == "audit_log")
    assert entry["rows"] == len(audit_lines)
    assert len(entry["sha256"]) == 64
    assert manifest["format"] == "spinemet-registry-backup"
