"""Registry storage and bulk speed (on demand: ``.venv/bin/python benchmarks/bench_registry.py``; not a test).

For synthetic cohorts (``spinemet synth --n N --seed 1 --sites 5``) of 100,000 and (without ``--quick``)
1,000,000 patients, on SQLite and PostgreSQL, each measurement in a fresh process:

- ``import``: :func:`spinemet.registry.importer.import_file` (read + validate + store + ANALYZE), what
  ``spinemet import`` does; goals 100k: SQLite < 8 s and < 500 MB RSS, PostgreSQL < 10 s; 1M: < 90 s and
  < 2 GB RSS on both.
- ``store``: only :func:`~spinemet.registry.store.store_frame` of the already validated frame (reading and
  validation belong to the cohort layer and are measured by its own benchmark).
- ``store EAV``: the same frame stored in the previous design (revision 0002: one ``patient_value`` row per
  value) with the same bulk loader and the same audit rows - the storage-design comparison (100k only).
- ``export``: streamed CSV export of the registry (bounded memory).

Prints wall time, CPU time (user + sys, this process only: the PostgreSQL server's work shows in wall
time only), peak RSS and database size. The machine is a 2-core one shared with other jobs: wall times
are noisy, compare rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from _bytecode import ensure_bytecode

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("SPINEMET_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _store_eav(conn, frame, ctx) -> None:
    """The 0002 design: patient rows plus one patient_value row per non-missing value, bulk-loaded."""
    from sqlalchemy import Column, Date, DateTime, Float, Integer, MetaData, String, Table, Text, select

    from spinemet.registry.audit import Change
    from spinemet.registry.bulk import bulk_insert_columns
    from spinemet.registry.store import _frame_columns, _record_jsons, ensure_sites

    md = MetaData()
    patient = Table(
        "patient",
        md,
        Column("id", Integer),
        Column("patient_id", String),
        Column("site_id", Integer),
        Column("created_at", DateTime),
        Column("updated_at", DateTime),
        Column("version", Integer),
    )
    value = Table(
        "patient_value",
        md,
        Column("patient_pk", Integer),
        Column("column", String),
        Column("value_num", Float),
        Column("value_text", Text),
        Column("value_date", Date),
    )
    cols = _frame_columns(frame)
    sites = ensure_sites(conn, (s for s in cols.sites if s))
    n = len(cols.ids)
    chunk = 50_000
    for start in range(0, n, chunk):
        pos = range(start, min(start + chunk, n))
        ids = cols.ids[pos.start : pos.stop]
        bulk_insert_columns(
            conn,
            patient,
            {
                "patient_id": ids,
                "site_id": [sites.get(s) if s else None for s in cols.sites[pos.start : pos.stop]],
                "created_at": [ctx.at] * len(ids),
                "updated_at": [ctx.at] * len(ids),
                "version": [1] * len(ids),
            },
        )
        pks: dict[str, int] = {}
        for part in range(0, len(ids), 5000):
            wanted = ids[part : part + 5000]
            pks.update(
                conn.execute(
                    select(patient.c.patient_id, patient.c.id).where(patient.c.patient_id.in_(wanted))
                ).all()
            )
        # long rows column by column, then in (patient, column) order as the 0002 code wrote them
        parts = []
        for fd in cols.fields:
            kind = fd.field.kind
            for i in pos:
                v = fd.values[i]
                if fd.tokens is not None and fd.tokens[i] is not None:
                    parts.append((pks[cols.ids[i]], fd.field.name, None, fd.tokens[i], None))
                elif v is not None:
                    num = float(v) if kind in ("int", "float") else None
                    text = v if kind == "text" else None
                    parts.append((pks[cols.ids[i]], fd.field.name, num, text, v if kind == "date" else None))
        parts.sort(key=lambda r: (r[0], r[1]))
        names = ("patient_pk", "column", "value_num", "value_text", "value_date")
        longs = dict(zip(names, (list(c) for c in zip(*parts, strict=True)), strict=True))
        bulk_insert_columns(conn, value, longs)
        records = _record_jsons(pos, cols)
        # the 0002 audit trail: plain rows, no hash chain (that came with 0004)
        audit = Table("audit_log", MetaData(), autoload_with=conn)
        rows = [Change("insert", "patient", cols.ids[i], None, None, records[i - pos.start]) for i in pos]
        bulk_insert_columns(conn, audit, {
            "at": [ctx.at] * len(rows), "username": [ctx.username] * len(rows),
            "action": [c.action for c in rows], "table_name": [c.table_name for c in rows],
            "record_id": [c.record_id for c in rows], "field": [c.field for c in rows],
            "old_value": [c.old_value for c in rows], "new_value": [c.new_value for c in rows],
            "reason": [ctx.reason] * len(rows), "source_file": [ctx.source_file] * len(rows),
            "source_sha256": [ctx.source_sha256] * len(rows),
        })  # fmt: skip


def _db_size(url: str) -> float:
    if url.startswith("sqlite"):
        import sqlite3

        path = Path(url.split("///", 1)[1])
        with sqlite3.connect(path) as c:  # fold the write-ahead log into the file first
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(p.stat().st_size for p in (path, Path(str(path) + "-wal")) if p.exists()) / 1e6
    from sqlalchemy import text

    from spinemet.registry.engine import make_engine

    eng = make_engine(url)
    with eng.connect() as conn:
        size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
    eng.dispose()
    return float(size) / 1e6


def child(mode: str, csv: str, url: str, out: str | None) -> dict[str, float]:
    """One measurement in this (fresh) process; prints a JSON line."""
    from spinemet.registry.audit import WriteContext
    from spinemet.registry.engine import make_engine
    from spinemet.registry.schema import ensure_schema, upgrade

    engine = make_engine(url)
    result: dict[str, float] = {}
    if mode == "import":
        from spinemet.registry.importer import import_file

        cpu0, t0 = _cpu(), time.perf_counter()
        import_file(engine, csv, username="bench", reason="benchmark")
    elif mode in ("store", "eav"):
        from spinemet.cohort import read_cohort

        frame = read_cohort(csv).frame
        result["rss_before_mb"] = _peak_mb()
        ctx = WriteContext(username="bench", reason="benchmark")
        if mode == "store":
            from spinemet.registry.engine import write_transaction
            from spinemet.registry.store import store_frame

            ensure_schema(engine)
            cpu0, t0 = _cpu(), time.perf_counter()
            with write_transaction(engine) as conn:
                store_frame(conn, frame, ctx)
        else:
            upgrade(engine, "0002")
            cpu0, t0 = _cpu(), time.perf_counter()
            with engine.begin() as conn:
                _store_eav(conn, frame, ctx)
    elif mode == "export":
        from spinemet.registry.export import export_file

        cpu0, t0 = _cpu(), time.perf_counter()
        export_file(engine, out or "export.csv")
    else:
        raise SystemExit(f"mode: got {mode!r}; allowed: import, store, eav, export")
    result.update(wall=time.perf_counter() - t0, cpu=_cpu() - cpu0, peak_mb=_peak_mb())
    engine.dispose()
    result["db_mb"] = _db_size(url)
    print(json.dumps(result), flush=True)
    return result


def _new_db(backend: str, tmp: Path) -> str:
    name = f"spinemet_bench_{uuid.uuid4().hex[:12]}"
    if backend == "sqlite":
        return f"sqlite:///{tmp / (name + '.sqlite')}"
    import psycopg

    with psycopg.connect(PG_ADMIN.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def _drop_db(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
            p.unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN.replace("postgresql+psycopg", "postgresql"), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(mode: str, csv: Path, url: str, out: Path | None = None) -> dict[str, float]:
    args = [sys.executable, __file__, "--child", mode, str(csv), url] + ([str(out)] if out else [])
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    done = subprocess.run(args, check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


GOALS = {  # (n, backend) -> (seconds, MB) of the import goals of issue 10
    (100_000, "sqlite"): (8.0, 500.0),
    (100_000, "postgresql"): (10.0, None),
    (1_000_000, "sqlite"): (90.0, 2000.0),
    (1_000_000, "postgresql"): (90.0, 2000.0),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 patients only")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--sizes", help="comma-separated numbers of patients (default 100000,1000000)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--modes", default="import,store,export,eav",
                        help="comma-separated tasks (eav runs at <= 100,000 patients only)")
    opts = parser.parse_args()
    if opts.child:
        child(*opts.child[:3], opts.child[3] if len(opts.child) > 3 else None)
        return 0
    print(ensure_bytecode())
    sizes = [100_000] if opts.quick else [100_000, 1_000_000]
    if opts.sizes:
        sizes = [int(x) for x in opts.sizes.split(",")]
    backends = opts.backends.split(",")
    print(
        f"{'n':>9} {'backend':<10} {'task':<34} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'DB MB':>7}  goal"
    )
    with tempfile.TemporaryDirectory(prefix="spinemet-bench-") as tmpdir:
        tmp = Path(tmpdir)
        for n in sizes:
            csv = tmp / f"synth_{n}.csv"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "spinemet.cli.main",
                    "synth",
                    "--n",
                    str(n),
                    "-o",
                    str(csv),
                    "--seed",
                    "1",
                    "--sites",
                    "5",
                ],
                check=True,
                capture_output=True,
                env=dict(os.environ, PYTHONPATH=str(ROOT / "src")),
            )
            for backend in backends:
                modes = [m for m in opts.modes.split(",") if m != "eav" or n <= 100_000]
                for mode in modes:
                    url = _new_db(backend, tmp)
                    try:
                        if mode == "export":
                            _run("store", csv, url)
                        r = _run(mode, csv, url, tmp / "export.csv" if mode == "export" else None)
                    finally:
                        _drop_db(url)
                    goal = ""
                    if mode == "import" and (n, backend) in GOALS:
                        secs, mb = GOALS[(n, backend)]
                        goal = f"< {secs:g} s" + (f", < {mb:g} MB" if mb else "")
                        goal += f"  (wall/goal {r['wall'] / secs:.2f})"
                    label = {
                        "import": "import_file (read+validate+store)",
                        "store": "store_frame, typed table",
                        "eav": "store, EAV (0002 design)",
                        "export": "export CSV (streamed)",
                    }[mode]
                    db = "" if mode == "export" else f"{r['db_mb']:7.0f}"
                    print(
                        f"{n:>9,} {backend:<10} {label:<34} {r['wall']:7.2f} {r['cpu']:7.2f} "
                        f"{r['peak_mb']:8.0f} {db:>7}  {goal}",
                        flush=True,
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
