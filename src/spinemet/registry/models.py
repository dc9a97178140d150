"""SQLAlchemy models of the registry.

Patient data are stored as one typed ``patient`` row per patient: the pseudonymous ``patient_id``, the
centre (``site_id``), bookkeeping (``created_at``, ``updated_at``, ``version``) and one column per field of
the cohort format (:mod:`spinemet.cohort.schema`), generated from that schema by
:func:`cohort_value_columns`: ``integer``/``binary`` fields as INTEGER, ``number`` as double precision,
``date`` as DATE, codes and text as TEXT. A field that allows special tokens (``age``: ``"90+"``, the
HIPAA Safe Harbor group) has a companion TEXT column ``<field>_special`` holding the token; the number
column is then NULL, so a grouped age is never read as a real age of 90. NULL is missing.
The design was chosen by measurement over one row per value (EAV); see docs/registry.md, "Storage design".
A change of the cohort schema needs a migration adding the column (tests/registry/test_schema.py checks
that the model, the cohort schema and the migrated database agree).

The schema itself is created by the Alembic migrations in ``spinemet.registry.migrations``; these
models describe it for the ORM and for backup/restore (table order = foreign-key order).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

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
    Table,
    Text,
)
from sqlalchemy import (
    Column as SAColumn,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeEngine

__all__ = [
    "SPECIAL_SUFFIX",
    "AuditChain",
    "AuditLog",
    "Base",
    "FollowUp",
    "LoginFailure",
    "Patient",
    "Site",
    "User",
    "UserSite",
    "WebSession",
    "cohort_value_columns",
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


#: Suffix of the companion column holding a field's special token (``age_special`` = ``"90+"``).
SPECIAL_SUFFIX = "_special"
#: Cohort columns that are not value columns of ``patient``: the id is its own column, the centre a key.
_NOT_VALUES = ("patient_id", "site")


def _sql_type(kind: str) -> TypeEngine[Any]:
    if kind in ("integer", "binary"):
        return Integer()
    if kind == "number":
        return Float(precision=53)
    if kind == "date":
        return Date()
    return Text()  # text, category, multi: codes are stored as written in the cohort format


def cohort_value_columns() -> list[tuple[str, str, TypeEngine[Any]]]:
    """``(column name, cohort field, SQL type)`` of every value column of ``patient``, in cohort order.

    Generated from :data:`spinemet.cohort.schema.COLUMNS`; a field with special tokens adds its
    ``<field>_special`` TEXT column right after it.
    """
    from spinemet.cohort.schema import COLUMNS

    out: list[tuple[str, str, TypeEngine[Any]]] = []
    for col in COLUMNS:
        if col.name in _NOT_VALUES:
            continue
        out.append((col.name, col.name, _sql_type(col.kind)))
        if col.special:
            out.append((col.name + SPECIAL_SUFFIX, col.name, Text()))
    return out


patient_table = Table(
    "patient",
    Base.metadata,
    SAColumn("id", Integer, primary_key=True),
    SAColumn("patient_id", String(100), nullable=False, unique=True),
    SAColumn("site_id", ForeignKey("site.id"), nullable=True, index=True),
    SAColumn("created_at", DateTime, nullable=False),
    SAColumn("updated_at", DateTime, nullable=False),
    # Optimistic locking: 1 when created, +1 on every change of the record (a save names the version
    # it started from and is refused when the record has moved on).
    SAColumn("version", Integer, nullable=False, default=1, server_default="1"),
    # Columns that are not in the cohort format (``import --keep-extra``): a JSON object, sorted keys,
    # values as text or numbers (dates as ISO text); NULL when there are none.
    SAColumn("extra", Text, nullable=True),
    *(SAColumn(name, sql_type, nullable=True) for name, _, sql_type in cohort_value_columns()),
)


class Patient(Base):
    """An operated patient, known only by the pseudonymous ``patient_id`` (unique in the registry), with
    one typed column per cohort-format field (see the module docstring)."""

    __table__ = patient_table

    id: Mapped[int]
    patient_id: Mapped[str]
    site_id: Mapped[int | None]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    version: Mapped[int]


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
