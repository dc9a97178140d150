"""Fixtures of the web tests: an application on a fresh registry (SQLite and PostgreSQL, via the registry
fixtures), users of every role, a few patients in two centres, and signed-in test clients."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from spinemet.registry.accounts import add_user
from spinemet.registry.audit import WriteContext
from spinemet.registry.records import create_record
from spinemet.web.app import create_app
from tests.registry.conftest import backend, db_factory, db_url, engine  # noqa: F401 (fixtures)

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PASSWORD = "a long enough passphrase 7"
#: user -> (role, centres)
USERS = {
    "admin1": ("admin", ()),
    "editor_a": ("editor", ("A",)),
    "viewer_a": ("viewer", ("A",)),
    "auditor1": ("auditor", ()),
    "editor_b": ("editor", ("B",)),
}
#: Two patients per centre; ids look like pseudonyms and never appear in URLs of pages or in logs.
PATIENT_VALUES = {
    "kps": 70, "ecog": 1, "primary_tumor": "kidney", "extraspinal_bone_mets": 0, "vertebral_mets": 1,
    "visceral_mets": "none", "frankel_pre": "D2", "sex": "F", "age": 64, "surgery_date": "2021-03-01",
    "procedure": "mist",
}  # fmt: skip


def seed(eng: Engine) -> None:
    """Users of every role and patients PA1, PA2 (centre A), PB1 (centre B)."""
    ctx = WriteContext(username="seed", reason="test data")
    with eng.begin() as conn:
        for name, (role, sites) in USERS.items():
            add_user(conn, name, PASSWORD, role=role, sites=sites)
        for pid, site in (("PA1", "A"), ("PA2", "A"), ("PB1", "B")):
            create_record(conn, pid, site, PATIENT_VALUES, ctx)


@pytest.fixture
def app(engine: Engine) -> FastAPI:  # noqa: F811
    seed(engine)
    return create_app(engine=engine)


@dataclass
class Session:
    """A test client signed in as ``user`` (``csrf`` sent on state-changing requests by ``send``)."""

    client: TestClient
    csrf: str

    def send(self, method: str, url: str, **kwargs: object) -> object:
        headers = dict(kwargs.pop("headers", {}) or {})  # type: ignore[call-overload]
        headers.setdefault("X-CSRF-Token", self.csrf)
        return self.client.request(method, url, headers=headers, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def sign_in(app: FastAPI) -> Iterator[Callable[[str], Session]]:
    clients: list[TestClient] = []

    def make(user: str) -> Session:
        client = TestClient(app)
        clients.append(client)
        answer = client.post("/api/login", json={"username": user, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        return Session(client, answer.json()["csrf_token"])

    yield make
    for c in clients:
        c.close()


@pytest.fixture
def anonymous(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client
