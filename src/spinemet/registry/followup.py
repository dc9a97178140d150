"""Follow-up contacts: when (date and/or months after surgery), alive/dead, notes. Every write is audited.

A contact is checked before it is stored (the command line and the web application both write through
:func:`add_follow_up`): a date within 1900-2200 and not before the patient's surgery, a finite number
of months (0-1200), a non-blank reason (:class:`~spinemet.registry.audit.WriteContext`), and a vital
status consistent with what is recorded: no ``alive`` contact after a recorded death (a ``dead``
follow-up, or the cohort's ``dead`` = 1 at ``survival_months``), and no death before a recorded
``alive`` follow-up contact. Times compare as dates when both have one, else as months after surgery (a date
converted with the surgery date and 365.25/12 days per month); contacts that cannot be compared are
not held against each other.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, delete, insert, select

from spinemet.errors import InvalidInputError
from spinemet.registry.audit import Change, WriteContext, record_json, write_audit
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import FOLLOW_UP_STATUS, FollowUp, Patient

__all__ = [
    "MAX_DATE",
    "MAX_MONTHS",
    "MIN_DATE",
    "FollowUpRecord",
    "add_follow_up",
    "delete_follow_up",
    "list_follow_up",
]

#: Plausible follow-up dates (a typo such as 0202 or 20233 is refused, not stored).
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2200, 12, 31)
#: At most 100 years after surgery.
MAX_MONTHS = 1200.0
_DAYS_PER_MONTH = 365.25 / 12


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


@dataclass(frozen=True)
class _When:
    """A point of a patient's course: a date and/or months after surgery."""

    date: dt.date | None
    months: float | None


def _months_after(when: _When, surgery: dt.date | None) -> float | None:
    if when.months is not None:
        return when.months
    if when.date is not None and surgery is not None:
        return (when.date - surgery).days / _DAYS_PER_MONTH
    return None


def _before(a: _When, b: _When, surgery: dt.date | None) -> bool:
    """Whether ``a`` is certainly before ``b`` (False when they cannot be compared)."""
    if a.date is not None and b.date is not None:
        return a.date < b.date
    ma, mb = _months_after(a, surgery), _months_after(b, surgery)
    return ma is not None and mb is not None and ma < mb


def _check_when(date: dt.date | None, months: float | None) -> None:
    if date is None and months is None:
        raise InvalidInputError("date", None, "a date (YYYY-MM-DD) or months after surgery")
    if date is not None and not (MIN_DATE <= date <= MAX_DATE):
        raise InvalidInputError("date", date.isoformat(), f"a date from {MIN_DATE} to {MAX_DATE}")
    if months is not None and (
        isinstance(months, bool)
        or not isinstance(months, int | float)
        or not math.isfinite(months)
        or not 0 <= months <= MAX_MONTHS
    ):
        raise InvalidInputError(
            "months", months, f"a finite number of months after surgery, 0-{MAX_MONTHS:g}"
        )


def _course(conn: Connection, patient_id: str) -> tuple[dt.date | None, list[tuple[_When, str]]]:
    """The patient's surgery date and recorded vital statuses: (when, "alive"/"dead") pairs."""
    from spinemet.registry.query import load_frame

    frame = load_frame(
        conn, filters={"patient_id": patient_id}, columns=["surgery_date", "dead", "survival_months"]
    )
    surgery: dt.date | None = None
    events: list[tuple[_When, str]] = []
    if len(frame):
        row = frame.iloc[0]
        value = row.get("surgery_date")
        if value is not None and not _missing(value):
            surgery = value.date() if isinstance(value, dt.datetime) else value
        dead, survival = row.get("dead"), row.get("survival_months")
        # a censoring time (dead = 0) is not taken as an alive contact
        recorded = survival is not None and not _missing(survival) and dead is not None and not _missing(dead)
        if recorded and float(dead) == 1.0:
            events.append((_When(None, float(survival)), "dead"))
    for record in list_follow_up(conn, patient_id):
        events.append((_When(record.date, record.months), record.status))
    return surgery, events


def _missing(value: object) -> bool:
    try:
        return bool(value != value)  # NaN / NaT
    except (TypeError, ValueError):  # pragma: no cover - pandas NA
        return True


def _check_course(
    status: str, new: _When, surgery: dt.date | None, events: Iterable[tuple[_When, str]]
) -> None:
    if new.date is not None and surgery is not None and new.date < surgery:
        raise InvalidInputError("date", new.date.isoformat(), "a date on or after the patient's surgery date")
    for when, recorded in events:
        if status == "alive" and recorded == "dead" and _before(when, new, surgery):
            raise InvalidInputError(
                "status",
                status,
                "dead",
                "a death is recorded before this contact; an alive contact cannot follow it",
            )
        if status == "dead" and recorded == "alive" and _before(new, when, surgery):
            raise InvalidInputError(
                "status",
                status,
                "alive",
                "the patient is recorded alive after this date; a death cannot come before it",
            )


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

    Raises:
        InvalidInputError: naming the field (status, date, months) of a value out of range or in
            contradiction with the patient's recorded course (see the module doc).
        RegistryError: an unknown patient.
    """
    if status not in FOLLOW_UP_STATUS:
        raise InvalidInputError("status", status, ", ".join(FOLLOW_UP_STATUS))
    _check_when(date, months)
    pk = _patient_pk(conn, patient_id)
    surgery, events = _course(conn, patient_id)
    _check_course(status, _When(date, None if months is None else float(months)), surgery, events)
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
