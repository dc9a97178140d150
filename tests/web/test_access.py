"""The access matrix: every route x every role (and anonymous) x own / other centre, status asserted.

Roles (docs/web.md): admin all centres; editor create/edit own centres; viewer read own centres, reports,
de-identified export; auditor the audit trail only. Another centre's record answers 404 like a missing one.
"""

from __future__ import annotations

import itertools

from sqlalchemy import select

from spinemet.registry.models import Patient
from tests.web.conftest import PASSWORD

ROLES = ("admin1", "editor_a", "viewer_a", "auditor1", None)
# Patient of the user's own centre (A) and of another centre (B); admin sees both.
OWN, OTHER = "PA1", "PB1"
_counter = itertools.count()

# (method, url, own/other/None, expected status per role in ROLES order)
MATRIX = [
    ("GET", "/api/patients", None, (200, 200, 200, 403, 401)),
    ("GET", "/api/patients/{pid}", "own", (200, 200, 200, 403, 401)),
    ("GET", "/api/patients/{pid}", "other", (200, 404, 404, 403, 401)),
    ("POST", "/api/patients", "own", (201, 201, 403, 403, 401)),
    ("POST", "/api/patients", "other", (201, 403, 403, 403, 401)),
    ("PATCH", "/api/patients/{pid}", "own", (200, 200, 403, 403, 401)),
    ("PATCH", "/api/patients/{pid}", "other", (200, 404, 403, 403, 401)),
    ("POST", "/api/patients/{pid}/followups", "own", (201, 201, 403, 403, 401)),
    ("POST", "/api/patients/{pid}/followups", "other", (201, 404, 403, 403, 401)),
    ("POST", "/api/handles", "own", (200, 200, 200, 403, 401)),
    ("POST", "/api/handles", "other", (200, 404, 404, 403, 401)),
    ("GET", "/api/report", None, (200, 200, 200, 403, 401)),
    ("GET", "/api/audit", None, (200, 403, 403, 200, 401)),
    ("GET", "/api/export", None, (200, 200, 200, 403, 401)),
    ("GET", "/api/export?deidentified=false", None, (200, 200, 403, 403, 401)),
    ("POST", "/api/import", "own", (200, 200, 403, 403, 401)),
    ("POST", "/api/import", "other", (200, 422, 403, 403, 401)),
    ("GET", "/api/users", None, (200, 403, 403, 403, 401)),
    ("POST", "/api/users", None, (201, 403, 403, 403, 401)),
    ("POST", "/api/score", None, (200, 200, 200, 200, 200)),
    ("GET", "/api/me", None, (200, 200, 200, 200, 401)),
    ("GET", "/calculator", None, (200, 200, 200, 200, 200)),
    ("GET", "/patients", None, (200, 200, 200, 403, 303)),
    ("GET", "/patients/new", None, (200, 200, 403, 403, 303)),
    ("GET", "/report", None, (200, 200, 200, 403, 303)),
    ("GET", "/report/document", None, (200, 200, 200, 403, 303)),
    ("GET", "/audit", None, (200, 403, 403, 200, 303)),
    ("GET", "/import", None, (200, 200, 403, 403, 303)),
    ("GET", "/users", None, (200, 403, 403, 403, 303)),
]


def _body(method: str, url: str, where: str | None) -> dict | None:
    n = next(_counter)
    if url == "/api/patients" and method == "POST":
        return {"patient_id": f"NEW{n}", "site": "A" if where == "own" else "B", "values": {"kps": 60}}
    if url.endswith("/followups"):
        return {"date": f"{2022 + n // 300}-01-{1 + n % 28:02d}", "status": "alive"}
    if url == "/api/handles":
        return {"patient_id": OWN if where == "own" else OTHER}
    if url == "/api/users":
        return {"username": f"user{n}", "password": "another long passphrase", "role": "viewer"}
    if url == "/api/score":
        return {"kps": 70}
    if method == "PATCH":
        return {"values": {"kps": 80 if n % 2 else 90}}
    return None


def test_access_matrix(app, sign_in, anonymous, engine) -> None:
    sessions = {role: sign_in(role) if role else None for role in ROLES}
    failures = []
    for method, url, where, expected in MATRIX:
        for role, status in zip(ROLES, expected, strict=True):
            pid = OWN if where == "own" else OTHER
            target = url.format(pid=pid)
            headers: dict[str, str] = {}
            if method == "PATCH":
                with engine.connect() as conn:
                    version = conn.execute(select(Patient.version).where(Patient.patient_id == pid)).scalar()
                headers["If-Match"] = str(version)
            body = _body(method, url, where)
            session = sessions[role]
            payload: dict[str, object] = {"json": body}
            if url == "/api/import":  # a dry run of a one-row file of the own / other centre
                site = "A" if where == "own" else "B"
                payload = {
                    "files": {"file": ("f.csv", f"patient_id,site,kps\nI{next(_counter)},{site},60\n")}
                }
            if session is None:
                answer = anonymous.request(method, target, headers=headers, follow_redirects=False, **payload)
            else:
                answer = session.send(method, target, headers=headers, follow_redirects=False, **payload)
            if answer.status_code != status:
                failures.append(
                    f"{method} {url} ({where}) as {role}: {answer.status_code}, expected {status}"
                )
    assert not failures, "\n".join(failures)


def test_every_api_route_is_in_the_matrix(app) -> None:
    paths = app.openapi()["paths"]
    routes = {(m.upper(), path) for path, ops in paths.items() for m in ops}
    covered = {(m, u.split("?")[0].replace("{pid}", "{patient_id}")) for m, u, _w, _e in MATRIX}
    # sign-in and sign-out are tested in test_security.py
    assert routes - covered == {("POST", "/api/login"), ("POST", "/api/logout")}
    assert PASSWORD  # the users of the matrix are those of conftest.USERS
