"""Reading and validating a big cohort CSV (issue 10), on demand: not a test.

    .venv/bin/python benchmarks/bench_validate.py [--n 1000000] [--rounds 3] [--baseline-src /path/to/src]

Each task runs in its own process (so that its peak RSS is its own), in interleaved rounds:

- ``spinemet validate FILE`` (the command line, cold start included);
- ``read_cohort(FILE)`` (the library: read, check, type);
- the peer: plain ``pd.read_csv(FILE)`` (C engine, types inferred, no checks at all);
- with ``--baseline-src``: ``read_cohort`` from another source tree (e.g. main) for a before/after ratio.

The file is ``spinemet synth --n N`` (made once, kept in the temporary folder). Prints the median wall
time, CPU time and peak RSS of each task, and its ratio to the peer measured in the same run, the machine's
load average before and after, and the row of issue 10 (``spinemet validate`` of 1,000,000 rows: < 8 s,
< 1.5 GB; the peer ``pd.read_csv`` alone took 8 s there). The machine may be shared: CPU time is the
steadier number.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

READ_COHORT = (
    "from spinemet.cohort import read_cohort; import sys; c = read_cohort(sys.argv[1]); print(c.n_rows)"
)
PEER = "import pandas as pd, sys; f = pd.read_csv(sys.argv[1]); print(len(f))"
GOAL_S, GOAL_MB = 8.0, 1500.0  # issue 10, for 1,000,000 rows


def _run(args: list[str], src: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one child process."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) not in (0, 1):  # validate exits 1 for an invalid file
        raise RuntimeError(f"{args} failed with status {status}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--file", type=Path, default=None, help="an existing cohort CSV instead of synth")
    parser.add_argument("--baseline-src", type=Path, default=None)
    opts = parser.parse_args()
    path = opts.file or Path(tempfile.gettempdir()) / f"spinemet-bench-{opts.n}.csv"
    if not path.exists():
        print(f"writing {path} (spinemet synth --n {opts.n}) ...", flush=True)
        args = [sys.executable, "-m", "spinemet.cli.main", "synth", "--n", str(opts.n), "-o", str(path)]
        subprocess.run(args, env={**os.environ, "PYTHONPATH": str(SRC)}, check=True, capture_output=True)
    print(f"{path}: {path.stat().st_size / 1e6:.0f} MB, {opts.rounds} interleaved rounds, medians")
    load_before = os.getloadavg()
    py = sys.executable
    tasks: dict[str, tuple[list[str], Path]] = {
        "peer: pd.read_csv alone": ([py, "-c", PEER, str(path)], SRC),
        "spinemet validate": ([py, "-m", "spinemet.cli.main", "validate", str(path)], SRC),
        "read_cohort": ([py, "-c", READ_COHORT, str(path)], SRC),
    }
    if opts.baseline_src is not None:
        tasks["read_cohort (baseline src)"] = ([py, "-c", READ_COHORT, str(path)], opts.baseline_src)
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in tasks}
    for _ in range(opts.rounds):
        for name, (args, src) in tasks.items():
            results[name].append(_run(args, src))
    peer_wall = statistics.median(r[0] for r in results["peer: pd.read_csv alone"])
    peer_cpu = statistics.median(r[1] for r in results["peer: pd.read_csv alone"])
    print(f"{'task':<30} {'wall s':>8} {'cpu s':>8} {'RSS MB':>8} {'wall/peer':>10} {'cpu/peer':>9}")
    for name, rows in results.items():
        wall = statistics.median(r[0] for r in rows)
        cpu = statistics.median(r[1] for r in rows)
        rss = max(r[2] for r in rows)
        print(f"{name:<30} {wall:8.2f} {cpu:8.2f} {rss:8.0f} {wall / peer_wall:10.2f} {cpu / peer_cpu:9.2f}")
    load_after = os.getloadavg()
    before, after = (" ".join(f"{x:.2f}" for x in load) for load in (load_before, load_after))
    print(f"load average (1, 5, 15 min): before {before}, after {after}, on {os.cpu_count()} CPUs")
    rows = results["spinemet validate"]
    wall = statistics.median(r[0] for r in rows)
    cpu = statistics.median(r[1] for r in rows)
    rss = max(r[2] for r in rows)
    verdict = "met" if wall < GOAL_S and rss < GOAL_MB else "not met"
    print(f"issue 10 row, spinemet validate of {opts.n:,} rows: wall {wall:.1f} s, CPU {cpu:.1f} s, "
          f"peak {rss:,.0f} MB; goal < {GOAL_S:g} s and < {GOAL_MB:,.0f} MB ({verdict} in this run; "
          f"peer pd.read_csv alone: wall {peer_wall:.1f} s, CPU {peer_cpu:.1f} s)")


if __name__ == "__main__":
    main()
