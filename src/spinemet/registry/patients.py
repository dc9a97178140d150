"""Deleting a patient (with the patient's follow-up), audited with the old record."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from spinemet.registry.audit import Change, WriteContext, record_json, write_audit
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import FollowUp, Patient, Site
from spinemet.registry.values import FIELDS, format_value

__all__ = ["delete_patient"]


def delete_patient(conn: Connection, patient_id: str, ctx: WriteContext) -> None:
    """Delete ``patient_id`` and everything recorded about it; the audit row keeps the old values."""
    patient = Patient.__table__
    columns = [patient.c[f.name] for f in FIELDS]
    specials = [patient.c[f.special_column] for f in FIELDS if f.special_column is not None]
    row = conn.execute(
        select(Patient.id, Site.code, *columns, *specials)
        .outerjoin(Site, Site.id == Patient.site_id)
        .where(Patient.patient_id == patient_id)
    ).first()
    if row is None:
        raise RegistryError(f"patient_id: got {patient_id!r}; allowed: a patient in the registry")
    pk, site = row[0], row[1]
    shown: dict[str, str | None] = {"site": site} if site else {}
    values = dict(zip([f.name for f in FIELDS], row[2 : 2 + len(FIELDS)], strict=True))
    tokens = dict(
        zip([f.name for f in FIELDS if f.special_column is not None], row[2 + len(FIELDS) :], strict=True)
    )
    for f in FIELDS:
        text = tokens.get(f.name) or format_value(values[f.name])
        if text is not None:
            shown[f.name] = text
    changes = [
        Change("delete", "follow_up", f"{patient_id}/{fid}", None, status, None)
        for fid, status in conn.execute(select(FollowUp.id, FollowUp.status).where(FollowUp.patient_pk == pk))
    ]
    changes.append(Change("delete", "patient", patient_id, None, record_json(shown), None))
    conn.execute(delete(FollowUp).where(FollowUp.patient_pk == pk))
    conn.execute(delete(Patient).where(Patient.id == pk))
    write_audit(conn, ctx, changes)
