"""The FastAPI application: database, security headers, sessions, CSRF, JSON errors, access log.

``create_app(url)`` builds the application on a registry URL (SQLite file by default, PostgreSQL by URL).
Routes live in ``spinemet.web.api`` (JSON) and ``spinemet.web.pages`` (HTML); both are thin over the
registry services and use the dependencies defined here.

Security model (docs/web.md): server-side sessions (``registry.accounts``) in an HttpOnly, SameSite=Strict
cookie (``Secure`` when served over TLS); every state-changing request carries the session's CSRF token
in ``X-CSRF-Token`` (compared in constant time); CSP without inline script, ``frame-ancestors 'none'``,
``X-Content-Type-Options: nosniff``; the access log names route templates (``/api/patients/{patient_id}``)
and never the request path, so no patient id reaches a log line.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from spinemet.registry.accounts import Account, needs_touch, session_account
from spinemet.registry.engine import make_engine
from spinemet.registry.schema import ensure_schema
from spinemet.web.access import Action, can

__all__ = ["COOKIE", "WebContext", "create_app", "current_account", "require", "require_csrf"]

COOKIE = "spinemet_session"
LOG = logging.getLogger("spinemet.web.access")
HERE = Path(__file__).parent

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: The study report document (generated HTML with its own inline styles and no script at all).
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
_UNSET = object()


class WebContext:
    """What the routes share: the engine, whether cookies are Secure, opaque record handles per session."""

    def __init__(self, engine: Engine, *, secure_cookies: bool) -> None:
        self.engine = engine
        self.secure_cookies = secure_cookies
        self.sqlite = engine.dialect.name == "sqlite"
        self._write_lock = threading.Lock() if self.sqlite else None
        #: session token -> {handle: patient_id}: page URLs name a record by a random handle, never its id.
        self.handles: dict[str, dict[str, str]] = {}
        #: (patient id, version) -> values: see ``registry.records.get_record``.
        self.values: dict[tuple[str, int], dict[str, Any]] = {}

    @contextlib.contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for reads (its own transaction, rolled back)."""
        with self.engine.connect() as conn:
            yield conn

    @contextlib.contextmanager
    def writing(self) -> Iterator[Connection]:
        """A write transaction, committed on success and rolled back on any error.

        On SQLite (one writer at a time) this process's writers queue on a lock, which wakes the next one
        at once (SQLite's busy handler sleeps in steps of up to 100 ms), and the first statement takes the
        database's write lock (a no-op UPDATE), so a transaction that reads and then writes waits for
        writers of other processes (busy_timeout) instead of failing with SQLITE_BUSY_SNAPSHOT.
        """
        if self._write_lock is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._write_lock, self.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE login_failure SET failures = failures WHERE 0")
            yield conn

    def handle_for(self, token: str, patient_id: str) -> str:
        """A random handle naming ``patient_id`` within this session (reused if already given)."""
        table = self.handles.setdefault(token, {})
        for handle, pid in table.items():
            if pid == patient_id:
                return handle
        if len(table) > 1000:
            table.clear()
        handle = secrets.token_urlsafe(12)
        table[handle] = patient_id
        return handle

    def patient_of(self, token: str, handle: str) -> str | None:
        """The patient id a handle of this session names (None when unknown)."""
        return self.handles.get(token, {}).get(handle)


def ctx_of(request: Request) -> WebContext:
    """The application's :class:`WebContext`."""
    return request.app.state.web  # type: ignore[no-any-return]


def session_of(request: Request) -> tuple[Account, str, str] | None:
    """(account, CSRF token, cookie token) of the request's live session, cached on the request."""
    cached = getattr(request.state, "session", _UNSET)
    if cached is not _UNSET:
        return cached  # type: ignore[no-any-return]
    token = request.cookies.get(COOKIE)
    found = None
    if token and len(token) < 200:
        web = ctx_of(request)
        with web.reading() as conn:
            live = session_account(conn, token, touch=False)
            touch = live is not None and needs_touch(conn, token)
        if touch:
            with web.writing() as conn:
                live = session_account(conn, token)
        if live is not None:
            found = (live[0], live[1], token)
    request.state.session = found
    return found


def current_account(request: Request) -> Account | None:
    """The signed-in account, or None."""
    found = session_of(request)
    return found[0] if found else None


def require_csrf(request: Request) -> None:
    """Refuse (403) a state-changing request without the session's CSRF token in ``X-CSRF-Token``."""
    if request.method not in UNSAFE:
        return
    found = session_of(request)
    sent = request.headers.get("x-csrf-token", "")
    if found is None or not sent or not secrets.compare_digest(sent.encode(), found[1].encode()):
        raise HTTPException(403, "CSRF token missing or wrong: send the token of the sign-in in X-CSRF-Token")


def require(action: Action) -> Callable[..., Account]:
    """A dependency: the signed-in account allowed to do ``action`` (401 anonymous, 403 not allowed);
    state-changing requests must also pass the CSRF check."""

    def dependency(request: Request) -> Account:
        account = current_account(request)
        if account is None:
            raise HTTPException(401, "sign in first")
        require_csrf(request)
        if not can(account, action):
            raise HTTPException(403, f"the role {account.role!r} may not do this")
        return account

    return dependency


def _error(status: int, error: str, detail: Any = None, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail, **extra}, status_code=status)


_STATUS_TEXT = {
    400: "bad request",
    401: "not signed in",
    403: "forbidden",
    404: "not found",
    405: "method not allowed",
    409: "conflict",
    412: "version conflict",
    413: "too large",
    415: "unsupported media type",
    422: "invalid input",
    429: "too many requests",
}


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = _error(exc.status_code, _STATUS_TEXT.get(exc.status_code, "error"), exc.detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "column": ".".join(str(p) for p in e.get("loc", ())[1:]) or None,
                "value": None,
                "message": str(e.get("msg", "")),
                "allowed": str(e.get("type", "")),
            }
            for e in exc.errors()
        ]
        return _error(422, "invalid request", "the request body or parameters are malformed", errors=errors)

    @app.exception_handler(DataError)
    async def unstorable(request: Request, exc: DataError) -> JSONResponse:
        # e.g. a NUL character, which PostgreSQL text cannot hold: the input is refused, not a 500
        return _error(422, "invalid input", "a value the database cannot store (e.g. a control character)")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        LOG.error("unexpected %s on %s %s", type(exc).__name__, request.method, _template(request))
        return _error(500, "internal error", "the server could not complete the request")


def _template(request: Request) -> str:
    """The matched route's path template (never the raw path, which may hold an identifier)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "(unmatched)"


def _install_middleware(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers_and_log(request: Request, call_next: Callable[..., Any]) -> Any:
        start = time.perf_counter()
        response = await call_next(request)
        headers = response.headers
        if "content-security-policy" not in headers:
            headers["Content-Security-Policy"] = CSP
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY" if headers["content-security-policy"] == CSP else "SAMEORIGIN"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            headers["Cache-Control"] = "no-store"
        if ctx_of(request).secure_cookies:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        LOG.info(
            "%s %s %d %.1fms",
            request.method,
            _template(request),
            response.status_code,
            (time.perf_counter() - start) * 1000,
        )
        return response


def create_app(
    url: str | None = None, *, engine: Engine | None = None, secure_cookies: bool = False
) -> FastAPI:
    """The web application on the registry at ``url`` (or ``engine``); creates the schema when empty.

    ``secure_cookies``: mark the session cookie ``Secure`` (set when serving over TLS).
    """
    from spinemet import __version__
    from spinemet.web import api, pages

    eng = engine if engine is not None else make_engine(url)
    ensure_schema(eng)
    app = FastAPI(
        title="spinemet registry",
        version=__version__,
        description="The spinemet registry: bedside scoring, patient records, follow-up, cohort report.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.web = WebContext(eng, secure_cookies=secure_cookies)
    _install_errors(app)
    _install_middleware(app)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    return app
