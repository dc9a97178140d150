"""Benchmark: spinemet Kaplan-Meier (with median CI) and log-rank vs lifelines and statsmodels.

Run on demand (not part of the test suite):  .venv/bin/python benchmarks/bench_km_logrank.py [--max-n 1000000]
Needs the bench extras (lifelines, statsmodels). Synthetic data: exponential survival (median ~8 months)
rounded to 0.01 (so there are ties), uniform censoring, ~70% events, three groups with hazard ratios
1, 1.3, 1.7. Each tool does the same job:
  KM:       fit + median + median CI (spinemet: kaplan_meier(); lifelines: KaplanMeierFitter().fit +
            median_survival_time_ + median_survival_times(confidence_interval_); statsmodels:
            SurvfuncRight + quantile(0.5) + quantile_ci(0.5)).
  log-rank: 3-group test (spinemet: logrank(); lifelines: multivariate_logrank_test; statsmodels:
            survdiff).
Times are the best of several repeats of CPU time (time.process_time, all threads of this process), which
is steadier than wall-clock time on a shared machine; pass --wall for wall-clock time. Peak memory is the
tracemalloc peak of one spinemet call (numpy allocations are traced). Equality: max |S_spinemet - S_other|
over the curve, the median, and |chi2 difference|.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from spinemet.analysis.logrank import logrank
from spinemet.analysis.survival import kaplan_meier


def make_data(n: int, seed: int = 1, decimals: int | None = 2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Months rounded to ``decimals`` (ties, the clinical case) or continuous (``decimals=None``)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    hr = np.array([1.0, 1.3, 1.7])[group]
    t_event = rng.exponential(8 / np.log(2) / hr)
    t_cens = rng.uniform(0, 60, n)
    time_ = np.minimum(t_event, t_cens)
    if decimals is not None:
        time_ = np.round(time_, decimals)
    event = (t_event <= t_cens).astype(np.int64)
    return time_, event, group


CLOCK = time.process_time


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best = float("inf")
    out = None
    for _ in range(repeats):
        t0 = CLOCK()
        out = fn()
        best = min(best, CLOCK() - t0)
    return best, out


def peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def run(n: int, decimals: int | None) -> dict[str, Any]:
    import pandas as pd
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import multivariate_logrank_test
    from lifelines.utils import median_survival_times
    from statsmodels.duration.survfunc import SurvfuncRight, survdiff

    t, e, g = make_data(n, decimals=decimals)
    reps = 7 if n <= 10**4 else (5 if n <= 10**5 else 3)

    def sm_km() -> Any:
        km = kaplan_meier(t, e)
        return km, km.median, km.median_ci

    def ll_km() -> Any:
        kmf = KaplanMeierFitter().fit(t, e)
        return kmf, kmf.median_survival_time_, median_survival_times(kmf.confidence_interval_)

    def st_km() -> Any:
        sf = SurvfuncRight(t, e)
        return sf, sf.quantile(0.5), sf.quantile_ci(0.5)

    res: dict[str, Any] = {"n": n, "data": "continuous" if decimals is None else f"{decimals} dp"}
    res["km_spinemet"], (km, med, _) = best_of(sm_km, reps)
    res["km_lifelines"], (kmf, ll_med, _) = best_of(ll_km, reps)
    res["km_statsmodels"], (sf, st_med, _) = best_of(st_km, reps)
    res["lr_spinemet"], lr = best_of(lambda: logrank(t, e, g), reps)
    res["lr_lifelines"], ll_lr = best_of(lambda: multivariate_logrank_test(t, g, e), reps)
    res["lr_statsmodels"], st_lr = best_of(lambda: survdiff(t, e, g), reps)
    res["mem_km_mb"] = peak_mb(sm_km)
    res["mem_lr_mb"] = peak_mb(lambda: logrank(t, e, g))

    # equal numbers
    ll_s = kmf.survival_function_.iloc[:, 0]
    ll_s = ll_s[ll_s.index > 0] if ll_s.index[0] == 0 and km.time[0] > 0 else ll_s
    ours = pd.Series(km.surv, index=km.time).reindex(ll_s.index)
    res["diff_s_lifelines"] = float(np.max(np.abs(ours - ll_s)))
    ev = km.n_event > 0
    res["diff_s_statsmodels"] = float(np.max(np.abs(km.surv[ev] - sf.surv_prob)))
    res["diff_median"] = max(abs(med - ll_med), abs(med - st_med))
    res["diff_chi2"] = max(abs(lr.chi2 - ll_lr.test_statistic), abs(lr.chi2 - st_lr[0]))
    return res


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=10**6)
    parser.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU time")
    args = parser.parse_args()
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    warnings.filterwarnings("ignore")
    ns = [n for n in (10**3, 10**4, 10**5, 10**6) if n <= args.max_n]
    rows = [run(n, dec) for dec in (2, None) for n in ns]
    print("| data | n | KM spinemet | KM lifelines | KM statsmodels | x lifelines | x statsmodels "
          "| LR spinemet | LR lifelines | LR statsmodels | x lifelines | x statsmodels | peak MB KM/LR |")
    print("|---|" + "---:|" * 12)
    for r in rows:
        print(
            f"| {r['data']} | {r['n']:,} | {r['km_spinemet'] * 1e3:.2f} ms "
            f"| {r['km_lifelines'] * 1e3:.1f} ms "
            f"| {r['km_statsmodels'] * 1e3:.1f} ms | {r['km_lifelines'] / r['km_spinemet']:.1f} "
            f"| {r['km_statsmodels'] / r['km_spinemet']:.1f} "
            f"| {r['lr_spinemet'] * 1e3:.2f} ms | {r['lr_lifelines'] * 1e3:.1f} ms "
            f"| {r['lr_statsmodels'] * 1e3:.1f} ms | {r['lr_lifelines'] / r['lr_spinemet']:.1f} "
            f"| {r['lr_statsmodels'] / r['lr_spinemet']:.1f} "
            f"| {r['mem_km_mb']:.0f} / {r['mem_lr_mb']:.0f} |"
        )
    print()
    print("| data | n | max abs diff S vs lifelines | vs statsmodels | median diff | chi2 diff |")
    print("|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['data']} | {r['n']:,} | {r['diff_s_lifelines']:.1e} | {r['diff_s_statsmodels']:.1e} "
            f"| {r['diff_median']:.1e} | {r['diff_chi2']:.1e} |"
        )


if __name__ == "__main__":
    main()
