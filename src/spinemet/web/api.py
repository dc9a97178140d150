"""The JSON API (issue 8's contract; OpenAPI at ``/openapi.json``). Thin over the registry services.

Session-cookie authentication; state-changing requests carry ``X-CSRF-Token`` (the token comes with the
login answer). Errors are ``{"error", "detail"}`` (invalid values add ``"errors": [{"column", "value",
"message", "allowed"}]``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
)
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from spinemet.registry.accounts import (
    ABSOLUTE_TIMEOUT,
    Account,
    LockedOut,
    add_user,
    check_lockout,
    end_session,
    list_users,
    open_session,
    record_attempt,
)
from spinemet.registry.audit import WriteContext
from spinemet.registry.records import (
    FollowUpRefused,
    RecordExists,
    RecordInvalid,
    RecordNotFound,
    VersionConflict,
    add_visit,
    create_record,
    get_record,
    list_records,
    report_frame,
)
from spinemet.registry.users import verify_user
from spinemet.web.access import Action, can, can_write_site, records_scope
from spinemet.web.app import COOKIE, WebContext, ctx_of, require, require_csrf, session_of

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["api"])
DEFAULT_REASON = "entered in the web application"


# ------------------------------------------------------------------------------------------- models
class LoginIn(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=1000)


class PatientIn(BaseModel):
    patient_id: str = Field(min_length=1, max_length=100)
    site: str = Field(min_length=1, max_length=100)
    values: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = Field(default=None, max_length=1000)


class PatchIn(BaseModel):
    values: dict[str, Any] = Field(default_factory=dict)
    reason: str | None = Field(default=None, max_length=1000)


class FollowUpIn(BaseModel):
    date: str = Field(max_length=40)
    status: str = Field(max_length=20)
    frankel: str | None = Field(default=None, max_length=10)
    barthel: int | float | str | None = None
    vas: int | float | str | None = None
    notes: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=1000)


class UserIn(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(max_length=1000)
    role: str = Field(max_length=20)
    sites: list[str] = Field(default_factory=list)


class HandleIn(BaseModel):
    patient_id: str = Field(min_length=1, max_length=100)


def _invalid(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse(
        {"error": "invalid input", "detail": "nothing was saved", "errors": errors}, status_code=422
    )


def _write_ctx(account: Account, reason: str | None) -> WriteContext:
    return WriteContext(username=account.username, reason=(reason or "").strip() or DEFAULT_REASON)


# ------------------------------------------------------------------------------------------- session
@router.post("/login")
def login(body: LoginIn, request: Request, response: Response) -> dict[str, Any]:
    """Sign in: the CSRF token and the user; sets the session cookie (a new one: no fixation)."""
    web = ctx_of(request)
    old = request.cookies.get(COOKIE)
    try:
        with web.reading() as conn:  # the slow argon2 check runs outside the write transaction
            check_lockout(conn, body.username)
            ok = verify_user(conn, body.username[:100], body.password)
        with web.writing() as conn:
            if old:
                end_session(conn, old)
            check_lockout(conn, body.username)  # a concurrent failure may have locked the name meanwhile
            account = record_attempt(conn, body.username, ok)
            token = None
            if account is not None:
                token, csrf = open_session(conn, account)
    except LockedOut as err:
        raise HTTPException(429, str(err), headers={"Retry-After": str(err.retry_after)}) from None
    if old:
        web.handles.pop(old, None)
    if account is None or token is None:
        raise HTTPException(401, "wrong user name or password")
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(ABSOLUTE_TIMEOUT.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=web.secure_cookies,
        path="/",
    )
    return {"csrf_token": csrf, "user": account.to_dict()}


@router.post("/logout")
def logout(request: Request, response: Response, _csrf: None = Depends(require_csrf)) -> dict[str, str]:
    """Sign out: the session is revoked on the server and the cookie cleared."""
    found = session_of(request)
    web = ctx_of(request)
    if found is not None:
        with web.writing() as conn:
            end_session(conn, found[2])
        web.handles.pop(found[2], None)
    response.delete_cookie(COOKIE, path="/")
    return {"status": "signed out"}


@router.get("/me")
def me(request: Request) -> dict[str, Any]:
    """The signed-in user and the CSRF token (401 when not signed in)."""
    found = session_of(request)
    if found is None:
        raise HTTPException(401, "sign in first")
    return {"csrf_token": found[1], "user": found[0].to_dict()}


# ------------------------------------------------------------------------------------------- scoring
@router.post("/score")
def score(values: dict[str, Any]) -> Any:
    """Every score and verdict of one patient (cohort-format fields), as ``spinemet score --patient
    --json``, plus ``ranges`` (the totals still possible while items are missing). Nothing is stored."""
    from spinemet.cohort.patient_card import PatientCardError, score_patient, typed_patient
    from spinemet.registry.records import check_values
    from spinemet.scores.ranges import score_ranges

    text = {str(k): _text(v) for k, v in values.items() if _text(v) != ""}
    text.pop("patient_id", None)
    try:
        card = score_patient(text)
    except PatientCardError as err:
        errors = [e.to_dict() for e in check_values(text)] or [
            {"column": None, "value": None, "message": line, "allowed": ""} for line in err.lines
        ]
        return _invalid(errors)
    typed, _warnings = typed_patient(text)
    card["ranges"] = {k: v for k, v in score_ranges(typed).items() if k not in card["scores"]}
    return JSONResponse(json.loads(json.dumps(card, default=_json_default)))


def _text(value: Any) -> str:
    from spinemet.registry.records import _text as text_of

    return text_of(value)


def _json_default(value: Any) -> Any:
    from spinemet.cohort.patient_card import plain

    if isinstance(value, float) and value != value:
        return None
    return plain(value) if hasattr(value, "item") or hasattr(value, "isoformat") else str(value)


# ------------------------------------------------------------------------------------------ patients
@router.get("/patients")
def patients(
    request: Request,
    site: str | None = Query(default=None, max_length=100),
    limit: int = Query(default=50, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=10_000_000),
    surgery_from: dt.date | None = None,
    surgery_to: dt.date | None = None,
    procedure: str | None = Query(default=None, max_length=40),
    tokuhashi_band: str | None = Query(default=None, max_length=10),
    account: Account = Depends(require(Action.READ_RECORDS)),
) -> dict[str, Any]:
    """The visible patients, one page: ``{"total", "items": [{"patient_id", "site", "version", ...}]}``."""
    with ctx_of(request).reading() as conn:
        total, items = list_records(
            conn,
            sites=records_scope(account),
            site=site,
            limit=limit,
            offset=offset,
            surgery_from=surgery_from,
            surgery_to=surgery_to,
            procedure=procedure,
            tokuhashi_band=tokuhashi_band,
        )
    return {"total": total, "items": items}


@functools.lru_cache(maxsize=4096)
def _scored(items: tuple[tuple[str, str], ...]) -> str:
    """The scores and verdicts of a record's values as JSON text (a pure function of the values)."""
    from spinemet.cohort.patient_card import PatientCardError, score_patient

    try:
        card = score_patient(dict(items))
    except PatientCardError as err:  # stored before a rule changed: show why it cannot be scored
        return json.dumps({"scores": {}, "pathway": None, "score_problems": err.lines})
    return json.dumps({"scores": card["scores"], "pathway": card["pathway"]}, default=_json_default)


def _record_answer(record: Any) -> dict[str, Any]:
    """A record with its scores and verdicts (``spinemet.cohort.patient_card``)."""
    out = record.to_dict()
    out.update(json.loads(_scored(tuple(sorted((k, _text(v)) for k, v in record.values.items())))))
    return out


@router.get("/patients/{patient_id}")
def patient(
    patient_id: str, request: Request, account: Account = Depends(require(Action.READ_RECORDS))
) -> dict[str, Any]:
    """One patient: values, scores, verdicts, follow-ups, derived survival; 404 when absent or not
    visible."""
    try:
        with ctx_of(request).reading() as conn:
            record = get_record(conn, patient_id, sites=records_scope(account), cache=ctx_of(request).values)
    except RecordNotFound:
        raise HTTPException(404, "no such patient") from None
    return _record_answer(record)


@router.post("/patients", status_code=201)
def create_patient(
    body: PatientIn, request: Request, account: Account = Depends(require(Action.WRITE_RECORDS))
) -> Any:
    """Register a patient of a centre the user may edit; 422 lists every invalid value."""
    if not can_write_site(account, body.site):
        raise HTTPException(403, "you may not add patients to this centre")
    try:
        with ctx_of(request).writing() as conn:
            record = create_record(
                conn, body.patient_id, body.site, body.values, _write_ctx(account, body.reason)
            )
    except RecordInvalid as err:
        return _invalid([e.to_dict() for e in err.errors])
    except RecordExists:
        raise HTTPException(409, "a patient with this id is already registered") from None
    return JSONResponse(_record_answer(record), status_code=201)


@router.patch("/patients/{patient_id}")
def update_patient(
    patient_id: str,
    body: PatchIn,
    request: Request,
    if_match: str | None = Header(default=None, max_length=40),
    account: Account = Depends(require(Action.WRITE_RECORDS)),
) -> Any:
    """Change values; ``If-Match: <version>`` required; 412 with what changed when the version is stale."""
    from spinemet.registry.records import apply_update, prepare_update

    scope = records_scope(account)
    try:
        expected = int((if_match or "").strip().strip('"').removeprefix("W/").strip('"'))
    except ValueError:
        raise HTTPException(428, "send If-Match: <version> (the version the edit started from)") from None
    try:
        web = ctx_of(request)
        with web.reading() as conn:  # validation outside the write transaction (SQLite: one writer)
            prepared = prepare_update(conn, patient_id, expected, body.values, sites=scope, cache=web.values)
        with web.writing() as conn:
            version = apply_update(conn, prepared, _write_ctx(account, body.reason))
    except RecordNotFound:
        raise HTTPException(404, "no such patient") from None
    except RecordInvalid as err:
        return _invalid([e.to_dict() for e in err.errors])
    except VersionConflict as err:
        return JSONResponse(
            {
                "error": "version conflict",
                "detail": str(err),
                "expected": err.expected,
                "current": err.current,
                "conflicts": err.conflicts,
                "changes": err.changes,
            },
            status_code=412,
        )
    with ctx_of(request).reading() as conn:  # read back after the commit: the write lock is held briefly
        record = get_record(conn, patient_id, sites=scope, cache=ctx_of(request).values)
    if record.version != version:  # saved again meanwhile: answer with the state this save made
        record.version = version
    return _record_answer(record)


@router.post("/patients/{patient_id}/followups", status_code=201)
def add_followup(
    patient_id: str,
    body: FollowUpIn,
    request: Request,
    account: Account = Depends(require(Action.WRITE_RECORDS)),
) -> Any:
    """Record a follow-up visit; contradictions (before surgery, after a death) are refused (422)."""
    try:
        with ctx_of(request).writing() as conn:
            new_id = add_visit(
                conn, patient_id, _write_ctx(account, body.reason), date=body.date, status=body.status,
                frankel=body.frankel, barthel=body.barthel, vas=body.vas, notes=body.notes,
                sites=records_scope(account),
            )  # fmt: skip
            record = get_record(conn, patient_id, sites=records_scope(account), cache=ctx_of(request).values)
    except RecordNotFound:
        raise HTTPException(404, "no such patient") from None
    except RecordInvalid as err:
        return _invalid([e.to_dict() for e in err.errors])
    except FollowUpRefused as err:
        return _invalid([err.error.to_dict()])
    return JSONResponse({"id": new_id, **_record_answer(record)}, status_code=201)


@router.post("/handles")
def handle(body: HandleIn, request: Request, account: Account = Depends(require(Action.READ_RECORDS))) -> Any:
    """An opaque page address for a visible record (page URLs never carry the patient id)."""
    web = ctx_of(request)
    try:
        with web.reading() as conn:
            get_record(conn, body.patient_id, sites=records_scope(account))
    except RecordNotFound:
        raise HTTPException(404, "no such patient") from None
    found = session_of(request)
    assert found is not None
    return {"url": f"/record/{web.handle_for(found[2], body.patient_id)}"}


# ------------------------------------------------------------------------------------------- report
def build_visible_report(web: WebContext, account: Account, site: str | None) -> Any:
    """The study report (``spinemet.report.build_report``) of the patients ``account`` may see."""
    from spinemet.report.build import build_report

    with web.reading() as conn:
        frame = report_frame(conn, sites=records_scope(account))
    if site:
        frame = frame[frame["site"] == site].reset_index(drop=True)
    if frame.empty:
        raise HTTPException(404, "no patients to report on")
    if "site" in frame.columns and frame["site"].isna().all():
        frame = frame.drop(columns="site")
    return build_report(frame, source="registry (web)", source_kind="registry", sha256=None)


def report_file(report: Any, kind: str) -> tuple[bytes, str, str]:
    """(content, media type, file name) of one output of ``spinemet report``: html, docx, json, csv (zip)."""
    import shutil

    from spinemet.report.outputs import OutputPaths, write_outputs

    with tempfile.TemporaryDirectory(prefix="spinemet-web-") as tmp:
        root = Path(tmp)
        if kind == "csv":
            write_outputs(report, OutputPaths(tables_dir=root / "tables"))
            archive = shutil.make_archive(str(root / "tables"), "zip", root / "tables")
            return Path(archive).read_bytes(), "application/zip", "report-tables.zip"
        target = root / f"report.{kind}"
        write_outputs(report, OutputPaths(**{kind: target}))
        media = {
            "html": "text/html; charset=utf-8",
            "json": "application/json",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        }[kind]
        return target.read_bytes(), media, target.name


@router.get("/report")
def report(
    request: Request,
    site: str | None = Query(default=None, max_length=100),
    account: Account = Depends(require(Action.READ_REPORT)),
) -> Any:
    """The JSON of ``spinemet report --json`` for the visible patients (``site`` narrows further)."""
    content, _media, _name = report_file(build_visible_report(ctx_of(request), account, site), "json")
    return JSONResponse(json.loads(content))


# -------------------------------------------------------------------------------------------- audit
@router.get("/audit")
def audit(
    request: Request,
    patient_id: str | None = Query(default=None, max_length=100),
    user: str | None = Query(default=None, max_length=100),
    since: dt.date | None = None,
    limit: int = Query(default=500, ge=1, le=10_000),
    account: Account = Depends(require(Action.READ_AUDIT)),
) -> dict[str, Any]:
    """Audit trail entries, newest first (auditor, admin): filter by patient, user, date."""
    from sqlalchemy import or_, select

    from spinemet.registry.models import AuditLog

    stmt = select(AuditLog.__table__).order_by(AuditLog.id.desc()).limit(limit)
    if patient_id:
        stmt = stmt.where(or_(AuditLog.record_id == patient_id, AuditLog.record_id.like(f"{patient_id}/%")))
    if user:
        stmt = stmt.where(AuditLog.username == user)
    if since:
        stmt = stmt.where(AuditLog.at >= dt.datetime.combine(since, dt.time()))
    with ctx_of(request).reading() as conn:
        rows = conn.execute(stmt).mappings().all()
    columns = ("id", "at", "username", "action", "table_name", "record_id", "field", "old_value",
               "new_value", "reason", "source_file")  # fmt: skip
    items = [{c: (r[c].isoformat() if c == "at" else r[c]) for c in columns} for r in rows]
    return {"total": len(items), "items": items}


# ------------------------------------------------------------------------------------------- export
@router.get("/export")
def export(
    request: Request,
    deidentified: bool = True,
    account: Account = Depends(require(Action.EXPORT_DEIDENTIFIED)),
) -> Response:
    """The visible patients as a cohort CSV; viewers get only the de-identified export."""
    import secrets

    from spinemet.cohort import deidentify
    from spinemet.cohort.csv_io import text_frame

    if not deidentified and not can(account, Action.EXPORT_PLAIN):
        raise HTTPException(403, "your role may export de-identified data only")
    with ctx_of(request).reading() as conn:
        frame = report_frame(conn, sites=records_scope(account))
    if deidentified:
        frame = deidentify(frame, key=secrets.token_hex(32))  # a one-time key: not re-linkable
    text = csv_safe(text_frame(frame)).to_csv(index=False, lineterminator="\n")
    name = "registry-deidentified.csv" if deidentified else "registry.csv"
    return Response(
        text.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def csv_safe(frame: Any) -> Any:
    """Text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first)
    get a leading apostrophe (OWASP CSV injection); numeric cohort columns are left as they are."""
    from spinemet.cohort.schema import COLUMN_BY_NAME

    out = frame.copy()
    for name in out.columns:
        col = COLUMN_BY_NAME.get(str(name))
        if col is not None and col.numeric:
            continue
        out[name] = out[name].map(
            lambda v: "'" + v if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r") else v
        )
    return out


# ------------------------------------------------------------------------------------------- import
MAX_UPLOAD = 50 * 1024 * 1024
IMPORT_SUFFIXES = (".csv", ".xlsx", ".sav")


class _DryRun(Exception):
    """Raised inside the import transaction to roll a dry run back."""


@router.post("/import")
def import_upload(
    request: Request,
    file: UploadFile = File(...),
    dry_run: bool = Form(default=True),
    reason: str | None = Form(default=None, max_length=1000),
    account: Account = Depends(require(Action.IMPORT)),
) -> Any:
    """Import a cohort file (CSV, Excel, SPSS) in one transaction; ``dry_run`` (default) reports what
    would be added and changed and stores nothing. 422 lists every problem (row, column, value,
    allowed); rows of centres the user may not edit are refused."""
    import hashlib

    from spinemet.cohort import CohortValidationError
    from spinemet.registry.importer import read_for_import
    from spinemet.registry.store import store_frame

    name = Path(file.filename or "upload.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        return _invalid([{"column": None, "value": suffix, "message": f"file type {suffix!r} not accepted",
                          "allowed": ", ".join(IMPORT_SUFFIXES)}])  # fmt: skip
    data = file.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise HTTPException(413, f"the file is larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    with tempfile.TemporaryDirectory(prefix="spinemet-import-") as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            frame, warnings, _rejected, _problems = read_for_import(path)
        except CohortValidationError as err:
            return JSONResponse(
                {"error": "invalid input", "detail": "nothing was stored",
                 "errors": [p.to_dict() for p in err.problems if p.severity == "error"]},
                status_code=422,
            )  # fmt: skip
        except (ValueError, OSError) as err:
            return _invalid(
                [{"column": None, "value": None, "message": str(err)[:300], "allowed": "a cohort file"}]
            )
    refused = _import_refusals(request, account, frame)
    if refused:
        return _invalid(refused)
    ctx = WriteContext(username=account.username, reason=(reason or "").strip() or f"import of {name} (web)",
                       source_file=name, source_sha256=hashlib.sha256(data).hexdigest())  # fmt: skip
    result: Any = None
    try:
        with ctx_of(request).writing() as conn:
            result = store_frame(conn, frame, ctx)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return {
        "dry_run": dry_run,
        "stored": not dry_run,
        "patients": len(frame),
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "values_changed": result.values_changed,
        "warnings": [p.to_dict() for p in warnings],
    }


def _import_refusals(request: Request, account: Account, frame: Any) -> list[dict[str, Any]]:
    """Rows the user may not write: a centre not granted, or an id registered in another centre."""
    from sqlalchemy import select

    from spinemet.registry.models import Patient, Site

    out: list[dict[str, Any]] = []
    sites = frame["site"] if "site" in frame.columns else [None] * len(frame)
    for position, site in enumerate(sites):
        code = None if site is None or site != site else str(site)
        if not can_write_site(account, code):
            out.append({"column": "site", "value": code, "row": position + 2,
                        "message": f"row {position + 2}: site: got {code!r}; allowed: a centre you may edit",
                        "allowed": ", ".join(records_scope(account) or ()) or "any"})  # fmt: skip
    scope = records_scope(account)
    if scope is not None:
        ids = [str(v) for v in frame["patient_id"]]
        with ctx_of(request).reading() as conn:
            taken = conn.execute(
                select(Patient.patient_id)
                .select_from(Patient)
                .outerjoin(Site, Site.id == Patient.site_id)
                .where(Patient.patient_id.in_(ids), (Site.code.is_(None)) | (Site.code.not_in(list(scope))))
            ).scalars()
            for pid in taken:
                row = ids.index(pid) + 2
                out.append({"column": "patient_id", "value": None, "row": row,
                            "message": f"row {row}: patient_id: already used; allowed: a new pseudonymous id",
                            "allowed": "a new pseudonymous id"})  # fmt: skip
    return out


# -------------------------------------------------------------------------------------------- users
@router.get("/users")
def users(request: Request, account: Account = Depends(require(Action.ADMINISTER))) -> dict[str, Any]:
    """Every user with role and centres (admin)."""
    with ctx_of(request).reading() as conn:
        return {"items": list_users(conn)}


@router.post("/users", status_code=201)
def new_user(body: UserIn, request: Request, account: Account = Depends(require(Action.ADMINISTER))) -> Any:
    """Create a user (admin); the password policy applies (422 naming what is allowed)."""
    from spinemet.errors import InvalidInputError

    try:
        with ctx_of(request).writing() as conn:
            add_user(conn, body.username, body.password, role=body.role, sites=body.sites)
    except InvalidInputError as err:
        return _invalid(
            [{"column": err.field, "value": None if err.field == "password" else err.value,
              "message": str(err), "allowed": err.allowed}]
        )  # fmt: skip
    return JSONResponse({"username": body.username, "role": body.role, "sites": body.sites}, status_code=201)
