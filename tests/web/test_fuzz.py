"""API fuzzing from the OpenAPI schema (schemathesis): no generated request makes the server answer 500.

Bounded: a few dozen examples per operation, anonymous and signed in as the administrator (with the CSRF
token, so that state-changing operations get past the session checks and reach the services).
"""

from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings

from spinemet.web.app import COOKIE

schemathesis = pytest.importorskip("schemathesis")

EXAMPLES = 15


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "admin"])
def test_generated_requests_never_get_a_500(app, sign_in, signed_in: bool) -> None:
    headers: dict[str, str] = {}
    if signed_in:
        session = sign_in("admin1")
        headers["X-CSRF-Token"] = session.csrf
        headers["Cookie"] = f"{COOKIE}={session.client.cookies[COOKIE]}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    seen: set[int] = set()
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        if signed_in and operation.path in ("/api/login", "/api/logout"):
            continue  # both end the signed-in session of this test (fuzzed anonymously)

        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        @given(case=operation.as_strategy())
        def run(case: object) -> None:
            response = case.call(headers=headers)  # type: ignore[attr-defined]
            seen.add(response.status_code)
            if response.status_code >= 500:
                what = f"{case.method} {case.path}"  # type: ignore[attr-defined]
                failures.append(f"{what}: {response.status_code} {response.text[:200]}")

        run()
    assert not failures, "\n".join(failures[:20])
    assert 200 in seen and 422 in seen  # the requests did reach the routes (some valid, some refused)
    if signed_in:
        assert 201 in seen
