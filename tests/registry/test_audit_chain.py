"""The audit trail's hash chain: written by every append, verified row by row, tamper evident.

Tampering is done the way an attacker with database rights would: past the append-only triggers
(SQLite: dropping them; PostgreSQL: ``session_replication_role = replica``, as a superuser).
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError
from typer.testing import CliRunner

import spinemet.cli.registry_cmds  # noqa: F401 - registers the commands
from spinemet.cli.app import app
from spinemet.registry.audit import GENESIS, Change, WriteContext, chain_hash, verify_chain, write_audit
from spinemet.registry.engine import make_engine
from spinemet.registry.schema import upgrade
from spinemet.registry.store import store_frame
from tests.registry.conftest import make_cohort

CTX = WriteContext(username="alice", reason="test")


@pytest.fixture
def filled(engine: Engine) -> Engine:
    with engine.begin() as conn:
        store_frame(conn, make_cohort(4), CTX)
    with engine.begin() as conn:
        write_audit(
            conn,
            WriteContext(username="bob", reason="second"),
            [Change("update", "patient", "P00001", "kps", "80", "90")],
        )
    return engine


def _rows(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_log ORDER BY seq"))]


def _tamper(engine: Engine, *statements: str) -> None:
    """Run ``statements`` past the append-only triggers (as a database superuser could)."""
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            for name in ("audit_log_no_update", "audit_log_no_delete"):
                conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
        else:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            conn.execute(text(statement))


def test_every_append_is_chained(filled: Engine) -> None:
    rows = _rows(filled)
    assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
    previous = GENESIS
    for row in rows:  # recomputed independently of verify_chain
        assert row["hash"] == chain_hash(row, previous)
        previous = row["hash"]
    with filled.connect() as conn:
        report = verify_chain(conn)
        head = conn.execute(text("SELECT seq, hash FROM audit_chain")).one()
    assert report.ok and report.rows == len(rows) == 5
    assert (report.head_seq, report.head_hash) == tuple(head) == (5, rows[-1]["hash"])


def test_chain_hash_covers_every_field() -> None:
    row = {
        "seq": 3, "at": __import__("datetime").datetime(2026, 1, 2, 3, 4, 5, 6), "username": "a",
        "action": "update", "table_name": "patient", "record_id": "P1", "field": "kps", "old_value": "80",
        "new_value": "90", "reason": "r", "source_file": None, "source_sha256": None,
    }  # fmt: skip
    base = chain_hash(row, GENESIS)
    assert len(base) == 64 and chain_hash(row, "1" * 64) != base
    for name, other in [
        ("seq", 4),
        ("username", "b"),
        ("new_value", "91"),
        ("source_file", "x"),
        ("field", None),
    ]:
        assert chain_hash({**row, name: other}, GENESIS) != base, name


def test_verify_detects_an_edited_row(filled: Engine) -> None:
    _tamper(filled, "UPDATE audit_log SET new_value = '100' WHERE seq = 5")
    with filled.connect() as conn:
        report = verify_chain(conn)
    assert not report.ok and report.seq == 5 and report.rows == 4
    assert "edited" in str(report.problem)


def test_verify_detects_an_edit_with_recomputed_hash(filled: Engine) -> None:
    """Rewriting row 2 and its hash breaks the link of row 3 (which was hashed over the old hash)."""
    rows = _rows(filled)
    edited = {**rows[1], "username": "mallory"}
    forged = chain_hash(edited, rows[0]["hash"])
    _tamper(filled, f"UPDATE audit_log SET username = 'mallory', hash = '{forged}' WHERE seq = 2")
    with filled.connect() as conn:
        report = verify_chain(conn)
    assert not report.ok and report.seq == 3 and "row seq 2 was rewritten" in str(report.problem)


def test_verify_detects_deleted_rows(filled: Engine) -> None:
    _tamper(filled, "DELETE FROM audit_log WHERE seq IN (2, 3)")
    with filled.connect() as conn:
        report = verify_chain(conn)
    assert not report.ok and report.seq == 4 and "seq 2-3 missing (row(s) deleted)" in str(report.problem)


def test_verify_detects_rows_deleted_at_the_end(filled: Engine) -> None:
    _tamper(filled, "DELETE FROM audit_log WHERE seq = 5")
    with filled.connect() as conn:
        report = verify_chain(conn)
    assert not report.ok and "names seq 5 but the trail ends at seq 4" in str(report.problem)
    _tamper(filled, "DELETE FROM audit_chain")  # and the head too: still refused (rows but no head)
    with filled.connect() as conn:
        assert "head missing" in str(verify_chain(conn).problem)
    with pytest.raises(Exception, match="head missing"), filled.begin() as conn:
        write_audit(conn, CTX, [Change("insert", "patient", "P9")])


def test_verify_detects_deleted_and_renumbered_rows(filled: Engine) -> None:
    _tamper(filled, "DELETE FROM audit_log WHERE seq = 2", "UPDATE audit_log SET seq = seq - 1 WHERE seq > 2")
    with filled.connect() as conn:
        report = verify_chain(conn)
    assert not report.ok and report.seq == 2 and "does not match" in str(report.problem)


def test_verify_detects_reordered_rows(filled: Engine) -> None:
    _tamper(
        filled,
        "UPDATE audit_log SET seq = 100 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = 100",
    )
    with filled.connect() as conn:
        report = verify_chain(conn)
    assert not report.ok and report.seq == 2


def test_rolled_back_appends_leave_no_gap_in_seq(engine: Engine, backend: str) -> None:
    """A rolled-back transaction may use up ids (PostgreSQL sequences), never seq numbers."""
    with engine.begin() as conn:
        write_audit(conn, CTX, [Change("insert", "patient", "A")])
    with pytest.raises(RuntimeError), engine.begin() as conn:
        write_audit(conn, CTX, [Change("insert", "patient", "B"), Change("insert", "patient", "C")])
        raise RuntimeError("rolled back")
    with engine.begin() as conn:
        write_audit(conn, CTX, [Change("insert", "patient", "D")])
    rows = _rows(engine)
    assert [(r["seq"], r["record_id"]) for r in rows] == [(1, "A"), (2, "D")]
    if backend == "postgresql":
        assert [r["id"] for r in rows] == [1, 4]  # a gap in ids that verify does not take for a deletion
    with engine.connect() as conn:
        assert verify_chain(conn).ok


def test_concurrent_writers_do_not_fork_the_chain(engine: Engine) -> None:
    """Two writers appending at the same time: one chain, seq 1..n, every row intact."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(name: str) -> None:
        try:
            barrier.wait()
            for i in range(15):
                with engine.begin() as conn:
                    write_audit(
                        conn,
                        CTX,
                        [
                            Change("insert", "patient", f"{name}{i}"),
                            Change("delete", "patient", f"{name}{i}"),
                        ],
                    )
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("x", "y")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = _rows(engine)
    assert [r["seq"] for r in rows] == list(range(1, 61))
    with engine.connect() as conn:
        report = verify_chain(conn)
    assert report.ok and report.rows == 60


@pytest.mark.parametrize(
    "statement",
    [
        # the same id: REPLACE would delete the old row without firing the DELETE trigger
        "INSERT OR REPLACE INTO audit_log (id, seq, hash, at, username, action, table_name, record_id) "
        "VALUES (1, 99, 'x', '2026-01-01 00:00:00', 'mallory', 'insert', 'patient', 'P1')",
        # a new id but an existing seq (the unique index would make REPLACE delete that row)
        "REPLACE INTO audit_log (id, seq, hash, at, username, action, table_name, record_id) "
        "VALUES (999, 2, 'x', '2026-01-01 00:00:00', 'mallory', 'insert', 'patient', 'P1')",
    ],
)
def test_sqlite_refuses_replace(db_factory, statement: str) -> None:
    eng = db_factory.engine("sqlite")
    with eng.begin() as conn:
        store_frame(conn, make_cohort(2), CTX)
    before = _rows(eng)
    with pytest.raises(DatabaseError, match="append-only"), eng.begin() as conn:
        conn.execute(text(statement))
    assert _rows(eng) == before


@pytest.mark.postgres
def test_postgresql_upsert_refused(db_factory) -> None:
    eng = db_factory.engine("postgresql")
    with eng.begin() as conn:
        store_frame(conn, make_cohort(2), CTX)
    with pytest.raises(DatabaseError, match="append-only"), eng.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (id, seq, hash, at, username, action, table_name, record_id) "
                "VALUES (1, 99, 'x', now(), 'mallory', 'insert', 'patient', 'P1') "
                "ON CONFLICT (id) DO UPDATE SET username = 'mallory'"
            )
        )


def test_migration_chains_existing_rows_in_id_order(db_url: str, db_factory) -> None:
    """A registry at revision 0002 with audit rows: upgrading numbers and chains them by id."""
    eng = make_engine(db_url)
    db_factory.engines.append(eng)
    upgrade(eng, "0002")
    with eng.begin() as conn:
        for i, who in [(3, "c"), (1, "a"), (7, "b")]:
            conn.execute(
                text(
                    "INSERT INTO audit_log (id, at, username, action, table_name, record_id, reason) "
                    "VALUES (:i, '2026-01-02 03:04:05', :who, 'insert', 'patient', :rec, 'old')"
                ),
                {"i": i, "who": who, "rec": f"P{i}"},
            )
        if eng.dialect.name == "postgresql":  # explicit ids: move the sequence past them
            conn.execute(text("SELECT setval(pg_get_serial_sequence('audit_log', 'id'), 7)"))
    upgrade(eng, "head")
    rows = _rows(eng)
    assert [(r["id"], r["seq"]) for r in rows] == [(1, 1), (3, 2), (7, 3)]
    with eng.connect() as conn:
        assert verify_chain(conn).ok
    with eng.begin() as conn:
        write_audit(conn, CTX, [Change("insert", "patient", "P8")])
    with eng.connect() as conn:
        report = verify_chain(conn)
    assert report.ok and report.rows == 4


def test_cli_audit_verify(filled: Engine, tmp_path: Path) -> None:
    runner = CliRunner()
    url = filled.url.render_as_string(hide_password=False)
    ok = runner.invoke(app, ["audit", "verify", "--db", url])
    assert ok.exit_code == 0, ok.output
    assert "audit trail intact: 5 row(s); head seq 5" in ok.output
    _tamper(filled, "UPDATE audit_log SET reason = 'nothing to see' WHERE seq = 3")
    broken = runner.invoke(app, ["audit", "verify", "--db", url])
    assert broken.exit_code == 1
    assert "audit row seq 3" in broken.output and "edited" in broken.output
    as_json = runner.invoke(app, ["audit", "verify", "--db", url, "--json"])
    assert as_json.exit_code == 1 and '"ok": false' in as_json.output and '"seq": 3' in as_json.output
    wrong = runner.invoke(app, ["audit", "check", "--db", url])
    assert wrong.exit_code == 2 and "allowed: show, verify" in wrong.output


def test_batch_hashing_equals_chain_hash() -> None:
    """The batch hasher of append_audit_rows (JSON built from each value's text, repeated values encoded
    once) hashes exactly the bytes chain_hash does: same chain for quotes, backslashes, control
    characters, non-ASCII text, empty strings, None and times with and without microseconds."""
    import datetime as dt
    import random

    from spinemet.registry.audit import _chain_hashes

    rng = random.Random(20261204)
    alphabet = ['"', "\\", "\n", "\t", "\x01", "\u2028", "é", "漢", "😀", "a", "1", " ", ",", "[", "]", "{"]

    def text() -> str | None:
        if rng.random() < 0.2:
            return None
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))

    times = [dt.datetime(2026, 12, 4, 5, 6, 7), dt.datetime(2026, 12, 4, 5, 6, 7, 891011)]
    rows = [
        {"at": rng.choice(times), "username": rng.choice(["alice", 'bo"b']), "action": "insert",
         "table_name": "patient", "record_id": text() or "P1", "field": text(), "old_value": text(),
         "new_value": text(), "reason": text(), "source_file": text(), "source_sha256": "ab" * 32}
        for _ in range(300)
    ]  # fmt: skip
    fast = [dict(r) for r in rows]
    last = _chain_hashes(fast, 41, GENESIS)
    previous = GENESIS
    for seq, (row, got) in enumerate(zip(rows, fast, strict=True), start=42):
        previous = chain_hash({**row, "seq": seq}, previous)
        assert (got["seq"], got["hash"]) == (seq, previous)
    assert last == previous
