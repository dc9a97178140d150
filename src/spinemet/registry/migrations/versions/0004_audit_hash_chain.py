"""tamper-evident audit trail: audit_log.seq and hash chain, audit_chain head, SQLite REPLACE refused

Revision ID: 0004
Revises: 0002 (the integrator re-chains it after 0003; it does not touch the patient tables)
Create Date: 2026-12-03 23:30:00

Existing audit rows are chained in ``id`` order (seq 1, 2, ...). The append-only triggers are dropped
for the duration (the rows get their seq and hash) and recreated; SQLite also gets a BEFORE INSERT
trigger refusing a row whose ``id`` or ``seq`` exists (``INSERT OR REPLACE`` would otherwise delete the
old row without firing the DELETE trigger).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from spinemet.registry.audit import GENESIS, chain_hash

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 10_000


def _drop_triggers(dialect: str) -> None:
    if dialect == "sqlite":
        for name in ("audit_log_no_update", "audit_log_no_delete", "audit_log_no_replace"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")


def _create_triggers(dialect: str, *, refuse_replace: bool) -> None:
    """The append-only triggers of 0001 (the PostgreSQL function is kept), plus the REPLACE guard."""
    if dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: {event} refused'); END"
            )
        if refuse_replace:
            op.execute(
                "CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log "
                "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id OR seq = NEW.seq) "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: REPLACE of a row refused'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION spinemet_audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION spinemet_audit_log_append_only()"
        )


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    _drop_triggers(dialect)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    text_columns = ("username", "action", "table_name", "record_id", "field", "old_value", "new_value")
    audit = sa.table(
        "audit_log",
        sa.column("id", sa.Integer()),
        sa.column("at", sa.DateTime()),
        *(sa.column(name, sa.String()) for name in text_columns),
        sa.column("reason", sa.String()),
        sa.column("source_file", sa.String()),
        sa.column("source_sha256", sa.String()),
        sa.column("seq", sa.Integer()),
        sa.column("hash", sa.String()),
    )
    previous, seq = GENESIS, 0
    last_id = None
    while True:  # keyset pages: bounded memory for a long trail
        stmt = sa.select(audit).order_by(audit.c.id).limit(_BATCH)
        if last_id is not None:
            stmt = stmt.where(audit.c.id > last_id)
        rows = bind.execute(stmt).mappings().all()
        if not rows:
            break
        updates = []
        for row in rows:
            seq += 1
            previous = chain_hash({**row, "seq": seq}, previous)
            updates.append({"b_id": row["id"], "b_seq": seq, "b_hash": previous})
        bind.execute(
            audit.update()
            .where(audit.c.id == sa.bindparam("b_id"))
            .values(seq=sa.bindparam("b_seq"), hash=sa.bindparam("b_hash")),
            updates,
        )
        last_id = rows[-1]["id"]
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch.create_unique_constraint(op.f("uq_audit_log_seq"), ["seq"])
    head = op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    assert head is not None
    if seq:  # the head row is created by the first append; an empty trail has none
        op.bulk_insert(head, [{"id": 1, "seq": seq, "hash": previous}])
    _create_triggers(dialect, refuse_replace=True)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_table("audit_chain")
    _drop_triggers(dialect)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint(op.f("uq_audit_log_seq"), type_="unique")
        batch.drop_column("hash")
        batch.drop_column("seq")
    _create_triggers(dialect, refuse_replace=False)
