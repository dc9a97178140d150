"""Follow-up contacts: when (date and/or months after surgery), alive/dead, notes. Every write is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from spinemet.errors import InvalidInputError
from spinemet.registry.audit import Change, WriteContext, record_json, write_audit
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import FOLLOW_UP_STATUS, FollowUp, Patient

__all__ = ["FollowUpRecord", "add_follow_up", "delete_follow_up", "list_follow_up"]


@dataclass(frozen=True)
class FollowUpRecord:
    """One follow-up of a patient (``patient_id`` is the pseudonymous id)."""

    id: int
    patient_id: str
    date: dt.date | None
    months: float | None
    status: str
    notes: str | None
    frankel: str | None = None
    barthel: int | None = None
    vas: float | None = None


def _patient_pk(conn: Connection, patient_id: str) -> int:
    pk = conn.execute(select(Patient.id).where(Patient.patient_id == patient_id)).scalar()
    if pk is None:
        raise RegistryError(f"patient_id: got {patient_id!r}; allowed: a patient in the registry")
    return int(pk)


def _shown(
    date: dt.date | None, months: float | None, status: str, notes: str | None
) -> dict[str, str | None]:
    return {
        "date": date.isoformat() if date else None,
        "months": None if months is None else repr(float(months)),
        "status": status,
        "notes": notes,
    }


def add_follow_up(
    conn: Connection,
    patient_id: str,
    ctx: WriteContext,
    *,
    status: str,
    date: dt.date | None = None,
    months: float | None = None,
    notes: str | None = None,
    frankel: str | None = None,
    barthel: int | None = None,
    vas: float | None = None,
) -> int:
    """Record a follow-up; returns its id. ``status`` is ``alive`` or ``dead``; date or months required.

    ``frankel``, ``barthel``, ``vas``: the modified Frankel grade, Barthel index and pain VAS measured at
    the visit (checked by the caller against the cohort columns' rules).
    """
    if status not in FOLLOW_UP_STATUS:
        raise InvalidInputError("status", status, ", ".join(FOLLOW_UP_STATUS))
    if date is None and months is None:
        raise InvalidInputError("date", None, "a date (YYYY-MM-DD) or months after surgery")
    if months is not None and not months >= 0:
        raise InvalidInputError("months", months, "a number >= 0")
    pk = _patient_pk(conn, patient_id)
    new_id = conn.execute(
        insert(FollowUp)
        .values(
            patient_pk=pk,
            date=date,
            months=months,
            status=status,
            notes=notes,
            created_at=ctx.at,
            frankel=frankel,
            barthel=barthel,
            vas=vas,
        )
        .returning(FollowUp.id)
    ).scalar_one()
    write_audit(
        conn,
        ctx,
        [
            Change(
                "insert",
                "follow_up",
                f"{patient_id}/{new_id}",
                None,
                None,
                record_json(
                    {
                        **_shown(date, months, status, notes),
                        **{  # the visit's scores, when measured
                            k: str(v)
                            for k, v in (("frankel", frankel), ("barthel", barthel), ("vas", vas))
                            if v is not None
                        },
                    }
                ),
            )
        ],
    )
    return int(new_id)


def delete_follow_up(conn: Connection, follow_up_id: int, ctx: WriteContext) -> None:
    """Delete a follow-up record (audited with its old content)."""
    row = conn.execute(
        select(FollowUp.date, FollowUp.months, FollowUp.status, FollowUp.notes, Patient.patient_id)
        .join(Patient, Patient.id == FollowUp.patient_pk)
        .where(FollowUp.id == follow_up_id)
    ).first()
    if row is None:
        raise RegistryError(f"follow-up id: got {follow_up_id}; allowed: an existing follow-up")
    conn.execute(delete(FollowUp).where(FollowUp.id == follow_up_id))
    old = record_json(_shown(row.date, row.months, row.status, row.notes))
    write_audit(
        conn, ctx, [Change("delete", "follow_up", f"{row.patient_id}/{follow_up_id}", None, old, None)]
    )


def list_follow_up(conn: Connection, patient_id: str | None = None) -> list[FollowUpRecord]:
    """Follow-up records (of one patient, or all), by patient then in the order recorded."""
    stmt = select(
        FollowUp.id,
        Patient.patient_id,
        FollowUp.date,
        FollowUp.months,
        FollowUp.status,
        FollowUp.notes,
        FollowUp.frankel,
        FollowUp.barthel,
        FollowUp.vas,
    ).join(Patient, Patient.id == FollowUp.patient_pk)
    if patient_id is not None:
        stmt = stmt.where(Patient.patient_id == patient_id)
    stmt = stmt.order_by(Patient.patient_id, FollowUp.id)
    return [FollowUpRecord(*row) for row in conn.execute(stmt)]
