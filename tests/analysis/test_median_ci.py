"""Survival-time quantiles and their CIs against R's quantile.survfit on edge cases (km_edge.json).

R: ``quantile(survfit(Surv(time, event) ~ 1, conf.type=ct), probs=c(.1, .25, .5, .75, .9))`` for hand-made
curves (flat stretch at 0.5, curve ending at 0.5, ties with censoring, no events) and 40 small random samples
with ties and heavy censoring (``set.seed(20261124)`` in tests/r/km_logrank.R), where bands can be
non-monotone and reach 0.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from spinemet.analysis import median_ci
from spinemet.analysis.median_ci import r_quantile
from spinemet.analysis.survival import kaplan_meier

EDGE = json.loads((Path(__file__).resolve().parents[1] / "data/r/km_edge.json").read_text())
CONV = {"NA": math.nan, "NaN": math.nan, "Inf": math.inf}


def _num(values: list | float | str) -> np.ndarray:
    items = values if isinstance(values, list) else [values]
    return np.array([CONV[v] if isinstance(v, str) else v for v in items], dtype=float)


CASES = [
    pytest.param(i, ct, id=f"case{i}-{ct}")
    for i in range(len(EDGE["cases"]))
    for ct in ("log", "plain", "log-log")
]


@pytest.mark.parametrize(("i", "ct"), CASES)
def test_quantiles_match_quantile_survfit(i: int, ct: str) -> None:
    """R: quantile(survfit(Surv(time, event) ~ 1, conf.type=ct), probs=c(.1, .25, .5, .75, .9))."""
    case = EDGE["cases"][i]
    exp = case[ct]
    fit = kaplan_meier(_num(case["time"]), _num(case["event"]), ci_method=ct)
    got = np.array([fit.quantile(p) for p in EDGE["probs"]])
    np.testing.assert_allclose(got[:, 0], _num(exp["quantile"]), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(got[:, 1], _num(exp["lower"]), rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(got[:, 2], _num(exp["upper"]), rtol=1e-12, equal_nan=True)


def test_curve_ending_on_half_takes_midpoint_to_last_time() -> None:
    """R: quantile(survfit(Surv(c(1, 2, 3, 4), c(1, 1, 0, 0)) ~ 1), 0.5) -> 3 = (2 + 4) / 2 (case 1 above)."""
    fit = kaplan_meier([1, 2, 3, 4], [1, 1, 0, 0])
    assert fit.median == 3.0


def test_r_quantile_direct_call() -> None:
    """A curve given directly: S = 0.8, 0.5, 0.2 at 1, 2, 3 - the median is the midpoint of [2, 3)."""
    t = np.array([1.0, 2.0, 3.0])
    s = np.array([0.8, 0.5, 0.2])
    est, lo, hi = r_quantile(t, s, s - 0.1, np.minimum(s + 0.1, 1.0), 0.5)
    assert est == 2.5
    assert lo == 2.0  # lower band 0.4 at t = 2
    assert hi == 3.0  # upper band 0.3 at t = 3


@pytest.mark.parametrize("i", range(len(EDGE["cases"])))
def test_monotone_search_equals_full_scan(i: int) -> None:
    """The binary-search findq used for the KM estimate equals the full R-rule scan at many probabilities."""
    case = EDGE["cases"][i]
    fit = kaplan_meier(_num(case["time"]), _num(case["event"]))
    x = np.concatenate(([0.0], fit.time))
    y = np.concatenate(([0.0], 1.0 - fit.surv))
    probs = np.unique(np.concatenate((np.linspace(0.01, 0.99, 99), y[1:], y[1:] + 1e-9, y[1:] - 1e-9)))
    for p in probs[(probs > 0) & (probs < 1)]:
        a = median_ci._findq(x, y, float(p), median_ci.R_TOLERANCE)
        b = median_ci._estimate(fit.time, fit.surv, float(p), median_ci.R_TOLERANCE, 0.0)
        assert (math.isnan(a) and math.isnan(b)) or a == b, (p, a, b)


@pytest.mark.parametrize("ci_method", ["log", "plain", "log-log"])
def test_upper_band_window_equals_full_scan(ci_method: str) -> None:
    """r_quantile searches the upper band only from where 1 - S reaches p (the band is >= S); on random
    curves (ties, censoring, curves reaching 0, p from 0.1 to 0.9) the result equals R's rule applied to
    the whole band (_findq over every point)."""
    from spinemet.analysis.median_ci import R_TOLERANCE, _findq

    rng = np.random.default_rng(11)
    for trial in range(150):
        n = int(rng.integers(3, 60))
        t = np.round(rng.exponential(10.0, n), int(rng.integers(0, 2)))
        e = (rng.random(n) < rng.uniform(0.3, 1.0)).astype(float)
        km = kaplan_meier(t, e, ci_method=ci_method)
        x = np.concatenate(([0.0], km.time))
        for p in (0.1, 0.25, 0.5, 0.75, 0.9):
            full = _findq(x, np.concatenate(([0.0], 1.0 - km.upper)), p, R_TOLERANCE)
            got = r_quantile(km.time, km.surv, km.lower, km.upper, p)[2]
            assert got == full or (np.isnan(got) and np.isnan(full)), (trial, p)


def _banded_cases() -> list[tuple[np.ndarray, np.ndarray]]:
    """Curves of every kind: R's edge cases, small and large random samples with ties, heavy censoring,
    curves that reach 0, curves flat at exactly 0.5 and stepping over 0.5 by one death."""
    cases = [(_num(c["time"]), _num(c["event"])) for c in EDGE["cases"]]
    rng = np.random.default_rng(20261204)
    for k in range(60):
        n = int(rng.choice([3, 8, 40, 300, 5000, 60_000]))
        t = rng.exponential(10, n)
        if k % 3:
            t = np.round(t, int(rng.integers(0, 2)))
        e = (rng.random(n) < rng.choice([0.2, 0.6, 1.0])).astype(float)
        cases.append((t, e))
    cases.append((np.arange(1.0, 11.0), np.array([1, 1, 1, 1, 1, 0, 0, 0, 0, 0.0])))  # flat at 0.5
    cases.append((np.arange(1.0, 5.0), np.ones(4)))  # reaches 0.5 then 0
    return cases


@pytest.mark.parametrize("block", [1, 7, 64, median_ci.BLOCK])
@pytest.mark.parametrize("ct", ["log", "plain"])
def test_banded_quantile_equals_full_band(ct: str, block: int) -> None:
    """r_quantile_banded (the band computed only in the blocks that can hold the answer) gives
    r_quantile's numbers on the full band, bit for bit, for every probability and curve, with and without
    the envelope that lets it skip blocks (what kaplan_meier's median relies on); small blocks put block
    edges everywhere."""
    from spinemet.analysis.survival import band_envelope

    checked = 0
    for t, e in _banded_cases():
        if block < 64 and t.size > 5000:
            continue  # block edges everywhere on the smaller curves; the large ones at 64 and BLOCK
        km = kaplan_meier(t, e, ci_method=ct)
        for p in (0.1, 0.25, 0.5, 0.75, 0.9):
            full = r_quantile(km.time, km.surv, km.lower, km.upper, p)
            for envelope in (None, lambda i, j, km=km: band_envelope(km.surv, km.se_log, km._z, ct, i, j)):
                banded = median_ci.r_quantile_banded(
                    km.time,
                    km.surv,
                    lambda i, j, km=km: (km.lower[i:j], km.upper[i:j]),
                    p,
                    envelope=envelope,
                    block=block,
                )
                np.testing.assert_array_equal(
                    np.array(banded), np.array(full), err_msg=f"p={p}, n={t.size}, {envelope}"
                )
                checked += 1
        whole = r_quantile(km.time, km.surv, km.lower, km.upper, 0.5)
        np.testing.assert_array_equal(np.array((km.median, *km.median_ci)), np.array(whole))
    assert checked > (300 if block >= 64 else 200)


@pytest.mark.parametrize("ct", ["log", "plain"])
def test_banded_quantile_computes_the_band_near_the_answer_only(ct: str) -> None:
    """With the envelope, a curve of 10^6 points has its band computed in a few blocks around the
    crossings (not along the whole curve), and the answer is still the full band's."""
    from spinemet.analysis.survival import band_envelope

    rng = np.random.default_rng(5)
    t = rng.exponential(10, 1_000_000)
    e = (rng.random(t.size) < 0.7).astype(float)
    km = kaplan_meier(t, e, ci_method=ct)
    computed: list[int] = []

    def band(i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        computed.append(j - i)
        return km.lower[i:j], km.upper[i:j]

    got = median_ci.r_quantile_banded(
        km.time, km.surv, band, 0.5, envelope=lambda i, j: band_envelope(km.surv, km.se_log, km._z, ct, i, j)
    )
    assert got == r_quantile(km.time, km.surv, km.lower, km.upper, 0.5)
    assert 0 < sum(computed) <= 8 * median_ci.BLOCK, sum(computed)
