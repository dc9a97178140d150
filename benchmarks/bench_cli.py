"""Cold start of the command line: ``spinemet score --patient ...`` against its floor and its imports.

Each case is a fresh interpreter (hyperfine-like: ``--runs`` runs after one warm-up, median and min
printed), measured in the same run so that ratios are comparable on a shared machine. The issue-10 target
is a cold ``score --patient`` under 0.25 s (the README example prints the card with rich; ``--json``
does not load rich). ``-X importtime`` then lists the heaviest imports of one README-example run.

    python benchmarks/bench_cli.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _bytecode import ensure_bytecode

SRC = Path(__file__).resolve().parents[1] / "src"
README_EXAMPLE = ["--patient", "kps=70", "primary_tumor=kidney", "frankel_pre=D2", "escc=2"]
PATIENT = [*README_EXAMPLE, "--json"]
TARGET_S = 0.25

CASES: list[tuple[str, list[str]]] = [
    ("python -c pass (floor)", ["-c", "pass"]),
    ("import numpy", ["-c", "import numpy"]),
    ("import pandas", ["-c", "import pandas"]),
    ("import pydantic (typer 0.29 needs it)", ["-c", "import pydantic"]),
    ("import typer", ["-c", "import typer"]),
    ("spinemet --version", ["-m", "spinemet.cli.main", "--version"]),
    ("score --patient (README example), cold", ["-m", "spinemet.cli.main", "score", *README_EXAMPLE]),
    ("spinemet score --patient ... --json", ["-m", "spinemet.cli.main", "score", *PATIENT]),
]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = f"{SRC}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return env


def _time(args: list[str], runs: int) -> list[float]:
    cmd = [sys.executable, *args]
    subprocess.run(cmd, env=_env(), check=True, capture_output=True)  # warm-up (file cache)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=_env(), check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return times


def _heaviest_imports(n: int = 8) -> list[tuple[int, str]]:
    cmd = [sys.executable, "-X", "importtime", "-m", "spinemet.cli.main", "score", *README_EXAMPLE]
    err = subprocess.run(cmd, env=_env(), capture_output=True, text=True, check=True).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _self, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        if not name.startswith(" ") and "." not in name.strip():
            rows.append((int(cumulative), name.strip()))
    return sorted(rows, reverse=True)[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(ensure_bytecode())
    print(f"python {sys.version.split()[0]}; {args.runs} runs after a warm-up; load average "
          f"{os.getloadavg()[0]:.1f} (a shared machine: compare the ratios, not the seconds)")  # fmt: skip
    floor = None
    for label, case in CASES:
        times = _time(case, args.runs)
        med = statistics.median(times)
        floor = floor or med
        print(f"{label:<40} median {med:6.3f} s  min {min(times):6.3f} s  x{med / floor:5.1f} of the floor")
        if "score --patient" in label:
            verdict = "meets" if med < TARGET_S else "misses"
            print(f"{'':<40} cold score --patient {verdict} the {TARGET_S} s target")
    print("heaviest top-level imports of one cold `score --patient` (README example; cumulative, ms):")
    for micro, name in _heaviest_imports():
        print(f"  {name:<30} {micro / 1000:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
