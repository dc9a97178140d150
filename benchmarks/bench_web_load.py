"""Load benchmark of ``spinemet serve`` (on demand, not a test): 50 concurrent clients on loopback.

Each client signs in, then for ``--seconds`` (default 60) loops over a mix of requests: 50 % reads of a
patient record (``GET /api/patients/{id}``), 25 % saves (``PATCH`` of its own patient with ``If-Match``),
25 % bedside scoring (``POST /api/score``). Run on SQLite (a file) and on PostgreSQL (a fresh database at
``$SPINEMET_TEST_PG_URL``'s server, default 127.0.0.1:5432/test).

Prints, per backend: requests per second, p50/p95/p99 latency per kind, errors (any unexpected status or
transport error), and checks zero lost writes: for every client's patient, the stored version is 1 +
the acknowledged saves and the audit trail holds one update row per acknowledged save.

The server is one uvicorn process; clients, server and database share this machine (and, during the
project's development, the machine was shared with other jobs): the numbers are indicative only. Goal
(issue 8): zero errors, zero lost writes, p95 < 50 ms for a patient save on SQLite.

Usage: python benchmarks/bench_web_load.py [--seconds 60] [--clients 50] [--backend sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from spinemet.registry.audit import WriteContext  # noqa: E402
from spinemet.registry.engine import make_engine, resolve_url  # noqa: E402
from spinemet.registry.models import AuditLog, Patient  # noqa: E402
from spinemet.registry.records import create_record  # noqa: E402
from spinemet.registry.schema import ensure_schema  # noqa: E402
from tests.web.conftest import PASSWORD, seed  # noqa: E402
from tests.web.server import Server  # noqa: E402

PG_ADMIN_URL = os.environ.get("SPINEMET_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SCORE_BODY = {"kps": 70, "primary_tumor": "kidney", "frankel_pre": "E", "visceral_mets": "none",
              "sins_pain": "mechanical", "escc": "1b"}  # fmt: skip


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def client_loop(
    base: str, k: int, seconds: float, out: dict[str, object], ready: asyncio.Barrier
) -> None:
    pid = f"L{k:03d}"
    latencies: dict[str, list[float]] = out["latencies"]  # type: ignore[assignment]
    errors: list[str] = out["errors"]  # type: ignore[assignment]
    acked: dict[str, int] = out["acked"]  # type: ignore[assignment]
    rng = random.Random(k)
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        try:
            login = await client.post("/api/login", json={"username": "editor_a", "password": PASSWORD})
        finally:
            await ready.wait()  # every client signed in (argon2 is slow by design): then the timed phase
        if login.status_code != 200:
            errors.append(f"login {login.status_code}")
            return
        csrf = login.json()["csrf_token"]
        version = 1
        kps = 60
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            roll = rng.random()
            start = time.perf_counter()
            try:
                if roll < 0.5:
                    kind = "read"
                    answer = await client.get(f"/api/patients/PA{1 + rng.randrange(2)}")
                    ok = answer.status_code == 200
                elif roll < 0.75:
                    kind = "save"
                    kps = 70 if kps == 60 else 60
                    answer = await client.patch(
                        f"/api/patients/{pid}",
                        json={"values": {"kps": kps}, "reason": "load test"},
                        headers={"X-CSRF-Token": csrf, "If-Match": str(version)},
                    )
                    ok = answer.status_code == 200
                    if ok:
                        version = answer.json()["version"]
                        acked[pid] = acked.get(pid, 0) + 1
                else:
                    kind = "score"
                    answer = await client.post("/api/score", json=SCORE_BODY)
                    ok = answer.status_code == 200
            except httpx.HTTPError as exc:
                errors.append(f"{type(exc).__name__}")
                continue
            latencies.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
            if not ok:
                errors.append(f"{kind} {answer.status_code}")


def prepare(url: str, clients: int) -> None:
    engine = make_engine(url)
    ensure_schema(engine)
    seed(engine)
    with engine.begin() as conn:
        ctx = WriteContext(username="bench", reason="load test setup")
        for k in range(clients):
            create_record(conn, f"L{k:03d}", "A", {"kps": 60, "sex": "F", "primary_tumor": "lung"}, ctx)
    engine.dispose()


def check_writes(url: str, acked: dict[str, int]) -> list[str]:
    """Lost writes: a patient whose version or audit rows do not match its acknowledged saves."""
    engine = make_engine(url)
    problems = []
    with engine.connect() as conn:
        versions = dict(conn.execute(select(Patient.patient_id, Patient.version)).all())
        audit = dict(
            conn.execute(
                select(AuditLog.record_id, func.count())
                .where(AuditLog.action == "update", AuditLog.reason == "load test")
                .group_by(AuditLog.record_id)
            ).all()
        )
    engine.dispose()
    for pid, n in acked.items():
        if versions.get(pid) != 1 + n:
            problems.append(f"{pid}: version {versions.get(pid)}, expected {1 + n}")
        if audit.get(pid, 0) != n:
            problems.append(f"{pid}: {audit.get(pid, 0)} audit rows, expected {n}")
    return problems


def run(backend: str, clients: int, seconds: float, tmp: Path) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
        drop = None
    else:
        name = f"spinemet_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(resolve_url(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        drop = (admin, name)
    try:
        prepare(url, clients)
        server = Server(url, tmp / f"server-{backend}.log")
        out: dict[str, object] = {"latencies": {}, "errors": [], "acked": {}}
        try:
            timing: dict[str, float] = {}

            async def main() -> None:
                ready = asyncio.Barrier(clients + 1)
                tasks = [asyncio.create_task(client_loop(server.base, k, seconds, out, ready))
                         for k in range(clients)]  # fmt: skip
                await ready.wait()
                timing["start"] = time.perf_counter()
                await asyncio.gather(*tasks)
                timing["end"] = time.perf_counter()

            asyncio.run(main())
            elapsed = timing["end"] - timing["start"]
        finally:
            server.stop()
        latencies: dict[str, list[float]] = out["latencies"]  # type: ignore[assignment]
        errors: list[str] = out["errors"]  # type: ignore[assignment]
        total = sum(len(v) for v in latencies.values())
        print(
            f"\n{backend}: {clients} clients, {elapsed:.0f} s, {total} requests, {total / elapsed:.0f} req/s"
        )
        print(f"{'kind':<6} {'n':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
        for kind in ("read", "save", "score"):
            v = latencies.get(kind, [])
            mean = statistics.fmean(v) if v else float("nan")
            print(f"{kind:<6} {len(v):>7} {percentile(v, 50):>8.1f} {percentile(v, 95):>8.1f} "
                  f"{percentile(v, 99):>8.1f} {mean:>8.1f}")  # fmt: skip
        print(f"errors: {len(errors)}" + (f" (first: {errors[:5]})" if errors else ""))
        lost = check_writes(url, out["acked"])  # type: ignore[arg-type]
        acked = sum(out["acked"].values())  # type: ignore[union-attr]
        print(f"acknowledged saves: {acked}; lost writes: {len(lost)}" + (f" {lost[:5]}" if lost else ""))
    finally:
        if drop is not None:
            admin, name = drop
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="10 s per backend (run_all.py passes it)")
    args = parser.parse_args()
    seconds = 10 if args.quick else args.seconds
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    print(f"machine: {os.cpu_count()} CPU(s), shared with other work; client, server and database on it")
    with tempfile.TemporaryDirectory(prefix="spinemet-bench-") as tmp:
        for backend in backends:
            run(backend, args.clients, seconds, Path(tmp))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
