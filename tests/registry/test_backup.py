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

KEY = "a backup key for the tests"


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


def _without_restore_record(dump: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """A restored database's dump without the audit row recording the restore (and the chain head)."""
    last = dump["audit_log"][-1]
    assert (last[4], last[5]) == ("database", "restore")
    out = {k: v for k, v in dump.items() if k != "audit_chain"}
    out["audit_log"] = dump["audit_log"][:-1]
    return out


def _without_head(dump: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    return {k: v for k, v in dump.items() if k != "audit_chain"}


def test_roundtrip_same_backend(engine, backend: str, db_factory, tmp_path: Path) -> None:
    _fill(engine)
    info = backup(engine, tmp_path / "reg.zip", key=KEY)
    assert info.rows["patient"] == 25 and info.rows["audit_log"] > 25
    target = db_factory.engine(backend, migrate=False)
    restored = restore(target, tmp_path / "reg.zip", key=KEY)
    assert restored.rows == info.rows
    dumped = _without_restore_record(_dump(target))
    assert dumped == _without_head(_dump(engine))
    assert len(dumped["follow_up"]) == 2 and len(dumped["users"]) == 1


@pytest.mark.postgres
@pytest.mark.parametrize(("source", "dest"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_roundtrip_across_backends(db_factory, tmp_path: Path, source: str, dest: str) -> None:
    src = db_factory.engine(source)
    _fill(src)
    backup(src, tmp_path / "reg.zip", key=KEY)
    dst = db_factory.engine(dest, migrate=False)
    restore(dst, tmp_path / "reg.zip", key=KEY)
    assert _without_restore_record(_dump(dst)) == _without_head(_dump(src))
    # the restored database keeps working: new ids continue after the restored ones
    with dst.begin() as conn:
        fid = add_follow_up(conn, "P00001", WriteContext(username="x", reason="y"), status="alive", months=1)
        max_audit = conn.execute(text("SELECT MAX(id) FROM audit_log")).scalar()
    assert fid == 3
    assert max_audit == len(_dump(src)["audit_log"]) + 2  # after the restore record


def test_restore_into_migrated_empty_database(engine, backend: str, db_factory, tmp_path: Path) -> None:
    _fill(engine)
    backup(engine, tmp_path / "b.zip", key=KEY)
    target = db_factory.engine(backend)  # migrated, no rows
    restore(target, tmp_path / "b.zip", key=KEY)
    assert _without_restore_record(_dump(target)) == _without_head(_dump(engine))


def test_restore_refuses_non_empty_target_unless_force(engine, backend: str, db_factory, tmp_path) -> None:
    _fill(engine)
    backup(engine, tmp_path / "b.zip", key=KEY)
    target = db_factory.engine(backend)
    with target.begin() as conn:
        store_frame(conn, make_cohort(2, prefix="OTHER"), WriteContext(username="z", reason="other data"))
    before = _dump(target)
    with pytest.raises(BackupError, match="not empty"):
        restore(target, tmp_path / "b.zip", key=KEY)
    assert _dump(target) == before
    restore(target, tmp_path / "b.zip", force=True, safety_dir=tmp_path / "safe", key=KEY)
    after, source = _dump(target), _dump(engine)
    assert {k: v for k, v in after.items() if k not in ("audit_log", "audit_chain")} == {
        k: v for k, v in source.items() if k not in ("audit_log", "audit_chain")
    }
    assert after["audit_log"][: len(source["audit_log"])] == source["audit_log"]


def _audit_body(row: tuple) -> tuple:
    """An audit row without its id (re-appended rows get new ids)."""
    return tuple(row[1:])


def test_forced_restore_keeps_the_replaced_trail_and_records_itself(
    engine, backend: str, db_factory, tmp_path: Path
) -> None:
    """import; backup; later update; restore --force: nothing of the trail is lost, the restore is audited."""
    from spinemet.registry.importer import file_sha256

    _fill(engine)
    backup(engine, tmp_path / "b.zip", key=KEY)
    at_backup = _dump(engine)
    frame = make_cohort(25, seed=5)
    frame.loc[7, "age"] = 33.0 if frame.loc[7, "age"] != 33.0 else 34.0
    with engine.begin() as conn:
        store_frame(conn, frame, WriteContext(username="carol", reason="later update"))
    before = _dump(engine)
    later = before["audit_log"][len(at_backup["audit_log"]) :]
    assert later and {r[9] for r in later} == {"later update"}

    info = restore(
        engine, tmp_path / "b.zip", force=True, safety_dir=tmp_path / "safe", username="dave", key=KEY
    )

    # (a) the replaced database is in a safety backup, which restores to exactly what was replaced
    assert info.safety_backup is not None and info.safety_backup.parent == tmp_path / "safe"
    assert info.safety_backup.name.startswith("pre-restore-") and info.safety_backup.suffix == ".zip"
    assert info.replaced_rows == {k: len(v) for k, v in before.items()}
    check = db_factory.engine(backend, migrate=False)
    restore(check, info.safety_backup, key=KEY)
    assert _without_restore_record(_dump(check)) == _without_head(before)
    # the data are the backup's; the trail is the backup's, then the replaced rows, then the restore
    after = _dump(engine)
    assert {k: v for k, v in after.items() if k not in ("audit_log", "audit_chain")} == {
        k: v for k, v in at_backup.items() if k not in ("audit_log", "audit_chain")
    }
    trail = after["audit_log"]
    n = len(at_backup["audit_log"])
    assert trail[:n] == at_backup["audit_log"]
    assert len(trail) == len(before["audit_log"]) + 1  # never shrinks
    reappended = trail[n:-1]
    assert [r[4] for r in reappended] == ["replaced:" + r[4] for r in later]
    # same time, user, action and values; new seq and hash (columns 12, 13): they join the chain anew
    assert [(r[1], r[2], r[3], *r[5:12]) for r in reappended] == [(r[1], r[2], r[3], *r[5:12]) for r in later]
    # (b) the restore itself: who, what, backup and safety backup with their sha256, rows replaced
    last = trail[-1]
    assert (last[2], last[3], last[4], last[5]) == ("dave", "insert", "database", "restore")
    assert last[10] == "b.zip" and last[11] == file_sha256(tmp_path / "b.zip")
    details = json.loads(last[8])
    assert details["backup_sha256"] == file_sha256(tmp_path / "b.zip")
    assert details["safety_backup"] == info.safety_backup.name
    assert details["safety_backup_sha256"] == file_sha256(info.safety_backup)
    assert details["rows_replaced"] == info.replaced_rows
    assert details["rows_restored"] == {k: len(v) for k, v in at_backup.items()}
    assert details["signed"] is True
    assert details["replaced_audit_rows_appended"] == len(later)
    assert "b.zip" in last[9] and info.safety_backup.name in last[9]


def test_restore_refused_when_target_changes_during_safety_backup(
    engine, backend: str, tmp_path: Path, monkeypatch
) -> None:
    from spinemet.registry import backup as backup_module

    _fill(engine)
    backup(engine, tmp_path / "b.zip", key=KEY)
    real = backup_module.backup

    def racing(eng, path, **kw):
        info = real(eng, path, **kw)
        with eng.begin() as conn:
            add_follow_up(conn, "P00001", WriteContext(username="x", reason="y"), status="alive", months=1)
        return info

    monkeypatch.setattr(backup_module, "backup", racing)
    before_race = _dump(engine)
    with pytest.raises(BackupError, match="changed while"):
        restore(engine, tmp_path / "b.zip", force=True, safety_dir=tmp_path / "safe", key=KEY)
    after = _dump(engine)
    assert len(after["follow_up"]) == len(before_race["follow_up"]) + 1  # untouched apart from the race


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
    backup(engine, good, key=KEY)
    bad = tmp_path / "bad.zip"
    _corrupt_member(good, bad, "tables/audit_log.jsonl")
    target = db_factory.engine(backend, migrate=False)
    with pytest.raises(BackupError, match=r"corrupted: tables/audit_log\.jsonl"):
        restore(target, bad, key=KEY)
    # raw byte damage inside the compressed data of a table file
    with zipfile.ZipFile(good) as z:
        info = z.getinfo("tables/patient.jsonl")
    raw = bytearray(good.read_bytes())
    data_start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    raw[data_start + info.compress_size // 2] ^= 0xFF
    flipped = tmp_path / "flipped.zip"
    flipped.write_bytes(bytes(raw))
    with pytest.raises(BackupError):
        restore(target, flipped, key=KEY)
    with target.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
    assert names.isdisjoint(Base.metadata.tables)  # nothing was created


def test_restore_is_transactional(engine, backend: str, db_factory, tmp_path: Path, monkeypatch) -> None:
    """A failure while loading the last table leaves the target as it was (empty)."""
    from spinemet.registry import backup as backup_module

    _fill(engine)
    backup(engine, tmp_path / "b.zip", key=KEY)
    target = db_factory.engine(backend)
    real = backup_module.bulk_insert

    def failing(conn, table, rows):
        if table.name == "audit_log" and rows:
            raise RuntimeError("disk full")
        real(conn, table, rows)

    monkeypatch.setattr(backup_module, "bulk_insert", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        restore(target, tmp_path / "b.zip", key=KEY)
    with target.connect() as conn:
        assert sum(table_counts(conn).values()) == 0


def test_manifest_lists_counts_and_checksums(engine, tmp_path: Path) -> None:
    _fill(engine)
    backup(engine, tmp_path / "b.zip", key=KEY)
    with zipfile.ZipFile(tmp_path / "b.zip") as z:
        manifest = json.loads(z.read("manifest.json"))
        audit_lines = z.read("tables/audit_log.jsonl").splitlines()
    entry = next(t for t in manifest["tables"] if t["name"] == "audit_log")
    assert entry["rows"] == len(audit_lines)
    assert len(entry["sha256"]) == 64
    assert manifest["format"] == "spinemet-registry-backup"
