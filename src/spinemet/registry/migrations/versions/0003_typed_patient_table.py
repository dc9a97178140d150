"""typed patient table: one column per cohort-format field instead of one patient_value row per value

Moves every stored value into its column (data migration, SQLite and PostgreSQL) and drops
``patient_value``; refuses, changing nothing, when a stored value has no place in the typed table (an
unknown column, or a value of the wrong type). The downgrade moves the values back into ``patient_value``.
The decision and its measurements: docs/registry.md, "Storage design".

The column list is frozen here (a migration must not change when the cohort schema does): a later cohort
field is added by a new migration (``op.add_column("patient", ...)``, see docs/registry.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (column, SQL type) of the typed patient table at this revision, in cohort-schema order.
COLUMNS: list[tuple[str, sa.types.TypeEngine]] = [
    ("sex", sa.Text()),
    ("age", sa.Integer()),
    ("age_special", sa.Text()),
    ("surgery_date", sa.Date()),
    ("primary_tumor", sa.Text()),
    ("main_level", sa.Text()),
    ("kps", sa.Integer()),
    ("ecog", sa.Integer()),
    ("extraspinal_bone_mets", sa.Integer()),
    ("vertebral_mets", sa.Integer()),
    ("visceral_mets", sa.Text()),
    ("tokuhashi", sa.Integer()),
    ("sins_location", sa.Text()),
    ("sins_pain", sa.Text()),
    ("sins_lesion", sa.Text()),
    ("sins_alignment", sa.Text()),
    ("sins_collapse", sa.Text()),
    ("sins_posterolateral", sa.Text()),
    ("sins", sa.Integer()),
    ("escc", sa.Text()),
    ("frankel_pre", sa.Text()),
    ("frankel_post", sa.Text()),
    ("barthel_pre", sa.Integer()),
    ("barthel_post", sa.Integer()),
    ("vas_pre", sa.Float()),
    ("vas_post", sa.Float()),
    ("procedure", sa.Text()),
    ("levels_fused", sa.Integer()),
    ("operative_time_min", sa.Integer()),
    ("blood_loss_ml", sa.Integer()),
    ("complications", sa.Text()),
    ("chemotherapy", sa.Text()),
    ("radiotherapy", sa.Text()),
    ("bone_modifying_agent", sa.Text()),
    ("discharge", sa.Text()),
    ("survival_months", sa.Float()),
    ("dead", sa.Integer()),
    ("barthel_feeding", sa.Integer()),
    ("barthel_bathing", sa.Integer()),
    ("barthel_grooming", sa.Integer()),
    ("barthel_dressing", sa.Integer()),
    ("barthel_bowels", sa.Integer()),
    ("barthel_bladder", sa.Integer()),
    ("barthel_toilet", sa.Integer()),
    ("barthel_transfers", sa.Integer()),
    ("barthel_mobility", sa.Integer()),
    ("barthel_stairs", sa.Integer()),
    ("barthel_feeding_pre", sa.Integer()),
    ("barthel_bathing_pre", sa.Integer()),
    ("barthel_grooming_pre", sa.Integer()),
    ("barthel_dressing_pre", sa.Integer()),
    ("barthel_bowels_pre", sa.Integer()),
    ("barthel_bladder_pre", sa.Integer()),
    ("barthel_toilet_pre", sa.Integer()),
    ("barthel_transfers_pre", sa.Integer()),
    ("barthel_mobility_pre", sa.Integer()),
    ("barthel_stairs_pre", sa.Integer()),
    ("barthel_feeding_post", sa.Integer()),
    ("barthel_bathing_post", sa.Integer()),
    ("barthel_grooming_post", sa.Integer()),
    ("barthel_dressing_post", sa.Integer()),
    ("barthel_bowels_post", sa.Integer()),
    ("barthel_bladder_post", sa.Integer()),
    ("barthel_toilet_post", sa.Integer()),
    ("barthel_transfers_post", sa.Integer()),
    ("barthel_mobility_post", sa.Integer()),
    ("barthel_stairs_post", sa.Integer()),
    ("death_date", sa.Date()),
    ("last_contact_date", sa.Date()),
    ("tomita_primary_growth", sa.Text()),
    ("tomita_visceral", sa.Text()),
    ("tomita_bone_mets", sa.Text()),
    ("katagiri_primary_growth", sa.Text()),
    ("katagiri_visceral", sa.Text()),
    ("katagiri_lab", sa.Text()),
    ("previous_chemotherapy", sa.Text()),
    ("multiple_skeletal_mets", sa.Text()),
    ("solitary_skeletal_met", sa.Text()),
    ("pathologic_fracture", sa.Text()),
    ("ambulatory", sa.Text()),
    ("frankel_scale", sa.Text()),
    ("crp_mg_dl", sa.Float()),
    ("ldh_iu_l", sa.Float()),
    ("albumin_g_dl", sa.Float()),
    ("platelets_per_ul", sa.Float()),
    ("calcium_mg_dl", sa.Float()),
    ("bilirubin_mg_dl", sa.Float()),
    ("family_care", sa.Text()),
    ("en_bloc_candidate", sa.Text()),
    ("analgesic_or_rt_responsive", sa.Text()),
    ("reduced_will_to_live", sa.Text()),
    ("pedicles_confirmable", sa.Text()),
    ("intractable_pain", sa.Text()),
]
#: Token columns: (column, cohort field, allowed tokens); the EAV stored the token as value_text.
SPECIAL = [("age_special", "age", ("90+",))]


def _kind(sql_type: sa.types.TypeEngine) -> str:
    if isinstance(sql_type, sa.Integer):
        return "int"
    if isinstance(sql_type, sa.Float):
        return "num"
    if isinstance(sql_type, sa.Date):
        return "date"
    return "text"


def _q(name: str) -> str:
    return op.get_bind().dialect.identifier_preparer.quote(name)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _value_columns() -> list[tuple[str, sa.types.TypeEngine]]:
    return [(n, t) for n, t in COLUMNS if n not in {s for s, _, _ in SPECIAL}]


def _check_movable() -> None:
    """Refuse (before any change) stored values that the typed columns cannot hold."""
    bind = op.get_bind()
    by_kind: dict[str, list[str]] = {}
    for name, sql_type in _value_columns():
        by_kind.setdefault(_kind(sql_type), []).append(name)

    def among(names: list[str]) -> str:
        return '"column" IN (' + ", ".join(_lit(n) for n in names) + ")"

    fits = [
        f"({among(by_kind['int'])} AND value_num IS NOT NULL AND value_num = CAST(value_num AS INTEGER))",
        f"({among(by_kind['num'])} AND value_num IS NOT NULL)",
        f"({among(by_kind['date'])} AND value_date IS NOT NULL)",
        f"({among(by_kind['text'])} AND value_text IS NOT NULL)",
    ]
    for _, field, tokens in SPECIAL:
        fits.append(f'("column" = {_lit(field)} AND value_text IN ({", ".join(_lit(t) for t in tokens)}))')
    bad = bind.execute(
        sa.text(
            'SELECT "column", COUNT(*) FROM patient_value WHERE NOT (' + " OR ".join(fits) + ") "
            'GROUP BY "column" ORDER BY "column"'
        )
    ).all()
    if bad:
        listed = ", ".join(f"{column!r} ({n} values)" for column, n in bad)
        raise RuntimeError(
            f"patient_value: values that fit no typed column: {listed}; allowed: the cohort-format "
            "columns with values of their type. Nothing was changed: correct or delete these values first."
        )


def upgrade() -> None:
    _check_movable()
    op.add_column("patient", sa.Column("extra", sa.Text(), nullable=True))  # non-cohort columns, JSON
    for name, sql_type in COLUMNS:
        op.add_column("patient", sa.Column(name, sql_type, nullable=True))
    assignments = []
    for name, sql_type in _value_columns():
        source = {"int": "value_num", "num": "value_num", "date": "value_date", "text": "value_text"}[
            _kind(sql_type)
        ]
        value = (
            f"SELECT v.{source} FROM patient_value v "
            f'WHERE v.patient_pk = patient.id AND v."column" = {_lit(name)}'
        )
        value = f"CAST(({value}) AS INTEGER)" if _kind(sql_type) == "int" else f"({value})"
        assignments.append(f"{_q(name)} = {value}")
    for name, field, _ in SPECIAL:
        assignments.append(
            f"{_q(name)} = (SELECT v.value_text FROM patient_value v "
            f'WHERE v.patient_pk = patient.id AND v."column" = {_lit(field)})'
        )
    op.execute(
        "UPDATE patient SET "
        + ", ".join(assignments)
        + " WHERE EXISTS (SELECT 1 FROM patient_value v WHERE v.patient_pk = patient.id)"
    )
    op.drop_table("patient_value")
    _audit_compression("lz4")


def _audit_compression(method: str) -> None:
    """PostgreSQL >= 14: compress the audit values (an insert's record is ~2 KB of JSON, just over the
    TOAST threshold) with lz4 instead of pglz: a 100,000-patient import 2x faster (docs/registry.md).
    Skipped where the server lacks lz4 (a build without it) and on SQLite."""
    bind = op.get_bind()
    if (
        bind.dialect.name != "postgresql"
        or int(bind.execute(sa.text("SHOW server_version_num")).scalar()) < 140000
    ):
        return
    savepoint = bind.begin_nested()
    try:
        bind.execute(
            sa.text(
                f"ALTER TABLE audit_log ALTER COLUMN new_value SET COMPRESSION {method}, "
                f"ALTER COLUMN old_value SET COMPRESSION {method}"
            )
        )
    except sa.exc.DBAPIError:  # pragma: no cover - PostgreSQL built without lz4
        savepoint.rollback()
    else:
        savepoint.commit()


def downgrade() -> None:
    if op.get_bind().execute(sa.text("SELECT COUNT(*) FROM patient WHERE extra IS NOT NULL")).scalar():
        raise RuntimeError(
            "patient.extra: patients hold columns outside the cohort format (import --keep-extra), which "
            "revision 0002 cannot hold in the same way; nothing was changed: export them first"
        )
    _audit_compression("pglz")
    op.create_table(
        "patient_value",
        sa.Column("patient_pk", sa.Integer(), nullable=False),
        sa.Column("column", sa.String(length=64), nullable=False),
        sa.Column("value_num", sa.Float(precision=53), nullable=True),
        sa.Column("value_text", sa.Text(), nullable=True),
        sa.Column("value_date", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "(CASE WHEN value_num IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN value_text IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN value_date IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_patient_value_one_value"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_pk"],
            ["patient.id"],
            name=op.f("fk_patient_value_patient_pk_patient"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("patient_pk", "column", name=op.f("pk_patient_value")),
        sqlite_with_rowid=False,
    )
    float_type = "DOUBLE PRECISION" if op.get_bind().dialect.name == "postgresql" else "REAL"
    for name, sql_type in _value_columns():
        kind = _kind(sql_type)
        target = {"int": "value_num", "num": "value_num", "date": "value_date", "text": "value_text"}[kind]
        value = f"CAST({_q(name)} AS {float_type})" if kind == "int" else _q(name)
        op.execute(
            f'INSERT INTO patient_value (patient_pk, "column", {target}) '
            f"SELECT id, {_lit(name)}, {value} FROM patient WHERE {_q(name)} IS NOT NULL"
        )
    for name, field, _ in SPECIAL:
        op.execute(
            f'INSERT INTO patient_value (patient_pk, "column", value_text) '
            f"SELECT id, {_lit(field)}, {_q(name)} FROM patient WHERE {_q(name)} IS NOT NULL"
        )
    # Plain ALTER TABLE ... DROP COLUMN (SQLite >= 3.35, PostgreSQL): a batch copy of ``patient`` would
    # drop the table, and with foreign keys on SQLite that deletes the patients' follow-up (ON DELETE
    # CASCADE).
    for name, _ in reversed(COLUMNS):
        op.execute(f"ALTER TABLE patient DROP COLUMN {_q(name)}")
    op.execute("ALTER TABLE patient DROP COLUMN extra")
