"""spinemet.analysis.concordance against R's survival::concordance (tests/r/cox_concordance.R)."""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.concordance import concordance
from spinemet.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
R_DIR = ROOT / "tests" / "data" / "r"
DS = ROOT / "tests" / "data" / "datasets"
REF = json.loads((R_DIR / "concordance_datasets.json").read_text())


def _inputs(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ds, col = {
        "lung_age": ("lung", "age"), "lung_ecog": ("lung", "ph.ecog"), "lung_karno": ("lung", "ph.karno"),
        "veteran_karno": ("veteran", "karno"), "ovarian_age": ("ovarian", "age"),
        "pbc_bili": ("pbc", "bili"), "pbc_albumin": ("pbc", "albumin"),
    }[key]
    d = pd.read_csv(DS / f"{ds}.csv")
    if ds == "lung":
        return d["time"].to_numpy(), (d["status"] - 1).to_numpy(), d[col].to_numpy()
    if ds == "pbc":
        return d["time"].to_numpy(), (d["status"] == 2).astype(int).to_numpy(), d[col].to_numpy()
    if ds == "ovarian":
        return d["futime"].to_numpy(), d["fustat"].to_numpy(), d[col].to_numpy()
    return d["time"].to_numpy(), d["status"].to_numpy(), d[col].to_numpy()


def _check(res, ref: dict) -> None:
    assert res.c == pytest.approx(ref["c"], rel=1e-9)
    assert res.se == pytest.approx(ref["se"], rel=1e-6)
    cnt = ref["count"]
    assert (res.concordant, res.discordant, res.tied_x, res.tied_y, res.tied_xy) == (
        cnt["concordant"], cnt["discordant"], cnt["tied.x"], cnt["tied.y"], cnt["tied.xy"])
    assert res.n == ref["n"]


@pytest.mark.parametrize("key", sorted(REF))
def test_concordance_matches_r(key: str) -> None:
    """C, infinitesimal-jackknife SE (sqrt(fit$var)) and the five pair counts (fit$count).

    R: concordance(Surv(time, status) ~ age, data = lung); ~ ph.ecog, reverse = TRUE; ~ ph.karno;
    concordance(Surv(time, status) ~ karno, data = veteran);
    concordance(Surv(futime, fustat) ~ age, data = ovarian, reverse = TRUE);
    concordance(Surv(time, status == 2) ~ bili, data = pbc, reverse = TRUE); ~ albumin
    (each fixture's ``call``).
    """
    ref = REF[key]
    t, e, x = _inputs(key)
    _check(concordance(t, e, x, reverse=ref["reverse"]), ref)


def test_reverse_is_one_minus_c() -> None:
    """R: concordance(Surv(time, status) ~ age, data = lung) gives C; reverse = TRUE gives 1 - C, same SE."""
    ref = REF["lung_age"]
    t, e, x = _inputs("lung_age")
    rev = concordance(t, e, x, reverse=True)
    assert rev.c == pytest.approx(1 - ref["c"], rel=1e-9)
    assert rev.se == pytest.approx(ref["se"], rel=1e-6)
    assert rev.concordant == ref["count"]["discordant"]
    assert not rev.higher_is_better


def test_ci_is_wald() -> None:
    """R: concordance(Surv(time, status) ~ ph.karno, data = lung): C -/+ qnorm(0.975) * sqrt(var)."""
    ref = REF["lung_karno"]
    res = concordance(*_inputs("lung_karno"))
    assert res.ci[0] == pytest.approx(ref["c"] - 1.959963984540054 * ref["se"], rel=1e-6)
    assert res.ci[1] == pytest.approx(ref["c"] + 1.959963984540054 * ref["se"], rel=1e-6)


def test_demo_cohort_scores() -> None:
    """R: concordance(Surv(survival_months, dead) ~ tokuhashi, data = demo) and ~ sins
    (the demo data are copied into the fixture)."""
    path = R_DIR / "concordance_demo.json"
    if not path.exists():
        pytest.skip("demo fixture not generated")
    demo = json.loads(path.read_text())
    d = demo["data"]
    for score in ("tokuhashi", "sins"):
        _check(concordance(d["time"], d["event"], d[score]), demo[score])


def _brute(t, e, x):
    conc = disc = tx = ty = txy = 0
    for i, j in combinations(range(len(t)), 2):
        if t[j] < t[i] or (t[j] == t[i] and e[j] and not e[i]):
            i, j = j, i
        if not e[i]:
            continue
        if t[i] == t[j] and e[j]:
            if x[i] == x[j]:
                txy += 1
            else:
                ty += 1
        elif x[i] < x[j]:
            conc += 1
        elif x[i] > x[j]:
            disc += 1
        else:
            tx += 1
    return conc, disc, tx, ty, txy


def test_counts_equal_brute_force_with_heavy_ties() -> None:
    """Pair definitions as R's concordance(): the O(n log n) counts equal an O(n^2) enumeration."""
    rng = np.random.default_rng(7)
    for n in (2, 5, 40, 157):
        t = rng.integers(0, 12, n).astype(float)
        e = rng.integers(0, 2, n)
        x = rng.integers(0, 5, n).astype(float)
        if not e.any():
            e[0] = 1
        res = concordance(t, e, x)
        assert (res.concordant, res.discordant, res.tied_x, res.tied_y, res.tied_xy) == _brute(t, e, x)


def _brute_matrix(t, e, x):
    """O(n^2) counts and R's IJ standard error by broadcasting (the definitions, written out)."""
    ti, tj = t[:, None], t[None, :]
    comparable = e[:, None].astype(bool) & ((tj > ti) | ((tj == ti) & ~e[None, :].astype(bool)))
    conc = comparable & (x[:, None] < x[None, :])
    disc = comparable & (x[:, None] > x[None, :])
    tie = comparable & (x[:, None] == x[None, :])
    c_i = conc.sum(1) + conc.sum(0)
    d_i = disc.sum(1) + disc.sum(0)
    t_i = tie.sum(1) + tie.sum(0)
    npair = conc.sum() + disc.sum() + tie.sum()
    somer = (conc.sum() - disc.sum()) / npair
    dfbeta = (c_i - d_i) / npair - somer / npair * (c_i + d_i + t_i)
    return conc.sum(), disc.sum(), tie.sum(), (somer + 1) / 2, np.sqrt(np.sum(dfbeta**2) / 4)


@pytest.mark.parametrize("n", [1000, 2500])
def test_large_n_counts_and_se_equal_direct_formula(n: int) -> None:
    """R's concordancefit() variance: dfbeta_i = ((c_i - d_i) - d (c_i + d_i + t_i)) / npair,
    var = sum(dfbeta^2) / 4, computed here directly over all pairs (deep levels of the dyadic count)."""
    rng = np.random.default_rng(n)
    t = np.floor(rng.exponential(100, n))
    e = rng.integers(0, 2, n)
    x = np.round(rng.normal(size=n), 1)
    res = concordance(t, e, x)
    conc, disc, tie, c, se = _brute_matrix(t, e, x)
    assert (res.concordant, res.discordant, res.tied_x) == (conc, disc, tie)
    assert res.c == pytest.approx(c, rel=1e-12)
    assert res.se == pytest.approx(se, rel=1e-10)


def test_strata_only_pairs_within() -> None:
    """Strata as R's concordance(Surv(t, e) ~ x + strata(g)): counts are the sum of per-stratum counts."""
    rng = np.random.default_rng(3)
    t = rng.exponential(size=200)
    e = rng.integers(0, 2, 200)
    x = rng.normal(size=200)
    g = rng.integers(0, 3, 200)
    res = concordance(t, e, x, strata=g)
    parts = [concordance(t[g == k], e[g == k], x[g == k]) for k in range(3)]
    assert res.concordant == sum(p.concordant for p in parts)
    assert res.discordant == sum(p.discordant for p in parts)


def test_invalid_inputs() -> None:
    with pytest.raises(InvalidInputError, match=r"event: got 2\.0"):
        concordance([1, 2], [1, 2], [1, 2])
    with pytest.raises(InvalidInputError, match="equal length"):
        concordance([1, 2], [1, 0], [1])
    with pytest.raises(InvalidInputError, match="comparable pair"):
        concordance([1, 2], [0, 0], [1, 2])


def test_shared_time_order_gives_the_same_result() -> None:
    """Several scores sharing one time_order (as the report's five C-indices do) get exactly the counts
    and SE of separate calls, also when each score has its own missing rows and times are tied."""
    from spinemet.analysis.concordance import time_order

    rng = np.random.default_rng(7)
    n = 2_000
    t = np.round(rng.exponential(10.0, n), 0)
    e = (rng.random(n) < 0.7).astype(float)
    t[5] = np.nan
    order = time_order(t, e)
    for reverse in (False, True):
        x = rng.integers(0, 15, n).astype(float)
        x[rng.random(n) < 0.1] = np.nan
        alone = concordance(t, e, x, reverse=reverse)
        shared = concordance(t, e, x, reverse=reverse, time_order=order)
        assert shared == alone
    with pytest.raises(InvalidInputError, match="time_order"):
        concordance(t[:10], e[:10], x[:10], time_order=order)


@pytest.mark.parametrize("seed", range(8))
def test_prefix_counts_few_values_equal_wavelet(seed: int) -> None:
    """The prefix counts by one cumulative sum per value (scores with few values) equal the wavelet
    matrix's, queries at 0 and n and bounds at the lowest and highest value included."""
    import importlib

    conc = importlib.import_module("spinemet.analysis.concordance")
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(1, 400)), int(rng.integers(1, conc._FEW_VALUES + 1))
    b = rng.integers(0, k, n)
    q = int(rng.integers(1, 300))
    a = rng.integers(0, n + 1, q)
    bound = rng.integers(0, k, q)
    few = conc._prefix_count_few(b, k, a, bound)
    wavelet = conc._prefix_count_wavelet(b, k, a, bound)
    brute = (np.array([(b[: a_] < v).sum() for a_, v in zip(a, bound, strict=True)]),
             np.array([(b[: a_] <= v).sum() for a_, v in zip(a, bound, strict=True)]))  # fmt: skip
    for got in (few, wavelet):
        np.testing.assert_array_equal(got[0], brute[0])
        np.testing.assert_array_equal(got[1], brute[1])
