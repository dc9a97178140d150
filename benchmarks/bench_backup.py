"""Backup and restore of a big registry: time and peak memory (run on demand; not a test).

    .venv/bin/python benchmarks/bench_backup.py --n 1000000 --dir /tmp/spinemet-bench

1. Build an SQLite registry of ``--n`` synthetic patients (``spinemet.cohort.synth``, stored through the
   registry's own ``store_frame`` in chunks of ``--chunk``, so the benchmark follows the schema); the
   file is kept in ``--dir`` and reused by later runs with the same ``--n``.
2. ``backup`` (signed with a key) in a fresh process.
3. ``restore`` into an empty SQLite file in a fresh process (signature, checksums, every value checked
   against its column and the cohort schema, the audit chain verified, the restore audited).

Each phase runs in its own process and reports its wall time, CPU time (user + sys) and peak RSS
(``ru_maxrss``); the goal is a peak RSS under 1.5 GB at 1,000,000 patients, and a peak RSS that does
not grow with ``--n`` (backup and restore stream 10,000 rows at a time). Wall time on a shared
machine depends on its load; CPU time and RSS much less.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

GOAL_RSS_MB = 1500.0
KEY = "benchmark key"


def _usage() -> dict[str, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu_s": r.ru_utime + r.ru_stime, "rss_mb": r.ru_maxrss / 1024}


def _build(db: Path, n: int, chunk: int) -> dict[str, float]:
    from spinemet.cohort.synth import synth
    from spinemet.registry.audit import WriteContext
    from spinemet.registry.engine import make_engine
    from spinemet.registry.schema import ensure_schema
    from spinemet.registry.store import store_frame

    engine = make_engine(str(db))
    ensure_schema(engine)
    ctx = WriteContext(username="bench", source_file="synth.csv", source_sha256="0" * 64)
    t0 = time.perf_counter()
    for start in range(0, n, chunk):
        frame = synth(min(chunk, n - start), seed=start + 1, sites=5)
        frame["patient_id"] = [f"B{start + i:07d}" for i in range(len(frame))]
        with engine.begin() as conn:
            store_frame(conn, frame, ctx)
    return {"wall_s": time.perf_counter() - t0, **_usage()}


def _backup(db: Path, archive: Path) -> dict[str, float]:
    from spinemet.registry.backup import backup
    from spinemet.registry.engine import make_engine

    t0 = time.perf_counter()
    info = backup(make_engine(str(db)), archive, key=KEY)
    return {"wall_s": time.perf_counter() - t0, **_usage(), "rows": sum(info.rows.values())}


def _restore(archive: Path, target: Path) -> dict[str, float]:
    from spinemet.registry.backup import restore
    from spinemet.registry.engine import make_engine

    target.unlink(missing_ok=True)
    t0 = time.perf_counter()
    info = restore(make_engine(str(target)), archive, key=KEY)
    return {"wall_s": time.perf_counter() - t0, **_usage(), "rows": sum(info.rows.values())}


def _phase(*args: str) -> dict[str, float]:
    """Run one phase in a fresh process (its own peak RSS) and return its measurements."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", *args],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _line(name: str, m: dict[str, float]) -> None:
    rows = f"  {int(m['rows']):>11,} rows" if "rows" in m else ""
    print(
        f"{name:<28} wall {m['wall_s']:8.1f} s  cpu {m['cpu_s']:8.1f} s  peak RSS {m['rss_mb']:7.0f} MB"
        f"  (RSS/goal {m['rss_mb'] / GOAL_RSS_MB:.2f}){rows}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="patients (default 1,000,000)")
    parser.add_argument("--chunk", type=int, default=50_000, help="patients per import transaction")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/spinemet-bench"), help="working directory")
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        name, *rest = args.phase
        if name == "build":
            result = _build(Path(rest[0]), int(rest[1]), int(rest[2]))
        elif name == "backup":
            result = _backup(Path(rest[0]), Path(rest[1]))
        else:
            result = _restore(Path(rest[0]), Path(rest[1]))
        print(json.dumps(result))
        return
    args.dir.mkdir(parents=True, exist_ok=True)
    db = args.dir / f"registry-{args.n}.sqlite"
    archive = args.dir / f"registry-{args.n}.zip"
    target = args.dir / f"restored-{args.n}.sqlite"
    print(f"{args.n:,} patients, SQLite, in {args.dir} (the machine may be shared: see CPU time and RSS)")
    if not db.exists():
        partial = db.with_suffix(".partial")
        for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            stale.unlink(missing_ok=True)
        _line("build (store_frame)", _phase("build", str(partial), str(args.n), str(args.chunk)))
        partial.rename(db)
    _line("backup (signed, zip64)", _phase("backup", str(db), str(archive)))
    print(
        f"{'':<28} backup file {archive.stat().st_size / 1e6:,.0f} MB; "
        f"database {db.stat().st_size / 1e6:,.0f} MB"
    )
    _line("restore (checked, audited)", _phase("restore", str(archive), str(target)))


if __name__ == "__main__":
    main()
