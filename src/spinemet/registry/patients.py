"""Deleting a patient (with the patient's values and follow-up), audited with the old record."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select

from spinemet.registry.audit import Change, WriteContext, record_json, write_audit
from spinemet.registry.errors import RegistryError
from spinemet.registry.models import FollowUp, Patient, PatientValue, Site
from spinemet.registry.values import format_value

__all__ = ["delete_patient"]


def delete_patient(conn: Connection, patient_id: str, ctx: WriteContext) -> None:
    """Delete ``patient_id`` and everything recorded about it; the audit row keeps the old values."""
    row = conn.execute(
        select(Patient.id, Site.code)
        .outerjoin(Site, Site.id == Patient.site_id)
        .where(Patient.patient_id == patient_id)
    ).first()
    if row is None:
        raise RegistryError(f"patient_id: got {patient_id!r}; allowed: a patient in the registry")
    pk, site = row
    shown: dict[str, str | None] = {"site": site} if site else {}
    for column, num, text, date in conn.execute(
        select(
            PatientValue.column, PatientValue.value_num, PatientValue.value_text, PatientValue.value_date
        ).where(PatientValue.patient_pk == pk)
    ):
        shown[column] = format_value((num, text, date))
    changes = [
        Change("delete", "follow_up", f"{patient_id}/{fid}", None, status, None)
        for fid, status in conn.execute(select(FollowUp.id, FollowUp.status).where(FollowUp.patient_pk == pk))
    ]
    changes.append(Change("delete", "patient", patient_id, None, record_json(shown), None))
    conn.execute(delete(FollowUp).where(FollowUp.patient_pk == pk))
    conn.execute(delete(PatientValue).where(PatientValue.patient_pk == pk))
    conn.execute(delete(Patient).where(Patient.id == pk))
    write_audit(conn, ctx, changes)
