"""R as a peer in the benchmarks: the same data, timed inside R, results handed back for the equality check.

The data go to R as raw float64 columns (``readBin``, no CSV parsing); R times only the call itself
(``proc.time()``: elapsed, or user + system CPU time; best of ``repeat`` runs) and writes its
timings and results as JSON. Used only when ``Rscript`` and the ``survival`` and ``jsonlite`` packages are
installed; otherwise the R columns say "not measured".
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

_PRELUDE = r"""
suppressPackageStartupMessages({library(survival); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
n <- as.integer(args[2])
reps <- as.integer(args[3])
cols <- strsplit(args[4], ",")[[1]]
d <- as.data.frame(setNames(lapply(cols, function(nm)
  readBin(file.path(dir, paste0(nm, ".bin")), "double", n = n, size = 8, endian = "little")), cols))
clock <- if (args[5] == "cpu") function() sum(proc.time()[c("user.self", "sys.self")]) else
  function() proc.time()[["elapsed"]]
timed <- function(fun) {
  t <- Inf; out <- NULL
  for (i in seq_len(reps)) {
    gc(FALSE)
    t0 <- clock()
    out <- fun()
    t <- min(t, clock() - t0)
  }
  list(seconds = t, out = out)
}
"""


def available() -> bool:
    """Rscript with survival and jsonlite installed."""
    if shutil.which("Rscript") is None:
        return False
    probe = subprocess.run(
        ["Rscript", "-e", "suppressPackageStartupMessages({library(survival); library(jsonlite)})"],
        capture_output=True,
    )
    return probe.returncode == 0


def version() -> str:
    out = subprocess.run(
        ["Rscript", "-e", 'cat(R.version.string, "survival", as.character(packageVersion("survival")))'],
        capture_output=True, text=True,
    )
    return out.stdout.strip()


def run(body: str, columns: dict[str, np.ndarray], repeat: int, timeout: float = 1800.0,
        cpu: bool = False) -> dict[str, Any]:
    """Run ``body`` (R code with data frame ``d`` and helper ``timed(function() ...)``, best of ``repeat``
    runs of wall-clock time, or of CPU time when ``cpu``) that ends by assigning a list to ``result``;
    returns it as a dict."""
    n = len(next(iter(columns.values())))
    with tempfile.TemporaryDirectory() as tmp:
        for name, values in columns.items():
            np.ascontiguousarray(values, dtype="<f8").tofile(Path(tmp) / f"{name}.bin")
        script = Path(tmp) / "bench.R"
        out_json = Path(tmp) / "out.json"
        script.write_text(
            _PRELUDE + body + f'\nwrite_json(result, "{out_json}", auto_unbox = TRUE, digits = NA)\n'
        )
        subprocess.run(
            ["Rscript", str(script), tmp, str(n), str(repeat), ",".join(columns), "cpu" if cpu else "wall"],
            check=True, capture_output=True, timeout=timeout,
        )
        return json.loads(out_json.read_text())
