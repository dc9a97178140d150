"""Backups: HMAC signature, values checked against the schema, zip bombs refused, zip64, restore audited.

Tampered backups are built the way an attacker would: edit a member, recompute its sha256 and row
count in the manifest (``_rewrite``), so only the signature and the content checks stand in the way.
"""

from __future__ import annotations

import hashlib
import json
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from spinemet.registry.audit import WriteContext, verify_chain
from spinemet.registry.backup import RestoreLimits, backup, restore, table_counts
from spinemet.registry.errors import BackupError
from spinemet.registry.importer import file_sha256
from spinemet.registry.store import store_frame
from tests.registry.conftest import make_cohort

KEY = "correct horse battery staple"


@pytest.fixture
def archive(engine: Engine, tmp_path: Path) -> Path:
    frame = make_cohort(6, seed=3)
    frame["primary_tumor"] = "lung"
    with engine.begin() as conn:
        store_frame(conn, frame, WriteContext(username="alice", source_file="c.csv", source_sha256="2" * 64))
    path = tmp_path / "signed.zip"
    backup(engine, path, key=KEY)
    return path


def _rewrite(src: Path, dst: Path, edit: Callable[[str, bytes], bytes], manifest_edit=None) -> None:
    """Copy a backup, editing members and recomputing the manifest's checksums (signature kept)."""
    with zipfile.ZipFile(src) as zin:
        manifest = json.loads(zin.read("manifest.json"))
        members = {i.filename: zin.read(i.filename) for i in zin.infolist()}
    for entry in manifest["tables"]:
        data = edit(entry["name"], members[entry["file"]])
        members[entry["file"]] = data
        entry["sha256"] = hashlib.sha256(data).hexdigest()
        entry["rows"] = data.count(b"\n")
    if manifest_edit is not None:
        manifest_edit(manifest)
    members["manifest.json"] = json.dumps(manifest, indent=2).encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in members.items():
            zout.writestr(name, data)


def _target(db_factory, backend: str) -> Engine:
    return db_factory.engine(backend, migrate=False)


def _empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        names = set(conn.dialect.get_table_names(conn))
        return "audit_log" not in names or sum(table_counts(conn).values()) == 0


def test_signed_backup_restores_with_its_key_only(archive: Path, backend: str, db_factory) -> None:
    target = _target(db_factory, backend)
    with pytest.raises(BackupError, match="signed and no key was given"):
        restore(target, archive)
    with pytest.raises(BackupError, match="signature does not match this key"):
        restore(target, archive, key="another key")
    with pytest.raises(BackupError, match="empty key"):
        restore(target, archive, key="  ")
    assert _empty(target)
    info = restore(target, archive, key=KEY)
    assert info.signed and info.rows["patient"] == 6


def test_unsigned_backup_refused_unless_allowed(engine: Engine, backend: str, db_factory, tmp_path) -> None:
    with engine.begin() as conn:
        store_frame(conn, make_cohort(2), WriteContext(username="a", reason="r"))
    path = tmp_path / "unsigned.zip"
    assert not backup(engine, path).signed
    with zipfile.ZipFile(path) as z:
        assert "manifest.hmac" not in z.namelist()
    target = _target(db_factory, backend)
    with pytest.raises(BackupError, match="not signed"):
        restore(target, path, key=KEY)
    with pytest.raises(BackupError, match="unsigned and no key"):
        restore(target, path)
    info = restore(target, path, allow_unsigned=True)
    assert not info.signed and info.rows["patient"] == 2


def test_edited_audit_rows_with_recomputed_checksums_refused(
    archive: Path, backend: str, db_factory, tmp_path: Path
) -> None:
    """The attack of the issue: audit rows edited, checksums recomputed. The signature fails; and
    without a key (--allow-unsigned) the restored hash chain fails, so nothing is restored."""

    def edit(table: str, data: bytes) -> bytes:
        return data.replace(b'"alice"', b'"mallo"', 1) if table == "audit_log" else data

    forged = tmp_path / "forged.zip"
    _rewrite(archive, forged, edit)
    target = _target(db_factory, backend)
    with pytest.raises(BackupError, match="signature does not match"):
        restore(target, forged, key=KEY)
    with pytest.raises(BackupError, match=r"audit trail is not intact: audit row seq 1 .*edited"):
        restore(target, forged, allow_unsigned=True)
    assert _empty(target)


def test_unknown_column_refused(archive: Path, backend: str, db_factory, tmp_path: Path) -> None:
    def add_column(manifest: dict) -> None:
        entry = next(t for t in manifest["tables"] if t["name"] == "follow_up")
        entry["columns"].append("favourite_colour")

    bad = tmp_path / "column.zip"
    _rewrite(archive, bad, lambda _t, d: d, add_column)
    target = _target(db_factory, backend)
    with pytest.raises(
        BackupError, match=r"backup table follow_up column 'favourite_colour': unknown; allowed: id, "
    ):
        restore(target, bad, allow_unsigned=True)
    assert _empty(target)


def test_invalid_code_refused_with_table_row_and_column(
    archive: Path, backend: str, db_factory, tmp_path: Path
) -> None:
    """A cohort code the schema does not allow (wherever the backup stores patient values)."""

    def edit(table: str, data: bytes) -> bytes:
        return data.replace(b'"lung"', b'"banana"', 1) if table.startswith("patient") else data

    bad = tmp_path / "code.zip"
    _rewrite(archive, bad, edit)
    target = _target(db_factory, backend)
    with pytest.raises(
        BackupError, match=r"backup table patient\w* row \d+.*primary_tumor.*'banana'; allowed: one of"
    ):
        restore(target, bad, allow_unsigned=True)
    assert _empty(target)


@pytest.mark.parametrize(
    ("table", "old", "new", "message"),
    [
        ("audit_log", b'"alice"', b"12", r"audit_log row \d+ column username: got a int; allowed: text"),
        ("audit_log", b'"c.csv"', b'"' + b"x" * 300 + b'"',
         r"column source_file: got 300 characters; allowed: at most 255"),
        ("patient", b'"P00001"', b"null", r"patient row \d+ column patient_id: got null; allowed: a value"),
    ],
)  # fmt: skip
def test_values_checked_against_their_column(
    archive: Path, backend: str, db_factory, tmp_path: Path, table: str, old: bytes, new: bytes, message: str
) -> None:
    bad = tmp_path / "value.zip"
    _rewrite(archive, bad, lambda t, d: d.replace(old, new, 1) if t == table else d)
    target = _target(db_factory, backend)
    with pytest.raises(BackupError, match=message):
        restore(target, bad, allow_unsigned=True)
    assert _empty(target)


def _bomb(path: Path, size: int) -> None:
    """A zip whose audit member inflates ``size`` bytes of newlines from a few hundred KiB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps({"format": "spinemet-registry-backup", "format_version": 1}))
        with z.open("tables/audit_log.jsonl", "w", force_zip64=True) as member:
            chunk = b"\n" * (1 << 20)
            for _ in range(size >> 20):
                member.write(chunk)


def test_zip_bomb_refused_before_decompression(backend: str, db_factory, tmp_path: Path, monkeypatch) -> None:
    bomb = tmp_path / "bomb.zip"
    _bomb(bomb, 256 << 20)
    assert bomb.stat().st_size < 1 << 20  # 256 MiB in < 1 MiB
    inflated: list[int] = []
    real = zlib.decompressobj

    def counting(*args, **kwargs):
        inflated.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(zlib, "decompressobj", counting)
    target = _target(db_factory, backend)
    with pytest.raises(
        BackupError, match=r"tables/audit_log\.jsonl: compression ratio \d+:1; allowed: at most 200:1"
    ):
        restore(target, bomb, allow_unsigned=True)
    assert inflated == []  # refused from the zip directory, nothing was decompressed
    with pytest.raises(BackupError, match=r"uncompressed; allowed: at most 1000000 \(a zip bomb\?\)"):
        restore(target, bomb, allow_unsigned=True, limits=RestoreLimits(max_member_bytes=1_000_000))
    assert _empty(target)


def test_lying_sizes_and_endless_lines_refused(
    archive: Path, backend: str, db_factory, tmp_path: Path
) -> None:
    target = _target(db_factory, backend)
    # a row longer than the line cap is refused while streaming (not read into memory whole)
    with pytest.raises(BackupError, match=r"tables/\w+\.jsonl line 1: longer than 64 bytes"):
        restore(target, archive, key=KEY, limits=RestoreLimits(max_line_bytes=64))
    # a member whose directory entry understates its size: zipfile stops there, the CRC fails
    liar = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive) as zin, zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item.filename, zin.read(item.filename))
    data = bytearray(liar.read_bytes())
    with zipfile.ZipFile(liar) as z:
        entry = z.getinfo("tables/audit_log.jsonl")
    # patch the central directory's uncompressed size of the audit member to 10 bytes
    pos = data.find(b"PK\x01\x02", 0)
    while pos >= 0:
        name_len = struct.unpack("<H", data[pos + 28 : pos + 30])[0]
        if data[pos + 46 : pos + 46 + name_len] == entry.filename.encode():
            data[pos + 24 : pos + 28] = struct.pack("<I", 10)
        pos = data.find(b"PK\x01\x02", pos + 4)
    liar.write_bytes(bytes(data))
    with pytest.raises(BackupError):
        restore(target, liar, allow_unsigned=True)
    assert _empty(target)


def test_members_are_zip64(archive: Path) -> None:
    """Every table member is streamed with zip64 sizes in its local header, so members over 2 GiB
    (about a million patients) can be written (the 1M benchmark writes them for real)."""
    raw = archive.read_bytes()
    with zipfile.ZipFile(archive) as z:
        tables = [i for i in z.infolist() if i.filename.startswith("tables/")]
    assert tables
    for info in tables:
        name_len, extra_len = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
        start = info.header_offset + 30 + name_len
        assert extra_len >= 20 and struct.unpack("<H", raw[start : start + 2])[0] == 0x0001, info.filename


def test_restore_into_empty_database_is_audited(archive: Path, backend: str, db_factory) -> None:
    target = _target(db_factory, backend)
    restore(target, archive, key=KEY, username="restorer")
    with target.connect() as conn:
        last = conn.execute(text("SELECT * FROM audit_log ORDER BY seq DESC")).mappings().first()
        assert verify_chain(conn).ok
    assert (last["username"], last["action"], last["table_name"], last["record_id"]) == (
        "restorer", "insert", "database", "restore",
    )  # fmt: skip
    assert last["source_file"] == "signed.zip" and last["source_sha256"] == file_sha256(archive)
    assert last["reason"] == "restore of signed.zip into an empty database"
    details = json.loads(last["new_value"])
    assert details["signed"] is True and details["backup_sha256"] == file_sha256(archive)
    assert details["rows_restored"]["patient"] == 6
    assert last["at"] is not None
