"""Timing of the study report (run on demand: ``.venv/bin/python benchmarks/bench_report.py``; not a test).

1. Cold start on the demo cohort: ``spinemet report`` as a subprocess (HTML only, the default), target < 2 s.
2. The demo cohort with every output (HTML, JSON, Word, CSV tables, PNG/SVG/PDF figures), as a subprocess.
3. 100,000 synthetic patients (``synth(100_000, seed=1, sites=5)``): ``build_report`` then every output,
   in-process, target < 15 s; with the slowest analysis functions (cProfile, cumulative time); then the
   same cohort as a CSV file through ``spinemet report`` (HTML + JSON, and HTML + JSON + Word: issue 10's
   row, goal < 4 s).

Prints wall time, CPU time (user + sys) and the ratio to the target. Wall time on a shared machine depends
on its load; CPU time does not.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _bytecode import ensure_bytecode

ROOT = Path(__file__).resolve().parents[1]
SPINEMET = Path(sys.executable).with_name("spinemet")


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _subprocess(args: list[str], runs: int) -> tuple[float, float]:
    """Best wall and CPU seconds of ``runs`` runs of ``spinemet ARGS`` in a fresh directory."""
    walls, cpus = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if k != "SPINEMET_DATABASE_URL"}
            cpu0, t0 = _children_cpu(), time.perf_counter()
            subprocess.run([str(SPINEMET), *args], cwd=tmp, env=env, check=True, capture_output=True)
            walls.append(time.perf_counter() - t0)
            cpus.append(_children_cpu() - cpu0)
    return min(walls), min(cpus)


def _line(name: str, wall: float, cpu: float, target: float | None) -> None:
    ratio = f"  wall/target {wall / target:.2f}, cpu/target {cpu / target:.2f}" if target else ""
    print(f"{name:<52} wall {wall:6.2f} s  cpu {cpu:6.2f} s{ratio}")


def bench_demo(runs: int) -> None:
    wall, cpu = _subprocess(["report", "--demo", "-q"], runs)
    _line("demo, `spinemet report` cold start (HTML)", wall, cpu, 2.0)
    demo = str(ROOT / "src" / "spinemet" / "cohort" / "data" / "demo_cohort.csv")
    wall, cpu = _subprocess(
        [
            "report",
            demo,
            "-q",
            "--html",
            "r.html",
            "--json",
            "r.json",
            "--docx",
            "r.docx",
            "--tables-dir",
            "t",
            "--figures-dir",
            "f",
        ],
        runs,
    )
    _line("demo, every output (HTML/JSON/DOCX/CSV/figures)", wall, cpu, None)


def bench_100k(profile: bool) -> None:
    from spinemet.cohort import synth
    from spinemet.report.build import build_report
    from spinemet.report.outputs import OutputPaths, write_outputs

    t0 = time.perf_counter()
    frame = synth(100_000, seed=1, sites=5)
    print(f"{'synth(100_000, seed=1, sites=5) (not counted)':<52} wall {time.perf_counter() - t0:6.2f} s")
    stages: list[tuple[str, float]] = []

    def step(label: str) -> None:
        stages.append((label, time.perf_counter()))

    profiler = cProfile.Profile() if profile else None
    cpu0, t0 = _self_cpu(), time.perf_counter()
    if profiler:
        profiler.enable()
    report = build_report(frame, source="synth", by="procedure", progress=step)
    t_built = time.perf_counter()
    if profiler:
        profiler.disable()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        paths = OutputPaths(out / "r.html", out / "r.docx", out / "r.json", out / "tables", out / "figures")
        write_outputs(report, paths, progress=step)
    wall, cpu = time.perf_counter() - t0, _self_cpu() - cpu0
    _line("100k, build_report (analysis + tables), wall only", t_built - t0, float("nan"), None)
    _line("100k, full report (every output)", wall, cpu, 15.0)
    previous = t0
    for label, at in stages:
        print(f"    {label:<40} started at +{at - t0:6.2f} s (previous step {at - previous:5.2f} s)")
        previous = at
    if profiler:
        print("\nslowest analysis functions (cumulative, build_report only):")
        stats = pstats.Stats(profiler).sort_stats("cumulative")
        stats.print_stats(r"spinemet/(analysis|cohort)/", 12)
    with tempfile.TemporaryDirectory() as tmp:
        from spinemet.cohort import write_cohort

        csv_path = Path(tmp) / "cohort100k.csv"
        write_cohort(frame, csv_path, "csv")
        wall, cpu = _subprocess(["report", str(csv_path), "-q", "--html", "r.html", "--json", "r.json"], 1)
        _line("100k CSV file, `spinemet report FILE` (read+HTML+JSON)", wall, cpu, 15.0)
        wall, cpu = _subprocess(["report", str(csv_path), "-q", "--html", "r.html", "--json", "r.json",
                                 "--docx", "r.docx"], 1)
        _line("100k CSV file, `spinemet report FILE` (HTML+JSON+Word)", wall, cpu, 4.0)
        print(f"\nIssue 10 row - report of 100,000 patients, HTML + JSON + Word: {wall:.1f} s wall, "
              f"{cpu:.1f} s CPU (goal < 4 s; load average now {os.getloadavg()[0]:.1f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=3, help="subprocess runs per demo measurement (best kept)"
    )
    parser.add_argument("--skip-100k", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile the 100k analysis")
    args = parser.parse_args()
    print(ensure_bytecode())
    print(f"load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    bench_demo(args.runs)
    if not args.skip_100k:
        bench_100k(args.profile)


if __name__ == "__main__":
    main()
