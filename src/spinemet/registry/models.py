"""SQLAlchemy models of the registry.

Patient data are stored as one ``patient`` row (the pseudonymous ``patient_id`` and the centre) plus one
``patient_value`` row per non-missing cohort-format value (``column`` = the cohort column name). A value
is typed by which of ``value_num`` / ``value_text`` / ``value_date`` is set, so the cohort schema can grow
without a migration and a round trip returns the same types. Missing values have no row.

The schema itself is created by the Alembic migrations in ``spinemet.registry.migrations``; these
models describe it for the ORM and for backup/restore (table order = foreign-key order).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AuditChain",
    "AuditLog",
    "Base",
    "FollowUp",
    "LoginFailure",
    "Patient",
    "PatientValue",
    "Site",
    "User",
    "UserSite",
    "WebSession",
]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Roles a user of the (later) web application can have.
ROLES = ("admin", "editor", "viewer", "auditor")
#: Vital status recorded at a follow-up.
FOLLOW_UP_STATUS = ("alive", "dead")


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable names across backends)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Site(Base):
    """A centre of a multi-centre registry (the cohort column ``site``)."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))


class Patient(Base):
    """An operated patient, known only by the pseudonymous ``patient_id`` (unique in the registry)."""

    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[str] = mapped_column(String(100), unique=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: Optimistic locking: 1 when created, +1 on every change of the record (a save names the version
    #: it started from and is refused when the record has moved on).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class PatientValue(Base):
    """One cohort-format value of a patient; exactly one of the three value columns is set."""

    __tablename__ = "patient_value"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN value_num IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN value_text IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN value_date IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_value",
        ),
        {"sqlite_with_rowid": False},  # one B-tree keyed by (patient, column): faster bulk loads
    )

    patient_pk: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), primary_key=True)
    column: Mapped[str] = mapped_column(String(64), primary_key=True)
    value_num: Mapped[float | None] = mapped_column(Float(precision=53))
    value_text: Mapped[str | None] = mapped_column(Text)
    value_date: Mapped[dt.date | None] = mapped_column(Date)


class FollowUp(Base):
    """A follow-up contact: when (date and/or months after surgery), vital status and notes."""

    __tablename__ = "follow_up"
    __table_args__ = (
        CheckConstraint("status IN ('alive', 'dead')", name="status"),
        CheckConstraint("date IS NOT NULL OR months IS NOT NULL", name="when"),
        CheckConstraint("months IS NULL OR months >= 0", name="months"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_pk: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"), index=True)
    date: Mapped[dt.date | None] = mapped_column(Date)
    months: Mapped[float | None] = mapped_column(Float(precision=53))
    status: Mapped[str] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    #: Scores measured at the visit: modified Frankel grade, Barthel index (0-100), pain VAS (0-10).
    frankel: Mapped[str | None] = mapped_column(String(4))
    barthel: Mapped[int | None] = mapped_column(Integer)
    vas: Mapped[float | None] = mapped_column(Float(precision=53))


class User(Base):
    """A user of the registry (for the later web application); the password is an argon2 hash."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'editor', 'viewer', 'auditor')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class UserSite(Base):
    """Which centres a user may see (no row for an admin = all centres)."""

    __tablename__ = "user_site"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), primary_key=True)


class AuditLog(Base):
    """One entry of the append-only audit trail (database triggers refuse UPDATE and DELETE).

    ``record_id`` is the pseudonymous patient id (or ``<patient_id>/<follow-up id>``), never another
    identifier. For an inserted record ``field`` is NULL and ``new_value`` holds the record as JSON; for
    a deletion ``old_value`` holds it; an update has one entry per changed field.
    """

    __tablename__ = "audit_log"
    __table_args__ = (CheckConstraint("action IN ('insert', 'update', 'delete')", name="action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    username: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(200), index=True)
    field: Mapped[str | None] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    source_file: Mapped[str | None] = mapped_column(String(255))
    source_sha256: Mapped[str | None] = mapped_column(String(64))
    #: Tamper evidence (migration 0004, see ``registry.audit``): the row's place in the hash chain
    #: (1, 2, 3, ... without gaps; ids may have gaps) and sha256 over its fields and the previous hash.
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(Base):
    """The head of the audit hash chain: one row (``id`` 1) with the last ``seq`` and its ``hash``.

    Created by the first audit append; writers lock it to append (so two writers cannot fork the
    chain), and ``audit verify`` compares it with the last audit row (rows deleted from the end).
    """

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class WebSession(Base):
    """A signed-in browser session of the web application (server side; the cookie holds a random token).

    Only the sha256 of the token is stored, so a copy of the database does not hand out live sessions.
    Idle and absolute timeouts are checked against ``last_seen`` and ``created_at``; logout deletes the row.
    """

    __tablename__ = "web_session"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    last_seen: Mapped[dt.datetime] = mapped_column(DateTime)


class LoginFailure(Base):
    """Failed sign-ins per user name (known or not), for throttling and temporary lockout."""

    __tablename__ = "login_failure"

    username: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[dt.datetime] = mapped_column(DateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
