"""Run every benchmark in this folder, one after another (``make bench``).

Each ``bench_*.py`` measures spinemet against the peer libraries in the same run and prints ratios.
Pass ``--quick`` to stop at n = 10^5.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    status = 0
    for script in sorted(here.glob("bench_*.py")):
        print(f"\n=== {script.name} ===", flush=True)
        status |= subprocess.call([sys.executable, str(script), *sys.argv[1:]])
    return status


if __name__ == "__main__":
    raise SystemExit(main())
