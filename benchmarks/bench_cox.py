"""Benchmark spinemet's Cox model and C-index against lifelines and statsmodels (on demand, not pytest).

    .venv/bin/python benchmarks/bench_cox.py            # n = 10^3 .. 10^6
    .venv/bin/python benchmarks/bench_cox.py --quick    # stop at 10^5

Data: n patients, 5 standard-normal covariates, exponential survival with true log-HRs
(0.5, -0.3, 0.2, 0, 0.1), exponential censoring (~40 %), times in whole days (so ties occur, as in clinical
data; Efron's method matters). Every library fits the same data with Efron ties; the script checks that
the coefficients and standard errors agree (max abs difference) before printing speed ratios.

Cox timings: spinemet ``cox()`` (coefficients, SEs, the three tests; the model's C-index is computed on
first access, as lifelines does, so not included) vs lifelines ``CoxPHFitter().fit``,
statsmodels ``PHReg(ties="efron").fit`` and, where R is installed, R's
``coxph(Surv(time, event) ~ x0 + ... + x4, ties = "efron")`` (survival 3.5; timed inside R on the same
data, which it reads as raw doubles; its fit includes R's concordance, as every coxph call does).
C-index: spinemet ``concordance()`` (C, SE, counts) vs R's ``concordance(reverse = TRUE)`` and
``lifelines.utils.concordance_index`` (C only). Peak memory: tracemalloc peak of the spinemet call,
measured in a separate run (tracemalloc slows allocation-heavy code; numpy allocations are traced).
Times are CPU seconds (user + system, all threads of the process; R's ``proc.time()`` likewise), which
a shared machine disturbs far less than wall-clock time (``--wall`` for wall clock); best of 3 runs for
n <= 10^5 and one run at 10^6. ``--n 1000000`` measures one size only.
Runs of a peer that would take longer than ``--budget`` seconds (estimated from the previous size,
assuming the measured growth) are skipped and reported as not measured.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import _rpeer
import numpy as np
import pandas as pd

from spinemet.analysis.concordance import concordance
from spinemet.analysis.cox import cox

COVS = [f"x{i}" for i in range(5)]
BETA = np.array([0.5, -0.3, 0.2, 0.0, 0.1])


def make_data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5))
    t = rng.exponential(365.0 * np.exp(-x @ BETA))
    c = rng.exponential(550.0, size=n)
    d = pd.DataFrame(x, columns=COVS)
    d["time"] = np.floor(np.minimum(t, c)) + 1.0
    d["event"] = (t <= c).astype(int)
    return d


CLOCK = time.process_time


def timed(fn: Callable[[], Any], *, memory: bool = False, repeat: int = 1) -> tuple[float, Any, float]:
    """Best time (``CLOCK``) of ``repeat`` runs (or the tracemalloc peak of one run when ``memory``)."""
    if memory:
        tracemalloc.start()
        out = fn()
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        return float("nan"), out, peak
    best = float("inf")
    for _ in range(repeat):
        t0 = CLOCK()
        out = fn()
        best = min(best, CLOCK() - t0)
    return best, out, 0.0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="stop at n = 10^5")
    ap.add_argument("--budget", type=float, default=900.0, help="skip a peer run estimated above this (s)")
    ap.add_argument("--n", type=int, nargs="+", help="sizes to measure (default 10^3 .. 10^6)")
    ap.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU time")
    args = ap.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    from lifelines import CoxPHFitter
    from lifelines.utils import concordance_index
    from statsmodels.duration.hazard_regression import PHReg

    sizes = args.n or ([10**3, 10**4, 10**5] + ([] if args.quick else [10**6]))
    last: dict[str, tuple[int, float]] = {}

    def affordable(name: str, n: int) -> bool:
        if name not in last:
            return True
        n0, t0 = last[name]
        est = t0 * (n / n0) * np.log(n) / np.log(n0)
        return est <= args.budget

    use_r = _rpeer.available()
    print("R:", _rpeer.version() if use_r else "not installed (R columns not measured)", flush=True)
    rows = []
    for n in sizes:
        d = make_data(n)
        rep = 3 if n <= 10**5 else 1
        # spinemet: one warm-up call, then the best of 3 (about a second each at 10^6); the peers, which
        # take 10-40 s at 10^6, run once
        cox(d, "time", "event", COVS)
        t_sm, fit, _ = timed(lambda d=d: cox(d, "time", "event", COVS), repeat=3)
        _, _, peak = timed(lambda d=d: cox(d, "time", "event", COVS), memory=True)
        row: dict[str, Any] = {"n": n, "events": int(d["event"].sum()), "unique_times": d["time"].nunique(),
                               "spinemet_cox_s": t_sm, "spinemet_peak_MiB": peak,
                               "spinemet_iter": fit.iterations}
        for name, run in (
            ("lifelines", lambda d=d: CoxPHFitter().fit(d[[*COVS, "time", "event"]], "time", "event")),
            ("statsmodels", lambda d=d: PHReg(d["time"].to_numpy(), d[COVS].to_numpy(),
                                              status=d["event"].to_numpy(), ties="efron").fit()),
        ):
            if not affordable(name, n):
                row[f"{name}_cox_s"] = float("nan")
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t_peer, peer, _ = timed(run, repeat=rep)
            last[name] = (n, t_peer)
            if name == "lifelines":
                coef = peer.params_.to_numpy()
                se = peer.standard_errors_.to_numpy()
            else:
                coef = np.asarray(peer.params)
                se = np.asarray(peer.bse)
            row[f"{name}_cox_s"] = t_peer
            row[f"{name}_max_dcoef"] = float(np.max(np.abs(coef - fit.coef)))
            row[f"{name}_max_dse"] = float(np.max(np.abs(se - fit.summary["se"].to_numpy())))
        if use_r:
            r = _rpeer.run(
                """
fit <- timed(function() coxph(Surv(time, event) ~ x0 + x1 + x2 + x3 + x4, data = d, ties = "efron"))
cc <- timed(function() concordance(Surv(time, event) ~ x0, data = d, reverse = TRUE))
result <- list(cox_s = fit$seconds, coef = unname(coef(fit$out)), se = unname(sqrt(diag(fit$out$var))),
               cindex_s = cc$seconds, c = unname(cc$out$concordance))
""",
                {c: d[c].to_numpy(dtype=float) for c in [*COVS, "time", "event"]},
                repeat=rep,
                cpu=CLOCK is time.process_time,
            )
            row["R_cox_s"] = r["cox_s"]
            row["R_max_dcoef"] = float(np.max(np.abs(np.asarray(r["coef"]) - fit.coef)))
            row["R_max_dse"] = float(np.max(np.abs(np.asarray(r["se"]) - fit.summary["se"].to_numpy())))
            row["R_cindex_s"] = r["cindex_s"]
        else:
            row["R_cox_s"] = row["R_cindex_s"] = float("nan")
        # C-index of one marker (x0, a risk factor: higher = shorter survival)
        t_c, cres, _ = timed(lambda d=d: concordance(d["time"], d["event"], d["x0"], reverse=True),
                             repeat=rep)
        _, _, cpeak = timed(lambda d=d: concordance(d["time"], d["event"], d["x0"], reverse=True),
                            memory=True)
        row["spinemet_cindex_s"] = t_c
        row["spinemet_cindex_peak_MiB"] = cpeak
        if use_r:
            row["R_cindex_abs_diff"] = abs(r["c"] - cres.c)
        if affordable("lifelines_c", n):
            t_lc, lc, _ = timed(lambda d=d: concordance_index(d["time"], -d["x0"], d["event"]), repeat=rep)
            last["lifelines_c"] = (n, t_lc)
            row["lifelines_cindex_s"] = t_lc
            row["cindex_abs_diff"] = abs(lc - cres.c)
        else:
            row["lifelines_cindex_s"] = float("nan")
        rows.append(row)
        print(_fmt_row(row), flush=True)

    table = pd.DataFrame(rows)
    print("\nSpeed-up (peer time / spinemet time; > 1 = spinemet faster):")
    out = pd.DataFrame({
        "n": table["n"],
        "cox vs R": table["R_cox_s"] / table["spinemet_cox_s"],
        "cox vs lifelines": table["lifelines_cox_s"] / table["spinemet_cox_s"],
        "cox vs statsmodels": table["statsmodels_cox_s"] / table["spinemet_cox_s"],
        "C vs R": table["R_cindex_s"] / table["spinemet_cindex_s"],
        "C vs lifelines": table["lifelines_cindex_s"] / table["spinemet_cindex_s"],
    })
    print(out.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    last_row = table.iloc[-1]
    print(f"\nIssue 10 row - Cox, 5 covariates, Efron, n = {int(last_row['n']):,} (goal < 0.6 s, >= 40x "
          "lifelines, >= 6x R):")
    ours = last_row["spinemet_cox_s"]
    print(f"  spinemet {ours:.2f} s | R coxph {last_row['R_cox_s']:.2f} s ({last_row['R_cox_s'] / ours:.1f}x)"
          f" | lifelines {last_row['lifelines_cox_s']:.1f} s ({last_row['lifelines_cox_s'] / ours:.1f}x)"
          f" | statsmodels {last_row['statsmodels_cox_s']:.1f} s "
          f"({last_row['statsmodels_cox_s'] / ours:.1f}x)")
    print("  max |coef - peer|: " + ", ".join(
        f"{peer} {last_row.get(f'{peer}_max_dcoef', float('nan')):.1e}"
        for peer in ("R", "lifelines", "statsmodels")))


def _fmt_row(row: dict[str, Any]) -> str:
    parts = []
    for k, v in row.items():
        if isinstance(v, float):
            parts.append(f"{k}={v:.3g}")
        else:
            parts.append(f"{k}={v}")
    return " ".join(parts)


if __name__ == "__main__":
    main()
