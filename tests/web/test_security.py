"""Security: CSRF, session fixation, sign-out revocation, throttling/lockout, timeouts, password policy,
headers (CSP without inline script), and no patient id in the log (OWASP ASVS level 2 as the yardstick)."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest

from spinemet.errors import InvalidInputError
from spinemet.registry.accounts import (
    check_password,
    open_session,
    session_account,
    sign_in,
)
from spinemet.registry.audit import utc_now
from spinemet.web.app import COOKIE, create_app
from tests.web.conftest import PASSWORD, TestClient


def test_state_changes_without_the_csrf_token_are_refused(sign_in) -> None:
    s = sign_in("editor_a")
    body = {"patient_id": "C1", "site": "A", "values": {}}
    assert s.client.post("/api/patients", json=body).status_code == 403
    assert s.client.post("/api/patients", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert (
        s.client.patch("/api/patients/PA1", json={"values": {}}, headers={"If-Match": "1"}).status_code == 403
    )
    assert s.client.post("/api/logout").status_code == 403
    assert s.client.get("/api/patients/C1").status_code == 404  # nothing was created
    assert s.send("POST", "/api/patients", json=body).status_code == 201


def test_session_id_renewed_at_login_and_revoked_at_logout(app) -> None:
    with TestClient(app) as client:
        client.cookies.set(COOKIE, "planted-by-an-attacker")
        first = client.post("/api/login", json={"username": "viewer_a", "password": PASSWORD})
        token_a = first.cookies[COOKIE]
        assert token_a != "planted-by-an-attacker"
        second = client.post("/api/login", json={"username": "editor_a", "password": PASSWORD})
        token_b = second.cookies[COOKIE]
        assert token_b != token_a
    with TestClient(app) as other:  # the earlier session no longer works
        other.cookies.set(COOKIE, token_a)
        assert other.get("/api/me").status_code == 401
        other.cookies.set(COOKIE, token_b)
        me = other.get("/api/me").json()
        assert me["user"]["username"] == "editor_a"
        assert other.post("/api/logout", headers={"X-CSRF-Token": me["csrf_token"]}).status_code == 200
    with TestClient(app) as after:
        after.cookies.set(COOKIE, token_b)
        assert after.get("/api/me").status_code == 401


def test_secure_cookie_under_tls(engine) -> None:
    from tests.web.conftest import seed

    seed(engine)
    with TestClient(create_app(engine=engine, secure_cookies=True), base_url="https://testserver") as client:
        answer = client.post("/api/login", json={"username": "viewer_a", "password": PASSWORD})
        assert "secure" in answer.headers["set-cookie"].lower()
        assert answer.headers["strict-transport-security"].startswith("max-age=")


@pytest.mark.parametrize("username", ["editor_a", "no_such_user"])
def test_throttling_after_three_failures_even_for_unknown_names(anonymous, username: str) -> None:
    for _ in range(3):
        answer = anonymous.post("/api/login", json={"username": username, "password": "wrong password 1"})
        assert answer.status_code == 401
    throttled = anonymous.post("/api/login", json={"username": username, "password": PASSWORD})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    assert throttled.json()["error"] == "too many requests"


def test_lockout_after_ten_failures_for_fifteen_minutes(engine, app) -> None:
    start = utc_now()
    with engine.begin() as conn:
        for i in range(10):  # each attempt after the previous throttle has passed
            assert (
                sign_in(conn, "editor_a", "wrong password 1", now=start + dt.timedelta(minutes=2 * i)) is None
            )
        last = start + dt.timedelta(minutes=18)
        from spinemet.registry.accounts import LockedOut

        with pytest.raises(LockedOut) as locked:
            sign_in(conn, "editor_a", PASSWORD, now=last + dt.timedelta(minutes=14))
        assert locked.value.retry_after <= 60
        account = sign_in(conn, "editor_a", PASSWORD, now=last + dt.timedelta(minutes=16))
        assert account is not None and account.username == "editor_a"


def test_idle_and_absolute_timeouts(engine, app) -> None:
    t0 = utc_now()
    with engine.begin() as conn:
        account = sign_in(conn, "viewer_a", PASSWORD, now=t0)
        assert account is not None
        idle, _ = open_session(conn, account, now=t0)
        busy, _ = open_session(conn, account, now=t0)
        assert session_account(conn, idle, now=t0 + dt.timedelta(minutes=29)) is not None
        assert session_account(conn, idle, now=t0 + dt.timedelta(minutes=29 + 31)) is None
        now = t0
        while now < t0 + dt.timedelta(hours=11, minutes=50):
            now += dt.timedelta(minutes=20)
            assert session_account(conn, busy, now=now) is not None
        assert session_account(conn, busy, now=t0 + dt.timedelta(hours=12, minutes=1)) is None


@pytest.mark.parametrize(
    ("password", "why"),
    [("short pass", "10 characters"), ("password1234", "common"), ("AAAAAAAAAAAAAA", "repetitive"),
     ("my editor_a passphrase", "user name")],
)  # fmt: skip
def test_password_policy(password: str, why: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        check_password(password, "editor_a")
    assert why in str(err.value) and password not in str(err.value)
    check_password("correct horse battery staple", "editor_a")


def test_password_policy_through_the_api(sign_in) -> None:
    admin = sign_in("admin1")
    weak = admin.send("POST", "/api/users", json={"username": "x", "password": "short", "role": "viewer"})
    assert weak.status_code == 422 and weak.json()["errors"][0]["column"] == "password"
    assert weak.json()["errors"][0]["value"] is None  # never echoed


def test_security_headers_and_no_inline_script(anonymous) -> None:
    for url in ("/calculator", "/login", "/api/openapi.json", "/openapi.json"):
        answer = anonymous.get(url)
        if answer.status_code == 404:
            continue
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
    page = anonymous.get("/calculator").text
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in attrs or "application/json" in attrs for attrs in scripts)
    assert not re.search(r"\son[a-z]+=", page)  # no inline event handlers either


def test_errors_are_json_without_stack_traces(anonymous) -> None:
    for method, url, body in (
        ("POST", "/api/login", "not json"),
        ("POST", "/api/score", "[1, 2"),
        ("GET", "/api/patients?limit=-1", None),
        ("GET", "/api/nowhere", None),
    ):
        answer = anonymous.request(method, url, content=body, headers={"Content-Type": "application/json"})
        assert 400 <= answer.status_code < 500
        assert {"error", "detail"} <= set(answer.json())
        assert "Traceback" not in answer.text


def test_log_lines_carry_route_templates_not_patient_ids(sign_in, caplog) -> None:
    s = sign_in("editor_a")
    with caplog.at_level(logging.INFO, logger="spinemet.web.access"):
        s.client.get("/api/patients/PA1")
        s.send("PATCH", "/api/patients/PA2", json={"values": {"kps": 80}}, headers={"If-Match": "1"})
        s.send("POST", "/api/patients/PA1/followups", json={"date": "2021-05-01", "status": "alive"})
    lines = [r.getMessage() for r in caplog.records if r.name == "spinemet.web.access"]
    assert "GET /api/patients/{patient_id} 200" in " ".join(lines)
    assert len(lines) == 3
    assert not [line for line in lines if re.search(r"P[AB]\d", line)]
