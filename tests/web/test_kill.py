"""``kill -9`` of the server during a stream of saves: every acknowledged save is in the database and in
its audit trail afterwards, and nothing is half-written (every stored patient has its audit row)."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from spinemet.registry.audit import audit_frame
from spinemet.registry.engine import make_engine
from spinemet.registry.models import Patient
from tests.web.conftest import PASSWORD, seed
from tests.web.server import Server


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX SIGKILL")
def test_sigkill_during_saves_loses_no_acknowledged_save(engine, tmp_path: Path) -> None:
    seed(engine)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    server = Server(url, tmp_path / "server.log")
    acknowledged: list[str] = []
    stop = threading.Event()
    try:
        client = httpx.Client(base_url=server.base, timeout=10)
        login = client.post("/api/login", json={"username": "editor_a", "password": PASSWORD})
        csrf = login.json()["csrf_token"]

        def stream() -> None:
            i = 0
            while not stop.is_set():
                i += 1
                pid = f"K{i:05d}"
                body = {"patient_id": pid, "site": "A", "values": {"kps": 60, "sex": "F"}, "reason": "stream"}
                try:
                    answer = client.post("/api/patients", json=body, headers={"X-CSRF-Token": csrf})
                except httpx.HTTPError:
                    return  # the server is gone
                if answer.status_code == 201:
                    acknowledged.append(pid)

        worker = threading.Thread(target=stream)
        worker.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 15 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.proc.send_signal(signal.SIGKILL)  # while the stream goes on: a save is likely in flight
        server.proc.wait(timeout=30)
        stop.set()
        worker.join(timeout=30)
        client.close()
    finally:
        stop.set()
        server.stop()
    assert server.proc.returncode == -signal.SIGKILL
    assert len(acknowledged) >= 15
    after = make_engine(url)
    try:
        with after.connect() as conn:
            stored = set(
                conn.execute(select(Patient.patient_id).where(Patient.patient_id.like("K%"))).scalars()
            )
            trail = audit_frame(conn)
    finally:
        after.dispose()
    assert set(acknowledged) <= stored
    inserted = set(trail.loc[(trail["action"] == "insert") & (trail["table_name"] == "patient"), "record_id"])
    assert stored <= inserted  # nothing half-written: every stored patient has its audit row
    assert set(trail.loc[trail["record_id"].isin(acknowledged), "username"]) == {"editor_a"}
