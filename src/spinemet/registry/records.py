"""One patient's record as the web application (and scripts) use it: read, create, update, follow-up.

Built on the registry's public functions (``store_frame``, ``load_frame``, ``add_follow_up``,
``list_follow_up``, ``audit_frame``), so every write is audited and every value is checked by the cohort
format's rules (``spinemet.cohort.validate_frame``, the checks of ``spinemet validate``) on the whole
record, cross-field rules included. Nothing is written when a value is refused.

Visibility: ``sites=None`` means every centre (an administrator); otherwise a list of centre codes. A
record of another centre is reported exactly as a missing one (``RecordNotFound``).

Survival: ``survival_months`` and ``dead`` are derived from the surgery date and the follow-up visits
(the date of death, else the latest visit), so the study report needs no hand-typed survival time.
Months are days / 30.4375 (the mean Gregorian month, as in ``spinemet.report``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select, update

from spinemet.errors import InvalidInputError
from spinemet.registry.audit import WriteContext, audit_frame
from spinemet.registry.errors import RegistryError
from spinemet.registry.followup import FollowUpRecord, add_follow_up, list_follow_up
from spinemet.registry.models import FOLLOW_UP_STATUS, Patient, Site
from spinemet.registry.query import json_records, load_frame
from spinemet.registry.store import ID_COLUMN, SITE_COLUMN, store_frame

__all__ = [
    "DAYS_PER_MONTH",
    "DERIVED_COLUMNS",
    "FieldError",
    "FollowUpRefused",
    "PatientRecord",
    "PreparedUpdate",
    "RecordExists",
    "RecordInvalid",
    "RecordNotFound",
    "VersionConflict",
    "add_visit",
    "apply_update",
    "check_values",
    "create_record",
    "derive_survival",
    "get_record",
    "list_records",
    "prepare_update",
    "report_frame",
    "update_record",
    "visible_pk",
]

#: Mean Gregorian month in days (365.2425 / 12), the conversion used by ``spinemet.report``.
DAYS_PER_MONTH = 30.4375
#: Columns derived from follow-up visits when the patient has any.
DERIVED_COLUMNS = ("survival_months", "dead")
#: Follow-up fields checked by the rules of these cohort columns (same allowed values).
_VISIT_RULES = {"frankel": "frankel_post", "barthel": "barthel_post", "vas": "vas_post"}


@dataclass(frozen=True)
class FieldError:
    """One refused value: the column, the value given, why, and the allowed values."""

    column: str | None
    value: Any
    message: str
    allowed: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``column``, ``value``, ``message``, ``allowed``)."""
        value = self.value
        if value is not None and not isinstance(value, str | int | float | bool):
            value = str(value)
        return {"column": self.column, "value": value, "message": self.message, "allowed": self.allowed}


class RecordNotFound(RegistryError):
    """No such patient, or not visible to this user (the two are not distinguished)."""

    def __init__(self) -> None:
        super().__init__("patient: not found")


class RecordExists(RegistryError):
    """A patient with this pseudonymous id is already registered."""

    def __init__(self) -> None:
        super().__init__("patient_id: already registered; allowed: a new pseudonymous id")


class RecordInvalid(RegistryError):
    """Values refused by the cohort rules; ``errors`` lists every one (nothing was saved)."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(e.message for e in self.errors))


class FollowUpRefused(RegistryError):
    """A follow-up visit that contradicts the record (before surgery, alive after death...)."""

    def __init__(self, column: str, value: Any, message: str, allowed: str) -> None:
        self.error = FieldError(column, value, message, allowed)
        super().__init__(message)


@dataclass
class VersionConflict(RegistryError):
    """The record moved on since the version the user started from: nothing was saved.

    ``conflicts``: for each column the user tried to set, the value they sent and the value now stored
    (where they differ). ``changes``: the audited changes made since ``expected`` (who, when, old, new).
    """

    expected: int
    current: int
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(
            f"version: got {self.expected}; the record is now at version {self.current} "
            "(changed by someone else); reload and apply your changes again"
        )


@dataclass
class PatientRecord:
    """A patient as shown: id, centre, version, values (cohort column -> JSON value), follow-ups."""

    patient_id: str
    site: str | None
    version: int
    values: dict[str, Any]
    followups: list[dict[str, Any]]
    survival: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "patient_id": self.patient_id,
            "site": self.site,
            "version": self.version,
            "values": self.values,
            "followups": self.followups,
            "survival": self.survival,
        }


# ------------------------------------------------------------------------------------------ helpers
def _text(value: Any) -> str:
    """A JSON value as the cohort file's text ('' for missing)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _visible_sites(sites: Sequence[str] | None) -> Any:
    """A WHERE condition on the joined site table (None = no restriction)."""
    if sites is None:
        return None
    return Site.code.in_(list(sites))


def visible_pk(conn: Connection, patient_id: str, sites: Sequence[str] | None) -> tuple[int, int, str | None]:
    """(primary key, version, site code) of a visible patient.

    Raises:
        RecordNotFound: no such patient, or its centre is not in ``sites``.
    """
    if "\x00" in patient_id:  # no stored id holds a NUL (PostgreSQL text cannot)
        raise RecordNotFound()
    stmt = (
        select(Patient.id, Patient.version, Site.code)
        .select_from(Patient)
        .outerjoin(Site, Site.id == Patient.site_id)
        .where(Patient.patient_id == patient_id)
    )
    condition = _visible_sites(sites)
    if condition is not None:
        stmt = stmt.where(condition)
    row = conn.execute(stmt).first()
    if row is None:
        raise RecordNotFound()
    return int(row[0]), int(row[1]), row[2]


def check_values(values: Mapping[str, Any]) -> list[FieldError]:
    """Every error of one record (cohort column -> text or JSON value) by the cohort format's rules."""
    from spinemet.cohort.validate import validate_frame

    text = {str(k): _text(v) for k, v in values.items()}
    text.setdefault(ID_COLUMN, "patient")
    frame = pd.DataFrame([text], dtype=object)
    return [
        FieldError(p.column, p.value, p.message, p.allowed)
        for p in validate_frame(frame)
        if p.severity == "error"
    ]


def _stored_text(conn: Connection, patient_id: str) -> dict[str, str]:
    """The stored values of one patient as cohort text (missing values omitted)."""
    from spinemet.cohort.csv_io import text_frame

    frame = load_frame(conn, filters={ID_COLUMN: patient_id})
    if frame.empty:
        return {}
    row = text_frame(frame).iloc[0].to_dict()
    return {str(k): str(v) for k, v in row.items() if isinstance(v, str) and v != ""}


def _typed_row(text: Mapping[str, str], columns: Iterable[str]) -> pd.DataFrame:
    """A one-row typed cohort frame of ``columns`` (plus patient_id) from validated text."""
    from spinemet.cohort.validate import coerce_frame

    frame = pd.DataFrame([dict(text)], dtype=object)
    typed = coerce_frame(frame)
    keep = [ID_COLUMN, *(c for c in columns if c != ID_COLUMN)]
    for column in keep:
        if column not in typed.columns:
            typed[column] = float("nan")
    return typed[keep]


def _followup_dict(f: FollowUpRecord) -> dict[str, Any]:
    return {
        "id": f.id,
        "date": f.date.isoformat() if f.date else None,
        "months": f.months,
        "status": f.status,
        "frankel": f.frankel,
        "barthel": f.barthel,
        "vas": f.vas,
        "notes": f.notes,
    }


def _as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        if isinstance(value, pd.Timestamp):
            return None if pd.isna(value) else value.date()
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def derive_survival(surgery_date: Any, followups: Sequence[FollowUpRecord]) -> dict[str, Any] | None:
    """``{"survival_months", "dead", "from"}`` from the surgery date and the visits; None without visits.

    The end point is the visit recording death when there is one (``dead`` = 1), else the latest visit
    (censored, ``dead`` = 0). A visit given only as months after surgery counts by its months.
    """
    if not followups:
        return None
    surgery = _as_date(surgery_date)

    def months_of(f: FollowUpRecord) -> float | None:
        if f.months is not None:
            return float(f.months)
        if f.date is not None and surgery is not None:
            return (f.date - surgery).days / DAYS_PER_MONTH
        return None

    deaths = [f for f in followups if f.status == "dead"]
    candidates = deaths or list(followups)
    timed = [(m, f) for f in candidates if (m := months_of(f)) is not None]
    if not timed:
        return None
    months, last = (min if deaths else max)(timed, key=lambda t: t[0])
    return {
        "survival_months": round(months, 2),
        "dead": 1 if deaths else 0,
        "from": "death" if deaths else "latest follow-up",
        "follow_up_id": last.id,
    }


# --------------------------------------------------------------------------------------------- read
ValuesCache = MutableMapping[tuple[str, int], dict[str, Any]]


def _values(conn: Connection, patient_id: str, version: int, cache: ValuesCache | None) -> dict[str, Any]:
    """The stored values of one patient (JSON-ready), through ``cache`` keyed by (id, version).

    The key is sound because every change of a patient's values goes through ``store_frame``, which
    increments ``version`` in the same transaction.
    """
    key = (patient_id, version)
    if cache is not None and key in cache:
        return dict(cache[key])
    frame = load_frame(conn, filters={ID_COLUMN: patient_id})
    values = json_records(frame)[0] if not frame.empty else {}
    values = {
        k: (v.isoformat()[:10] if hasattr(v, "isoformat") else v)
        for k, v in values.items()
        if k not in (ID_COLUMN, SITE_COLUMN) and v is not None
    }
    if cache is not None:
        if len(cache) > 10_000:
            cache.clear()
        cache[key] = dict(values)
    return values


def get_record(
    conn: Connection,
    patient_id: str,
    *,
    sites: Sequence[str] | None = None,
    cache: ValuesCache | None = None,
) -> PatientRecord:
    """One visible patient with values, follow-ups and derived survival.

    ``cache``: an optional mapping (owned by the caller, one per database) that keeps values by
    (patient id, version), so a record read again unchanged costs no pivot of its values.

    Raises:
        RecordNotFound: absent or not visible.
    """
    _pk, version, site = visible_pk(conn, patient_id, sites)
    values = _values(conn, patient_id, version, cache)
    followups = list_follow_up(conn, patient_id)
    survival = derive_survival(values.get("surgery_date"), followups)
    return PatientRecord(patient_id, site, version, values, [_followup_dict(f) for f in followups], survival)


def list_records(
    conn: Connection,
    *,
    sites: Sequence[str] | None = None,
    site: str | None = None,
    limit: int = 50,
    offset: int = 0,
    surgery_from: dt.date | None = None,
    surgery_to: dt.date | None = None,
    procedure: str | None = None,
    tokuhashi_band: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """(total matching, one page of ``{"patient_id", "site", "version", ...}``) of the visible patients.

    Filters: centre, surgery date range (inclusive), procedure code, Tokuhashi band code (``0-8``,
    ``9-11``, ``12-15``; from the stored total or computed from its six items).
    """
    from spinemet.cohort.schema import TOKUHASHI_COMPONENTS
    from spinemet.errors import InvalidInputError
    from spinemet.scores.tokuhashi import tokuhashi
    from spinemet.scores.tokuhashi import tokuhashi_band as band_of

    columns = ["surgery_date", "procedure", "primary_tumor", "tokuhashi", *TOKUHASHI_COMPONENTS]
    frame = load_frame(conn, columns=columns)
    versions = dict(conn.execute(select(Patient.patient_id, Patient.version)).all())
    if sites is not None:
        frame = frame[frame[SITE_COLUMN].isin(list(sites))]
    if site:
        frame = frame[frame[SITE_COLUMN] == site]
    for column in columns:
        if column not in frame.columns:
            frame[column] = float("nan") if column != "surgery_date" else pd.NaT
    dates = pd.to_datetime(frame["surgery_date"])
    if surgery_from is not None:
        frame = frame[dates >= pd.Timestamp(surgery_from)]
        dates = dates[frame.index]
    if surgery_to is not None:
        frame = frame[dates <= pd.Timestamp(surgery_to)]
    if procedure:
        frame = frame[frame["procedure"] == procedure]
    totals: list[float] = []
    for row in frame[["tokuhashi", *TOKUHASHI_COMPONENTS]].itertuples(index=False):
        total = row[0]
        if pd.isna(total):  # not given: from its six items when all are there (the real score)
            items = {k: v for k, v in zip(TOKUHASHI_COMPONENTS, row[1:], strict=True) if not pd.isna(v)}
            try:
                total = tokuhashi(**items).total if len(items) == len(TOKUHASHI_COMPONENTS) else None
            except InvalidInputError:
                total = None
        totals.append(float("nan") if total is None else float(total))
    bands = [None if pd.isna(t) else band_of(int(t))[0] for t in totals]
    frame = frame.assign(tokuhashi=totals, tokuhashi_band=bands)
    if tokuhashi_band:
        frame = frame[frame["tokuhashi_band"] == tokuhashi_band]
    total_n = len(frame)
    page = frame.iloc[offset : offset + limit]
    items = []
    for record in json_records(page.drop(columns=["tokuhashi_band"])):
        pid = record[ID_COLUMN]
        items.append(
            {
                "patient_id": pid,
                "site": record.get(SITE_COLUMN),
                "version": int(versions.get(pid, 1)),
                "surgery_date": _iso(record.get("surgery_date")),
                "primary_tumor": record.get("primary_tumor"),
                "procedure": record.get("procedure"),
                "tokuhashi": record.get("tokuhashi"),
            }
        )
    for item, band in zip(items, page["tokuhashi_band"], strict=True):
        item["tokuhashi_band"] = band
    return total_n, items


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)


def report_frame(conn: Connection, *, sites: Sequence[str] | None = None) -> pd.DataFrame:
    """The visible patients as a cohort frame, ``survival_months``/``dead`` derived from follow-up.

    Patients with follow-up visits get the derived values (they replace hand-typed ones); others keep
    what was stored.
    """
    frame = load_frame(conn)
    if sites is not None:
        frame = frame[frame[SITE_COLUMN].isin(list(sites))].reset_index(drop=True)
    by_patient: dict[str, list[FollowUpRecord]] = {}
    for f in list_follow_up(conn):
        by_patient.setdefault(f.patient_id, []).append(f)
    if not by_patient or frame.empty:
        return frame
    months = (
        frame["survival_months"].copy()
        if "survival_months" in frame
        else pd.Series(float("nan"), index=frame.index)
    )
    dead = frame["dead"].copy() if "dead" in frame else pd.Series(float("nan"), index=frame.index)
    surgery = frame["surgery_date"] if "surgery_date" in frame else pd.Series(pd.NaT, index=frame.index)
    for i, pid in enumerate(frame[ID_COLUMN]):
        derived = derive_survival(surgery.iloc[i], by_patient.get(pid, []))
        if derived is not None:
            months.iloc[i] = float(derived["survival_months"])
            dead.iloc[i] = float(derived["dead"])
    frame = frame.assign(survival_months=months.astype("float64"), dead=dead.astype("float64"))
    return frame


# -------------------------------------------------------------------------------------------- write
def create_record(
    conn: Connection,
    patient_id: str,
    site: str | None,
    values: Mapping[str, Any],
    ctx: WriteContext,
) -> PatientRecord:
    """Register a new patient (on the caller's transaction).

    Raises:
        RecordInvalid: a value refused (every error listed); RecordExists: the id is taken.
    """
    pid = _text(patient_id)
    values = {str(k): v for k, v in values.items() if k not in (ID_COLUMN, SITE_COLUMN)}
    text = {ID_COLUMN: pid, **{k: _text(v) for k, v in values.items()}}
    if site:
        text[SITE_COLUMN] = _text(site)
    errors = check_values(text)
    if not pid:
        errors.insert(0, FieldError(ID_COLUMN, patient_id, f"{ID_COLUMN}: missing", "a pseudonymous id"))
    elif any(ord(c) < 32 or ord(c) == 127 for c in pid):
        message = f"{ID_COLUMN}: contains a control character; allowed: printable text"
        errors.insert(0, FieldError(ID_COLUMN, None, message, "printable text"))
    if errors:
        raise RecordInvalid(errors)
    if conn.execute(select(func.count()).where(Patient.patient_id == pid)).scalar_one():
        raise RecordExists()
    frame = _typed_row(text, [*([SITE_COLUMN] if site else []), *values])
    store_frame(conn, frame, ctx)
    return get_record(conn, pid)


@dataclass(frozen=True)
class PreparedUpdate:
    """A checked change of one patient, ready to be written if the record is still at ``version``."""

    patient_id: str
    version: int
    frame: pd.DataFrame
    values: dict[str, Any]


def _conflict(conn: Connection, patient_id: str, expected: int, values: Mapping[str, Any]) -> VersionConflict:
    stored = _stored_text(conn, patient_id)
    current = conn.execute(select(Patient.version).where(Patient.patient_id == patient_id)).scalar_one()
    return VersionConflict(
        expected,
        int(current),
        [
            {"column": k, "yours": _text(v), "theirs": stored.get(k, "")}
            for k, v in values.items()
            if _text(v) != stored.get(k, "")
        ],
        _changes_since(conn, patient_id, expected),
    )


def prepare_update(
    conn: Connection,
    patient_id: str,
    expected_version: int,
    values: Mapping[str, Any],
    *,
    sites: Sequence[str] | None = None,
    cache: ValuesCache | None = None,
) -> PreparedUpdate:
    """Check a change of a visible patient against the record at ``expected_version`` (reads only).

    The whole record after the change is checked (cross-field rules included); an empty value clears
    the field. Done outside the write transaction; :func:`apply_update` then writes it only if the
    record is still at that version, so the checked record is the one changed.

    Raises:
        RecordNotFound, RecordInvalid, VersionConflict (the record is already at another version).
    """
    _pk, version, _site = visible_pk(conn, patient_id, sites)
    values = {str(k): v for k, v in values.items() if k not in (ID_COLUMN, SITE_COLUMN)}
    if version != expected_version:
        raise _conflict(conn, patient_id, expected_version, values)
    stored = {k: _text(v) for k, v in _values(conn, patient_id, expected_version, cache).items()}
    merged = {**stored, ID_COLUMN: patient_id, **{k: _text(v) for k, v in values.items()}}
    errors = check_values(merged)
    if errors:
        raise RecordInvalid(errors)
    return PreparedUpdate(patient_id, expected_version, _typed_row(merged, values), values)


def apply_update(conn: Connection, prepared: PreparedUpdate, ctx: WriteContext) -> int:
    """Write a prepared change in the caller's transaction if the record is still at its version; the
    new version. The check takes the row's write lock first (``UPDATE ... WHERE version = expected``),
    so of two concurrent saves from the same version exactly one passes.

    Raises:
        VersionConflict: the record moved on since the change was prepared (nothing written).
    """
    pid = prepared.patient_id
    locked = conn.execute(
        update(Patient)
        .where(Patient.patient_id == pid, Patient.version == prepared.version)
        .values(version=Patient.version)
    ).rowcount
    if locked != 1:
        raise _conflict(conn, pid, prepared.version, prepared.values)
    store_frame(conn, prepared.frame, ctx)
    return int(conn.execute(select(Patient.version).where(Patient.patient_id == pid)).scalar_one())


def update_record(
    conn: Connection,
    patient_id: str,
    expected_version: int,
    values: Mapping[str, Any],
    ctx: WriteContext,
    *,
    sites: Sequence[str] | None = None,
    cache: ValuesCache | None = None,
) -> int:
    """:func:`prepare_update` then :func:`apply_update` on one connection; the new version.

    Raises:
        RecordNotFound, RecordInvalid, VersionConflict.
    """
    prepared = prepare_update(conn, patient_id, expected_version, values, sites=sites, cache=cache)
    return apply_update(conn, prepared, ctx)


def _changes_since(conn: Connection, patient_id: str, version: int) -> list[dict[str, Any]]:
    """The audited changes of the patient row after ``version`` (each save = one version step)."""
    trail = audit_frame(conn, record_id=patient_id)
    if trail.empty:
        return []
    trail = trail[trail["table_name"] == "patient"]
    out: list[dict[str, Any]] = []
    step = 0
    last_key: tuple[Any, ...] | None = None
    for row in trail.itertuples(index=False):
        key = (row.at, row.username, row.reason)
        if key != last_key:
            step += 1
            last_key = key
        if step > version:
            out.append(
                {
                    "version": step,
                    "at": pd.Timestamp(row.at).isoformat(),
                    "user": row.username,
                    "column": row.field,
                    "old": row.old_value,
                    "new": row.new_value,
                }
            )
    return out


def add_visit(
    conn: Connection,
    patient_id: str,
    ctx: WriteContext,
    *,
    date: Any,
    status: Any,
    frankel: Any = None,
    barthel: Any = None,
    vas: Any = None,
    notes: Any = None,
    sites: Sequence[str] | None = None,
) -> int:
    """Record a follow-up visit of a visible patient; returns its id.

    Refused (``FollowUpRefused`` / ``RecordInvalid``, nothing written): a date that is not
    ``YYYY-MM-DD``, a second death; the contradictions of ``registry.followup`` (a visit before the
    surgery date, alive after a recorded death, a death before a visit alive); Frankel, Barthel and VAS
    by the rules of the cohort columns ``frankel_post``, ``barthel_post``, ``vas_post``.
    """
    visible_pk(conn, patient_id, sites)
    status_text = _text(status)
    if status_text not in FOLLOW_UP_STATUS:
        raise FollowUpRefused(
            "status", status, f"status: got {status_text!r}; allowed: {', '.join(FOLLOW_UP_STATUS)}",
            ", ".join(FOLLOW_UP_STATUS),
        )  # fmt: skip
    day = _as_date(date) if _text(date) and len(_text(date)) == 10 else None
    if day is None:
        raise FollowUpRefused(
            "date", date, f"date: got {_text(date)!r}; allowed: a date YYYY-MM-DD", "YYYY-MM-DD"
        )
    scores = {rule: _text(v) for key, v in (("frankel", frankel), ("barthel", barthel), ("vas", vas))
              if (rule := _VISIT_RULES[key])}  # fmt: skip
    errors = [
        FieldError(
            next(k for k, r in _VISIT_RULES.items() if r == e.column),
            e.value,
            e.message.replace(str(e.column), next(k for k, r in _VISIT_RULES.items() if r == e.column), 1),
            e.allowed,
        )
        for e in check_values(scores)
        if e.column in _VISIT_RULES.values()
    ]
    if errors:
        raise RecordInvalid(errors)
    deaths = [f for f in list_follow_up(conn, patient_id) if f.status == "dead"]
    if deaths and status_text == "dead":
        raise FollowUpRefused("status", status_text, "status: a death is already recorded", "alive")
    try:  # the course rules (before surgery, alive after a death, ...) are registry.followup's
        return add_follow_up(
            conn,
            patient_id,
            ctx,
            status=status_text,
            date=day,
            notes=_text(notes) or None,
            frankel=scores.get("frankel_post") or None,
            barthel=int(float(scores["barthel_post"])) if scores.get("barthel_post") else None,
            vas=float(scores["vas_post"]) if scores.get("vas_post") else None,
        )
    except InvalidInputError as err:
        raise FollowUpRefused(err.field, err.value, str(err), err.allowed) from err
