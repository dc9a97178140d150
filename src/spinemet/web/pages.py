"""The HTML pages: server-rendered shells (Jinja2, autoescaped) that the static ``app.js`` fills from the
JSON API. No page URL carries a patient id: a record page is ``/record/{handle}`` with a random handle
valid only in the signed-in session (``WebContext.handle_for``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from spinemet.cohort.schema import COLUMN_BY_NAME
from spinemet.registry.records import RecordNotFound, get_record
from spinemet.web.access import Action, can, records_scope
from spinemet.web.app import HERE, REPORT_CSP, ctx_of, session_of
from spinemet.web.forms import form_sections

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(HERE / "templates"))

NAV = (
    ("/calculator", "Calculator", None),
    ("/patients", "Patients", Action.READ_RECORDS),
    ("/report", "Report", Action.READ_REPORT),
    ("/import", "Import", Action.IMPORT),
    ("/audit", "Audit trail", Action.READ_AUDIT),
    ("/users", "Users", Action.ADMINISTER),
)


def _render(request: Request, name: str, page: str, status: int = 200, **data: Any) -> HTMLResponse:
    found = session_of(request)
    account = found[0] if found else None
    nav = [(href, label) for href, label, action in NAV if action is None or can(account, action)]
    return templates.TemplateResponse(
        request,
        name,
        {"page": page, "account": account, "csrf": found[1] if found else "", "nav": nav, **data},
        status_code=status,
    )


def _gate(request: Request, action: Action) -> Response | None:
    """A redirect to the sign-in page, a 403 page, or None when the page may be shown."""
    found = session_of(request)
    if found is None:
        return RedirectResponse("/login", status_code=303)
    if not can(found[0], action):
        return _render(request, "message.html", "forbidden", 403, message="Your role may not open this page.")
    return None


@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse("/patients" if session_of(request) else "/calculator", status_code=303)


@router.get("/login")
def login_page(request: Request) -> Response:
    return _render(request, "login.html", "login")


@router.get("/calculator")
def calculator_page(request: Request) -> Response:
    return _render(request, "calculator.html", "calculator", sections=form_sections(with_site=False))


@router.get("/patients")
def patients_page(request: Request) -> Response:
    if (gate := _gate(request, Action.READ_RECORDS)) is not None:
        return gate
    found = session_of(request)
    assert found is not None
    scope = records_scope(found[0])
    return _render(request, "patients.html", "patients", sites=list(scope) if scope is not None else None,
                   can_write=can(found[0], Action.WRITE_RECORDS))  # fmt: skip


@router.get("/patients/new")
def new_patient_page(request: Request) -> Response:
    if (gate := _gate(request, Action.WRITE_RECORDS)) is not None:
        return gate
    found = session_of(request)
    assert found is not None
    scope = records_scope(found[0])
    return _render(request, "record.html", "record", record=None, sections=form_sections(),
                   sites=list(scope) if scope is not None else None, can_write=True)  # fmt: skip


@router.get("/record/{handle}")
def record_page(handle: str, request: Request) -> Response:
    if (gate := _gate(request, Action.READ_RECORDS)) is not None:
        return gate
    found = session_of(request)
    assert found is not None
    web = ctx_of(request)
    patient_id = web.patient_of(found[2], handle)
    if patient_id is None:
        return _render(request, "message.html", "missing", 404, message="No such record in this session.")
    try:
        with web.reading() as conn:
            record = get_record(conn, patient_id, sites=records_scope(found[0]))
    except RecordNotFound:
        return _render(request, "message.html", "missing", 404, message="No such record.")
    scope = records_scope(found[0])
    return _render(request, "record.html", "record", record=record.to_dict(), sections=form_sections(),
                   frankel_options=list(COLUMN_BY_NAME["frankel_post"].values),
                   sites=list(scope) if scope is not None else None,
                   can_write=can(found[0], Action.WRITE_RECORDS))  # fmt: skip


@router.get("/report")
def report_page(request: Request) -> Response:
    if (gate := _gate(request, Action.READ_REPORT)) is not None:
        return gate
    return _render(request, "report.html", "report")


@router.get("/report/document")
def report_document(request: Request) -> Response:
    """The study report as HTML (shown in the report page's frame); its own CSP: no script at all."""
    from spinemet.web.api import build_visible_report, report_file

    if (gate := _gate(request, Action.READ_REPORT)) is not None:
        return gate
    found = session_of(request)
    assert found is not None
    try:
        report = build_visible_report(ctx_of(request), found[0], None)
    except HTTPException:
        return HTMLResponse(
            "<p>No patients to report on yet.</p>", headers={"Content-Security-Policy": REPORT_CSP}
        )
    content, media, _name = report_file(report, "html")
    return Response(content, media_type=media, headers={"Content-Security-Policy": REPORT_CSP})


@router.get("/report/download/{kind}")
def report_download(kind: str, request: Request) -> Response:
    """The Word, JSON or CSV (zip of tables) output of ``spinemet report`` for the visible patients."""
    from spinemet.web.api import build_visible_report, report_file

    if (gate := _gate(request, Action.READ_REPORT)) is not None:
        return gate
    if kind not in ("docx", "json", "csv", "html"):
        raise HTTPException(404, "allowed: docx, json, csv, html")
    found = session_of(request)
    assert found is not None
    content, media, name = report_file(build_visible_report(ctx_of(request), found[0], None), kind)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/import")
def import_page(request: Request) -> Response:
    if (gate := _gate(request, Action.IMPORT)) is not None:
        return gate
    return _render(request, "import.html", "import")


@router.get("/audit")
def audit_page(request: Request) -> Response:
    if (gate := _gate(request, Action.READ_AUDIT)) is not None:
        return gate
    return _render(request, "audit.html", "audit")


@router.get("/users")
def users_page(request: Request) -> Response:
    if (gate := _gate(request, Action.ADMINISTER)) is not None:
        return gate
    from spinemet.registry.models import ROLES

    return _render(request, "users.html", "users", roles=list(ROLES))
