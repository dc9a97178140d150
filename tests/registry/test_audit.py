"""The audit trail is append-only on both backends, and every write of follow-up/patients is logged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DatabaseError

from spinemet.errors import InvalidInputError
from spinemet.registry import audit as audit_module
from spinemet.registry.audit import WriteContext, audit_frame
from spinemet.registry.backup import table_counts
from spinemet.registry.followup import add_follow_up, delete_follow_up, list_follow_up
from spinemet.registry.models import AuditLog
from spinemet.registry.patients import delete_patient
from spinemet.registry.store import store_frame
from spinemet.registry.users import create_user, user_sites, verify_user
from tests.registry.conftest import make_cohort

CTX = WriteContext(username="alice", source_file="c.csv", source_sha256="0" * 64)


@pytest.fixture
def filled(engine):
    with engine.begin() as conn:
        store_frame(conn, make_cohort(3), CTX)
    return engine


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_log SET username = 'mallory'",
        "UPDATE audit_log SET new_value = NULL WHERE id = 1",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE id = 1",
    ],
)
def test_database_refuses_update_and_delete_of_audit_log(filled, sql: str) -> None:
    with filled.connect() as conn:
        before = audit_frame(conn)
    assert len(before) == 3
    with pytest.raises(DatabaseError, match="append-only"), filled.begin() as conn:
        conn.execute(text(sql))
    with filled.connect() as conn:
        after = audit_frame(conn)
    assert after.equals(before)


def test_orm_style_update_refused_too(filled) -> None:
    with pytest.raises(DatabaseError, match="append-only"), filled.begin() as conn:
        conn.execute(update(AuditLog).values(reason="rewritten"))
    with pytest.raises(DatabaseError, match="append-only"), filled.begin() as conn:
        conn.execute(delete(AuditLog))


@pytest.mark.postgres
def test_truncate_refused_on_postgresql(db_factory) -> None:
    """TRUNCATE exists only on PostgreSQL; its statement trigger refuses it."""
    eng = db_factory.engine("postgresql")
    with eng.begin() as conn:
        store_frame(conn, make_cohort(1), CTX)
    with pytest.raises(DatabaseError, match="append-only"), eng.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))


def test_no_public_api_modifies_audit() -> None:
    public = [n for n in dir(audit_module) if not n.startswith("_")]
    assert not [n for n in public if any(w in n.lower() for w in ("update", "delete", "remove", "edit"))]


def test_write_context_requires_reason_or_source() -> None:
    with pytest.raises(ValueError, match="reason"):
        WriteContext(username="a")
    with pytest.raises(ValueError, match="username"):
        WriteContext(username="", reason="x")
    assert WriteContext(username="a", source_file="c.csv").reason == "import of c.csv"
    assert WriteContext(username="a", reason="why", source_file="c.csv").reason == "why"


def test_follow_up_add_list_delete_audited(filled) -> None:
    ctx = WriteContext(username="bob", reason="phone call with the family")
    with filled.begin() as conn:
        fid = add_follow_up(conn, "P00001", ctx, status="alive", months=6.5, notes="walking")
        fid2 = add_follow_up(conn, "P00001", ctx, status="dead", date=dt.date(2020, 3, 1))
    with filled.connect() as conn:
        records = list_follow_up(conn, "P00001")
    assert [(r.id, r.status, r.months, r.date) for r in records] == [
        (fid, "alive", 6.5, None),
        (fid2, "dead", None, dt.date(2020, 3, 1)),
    ]
    with filled.begin() as conn:
        delete_follow_up(conn, fid, ctx)
    with filled.connect() as conn:
        assert [r.id for r in list_follow_up(conn)] == [fid2]
        trail = audit_frame(conn)
    fu = trail[trail["table_name"] == "follow_up"]
    assert list(fu["action"]) == ["insert", "insert", "delete"]
    assert list(fu["record_id"]) == [f"P00001/{fid}", f"P00001/{fid2}", f"P00001/{fid}"]
    assert json.loads(fu["old_value"].iloc[2]) == {
        "date": None,
        "months": "6.5",
        "status": "alive",
        "notes": "walking",
    }
    assert set(fu["reason"]) == {"phone call with the family"}


def test_follow_up_validation(filled) -> None:
    ctx = WriteContext(username="bob", reason="r")
    with filled.begin() as conn:
        with pytest.raises(InvalidInputError, match="status"):
            add_follow_up(conn, "P00001", ctx, status="lost", months=1)
        with pytest.raises(InvalidInputError, match="date"):
            add_follow_up(conn, "P00001", ctx, status="alive")
        with pytest.raises(Exception, match="patient_id"):
            add_follow_up(conn, "NOPE", ctx, status="alive", months=1)


def test_delete_patient_audited_with_old_values(filled) -> None:
    ctx = WriteContext(username="carol", reason="withdrew consent")
    with filled.begin() as conn:
        add_follow_up(conn, "P00002", ctx, status="alive", months=1)
        delete_patient(conn, "P00002", ctx)
        counts = table_counts(conn)
        trail = audit_frame(conn)
    assert counts["patient"] == 2 and counts["follow_up"] == 0
    last = trail[trail["action"] == "delete"]
    assert list(last["table_name"]) == ["follow_up", "patient"]
    old = json.loads(last["old_value"].iloc[1])
    assert old["site"] == "C"
    assert "kps" in old and last["record_id"].iloc[1] == "P00002"


def test_users_argon2_and_sites(engine) -> None:
    with engine.begin() as conn:
        create_user(conn, "dr_a", "correct horse", role="editor", sites=["A", "B"])
        row = conn.execute(text("SELECT password_hash FROM users WHERE username = 'dr_a'")).scalar_one()
        assert row.startswith("$argon2id$") and "correct horse" not in row
        assert verify_user(conn, "dr_a", "correct horse")
        assert not verify_user(conn, "dr_a", "wrong password")
        assert not verify_user(conn, "nobody", "correct horse")
        assert user_sites(conn, "dr_a") == ["A", "B"]
        with pytest.raises(InvalidInputError, match="role"):
            create_user(conn, "x", "long enough", role="god")
