"""web prerequisites: patient version (optimistic locking), the auditor role, follow-up visit scores

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-03 23:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ROLES_OLD = "role IN ('admin', 'editor', 'viewer')"
_ROLES_NEW = "role IN ('admin', 'editor', 'viewer', 'auditor')"


def upgrade() -> None:
    with op.batch_alter_table("patient") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), sa.text(_ROLES_NEW))
    with op.batch_alter_table("follow_up") as batch:
        batch.add_column(sa.Column("frankel", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("barthel", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("vas", sa.Float(precision=53), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("follow_up") as batch:
        batch.drop_column("vas")
        batch.drop_column("barthel")
        batch.drop_column("frankel")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), sa.text(_ROLES_OLD))
    with op.batch_alter_table("patient") as batch:
        batch.drop_column("version")
