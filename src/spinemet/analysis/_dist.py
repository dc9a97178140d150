"""Distribution functions and ranks the analyses need, from ``scipy.special`` and numpy only.

``scipy.stats`` takes ~0.6 s to import, most of a cold ``spinemet report``; these are the same special
functions ``scipy.stats`` calls (scipy 1.17 ``_continuous_distns``: ``norm._cdf = ndtr``,
``norm._ppf = ndtri``, ``chi2._sf = chdtrc``, ``t._cdf = stdtr``, ``t._ppf = stdtrit``;
``hypergeom._logpmf`` from ``betaln``), so the numbers are those of ``scipy.stats`` (tested in
tests/analysis/test_dist.py) and hence of R's ``pnorm``/``qnorm``/``pchisq``/``pt``/``qt``/``dhyper``.
``scipy.special`` itself (~0.2 s, its array-API layer) is imported on first use, not with the module.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

__all__ = [
    "chi2_sf",
    "hypergeom_logpmf",
    "norm_cdf",
    "norm_ppf",
    "norm_sf",
    "norm_two_sided_p",
    "rank_average",
    "t_ppf",
    "t_two_sided_p",
    "wilcox_rank_sum_cdf",
]


def _special() -> ModuleType:
    from scipy import special  # deferred: see the module docstring

    return special


def norm_cdf(x: float) -> float:
    """Standard normal P(Z <= x) (R ``pnorm(x)``)."""
    return float(_special().ndtr(x))


def norm_sf(x: float) -> float:
    """Standard normal P(Z > x) (R ``pnorm(x, lower.tail=FALSE)``); as ``scipy.stats.norm.sf``."""
    return float(_special().ndtr(-x))


def norm_ppf(q: float) -> float:
    """Standard normal quantile (R ``qnorm(q)``)."""
    return float(_special().ndtri(q))


def norm_two_sided_p(z: np.ndarray) -> np.ndarray:
    """Two-sided normal p for an array of z, 2 P(Z > |z|) (R ``2 * pnorm(-abs(z))``)."""
    return 2.0 * _special().ndtr(-np.abs(z))


def chi2_sf(x: float, df: float) -> float:
    """Chi-square upper tail P(X > x) on ``df`` degrees of freedom (R ``pchisq(x, df, lower.tail=FALSE)``)."""
    return float(_special().chdtrc(df, x))


def t_ppf(q: float, df: float) -> float:
    """Student t quantile (R ``qt(q, df)``)."""
    return float(_special().stdtrit(df, q))


def t_two_sided_p(t: float, df: float) -> float:
    """Two-sided p of a t statistic, 2 P(T > |t|) (R ``2 * pt(-abs(t), df)``)."""
    return float(2.0 * _special().stdtr(df, -abs(t)))


def rank_average(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their average rank (R ``rank()``; ``scipy.stats.rankdata``)."""
    v = np.asarray(values, dtype=np.float64)
    n = v.size
    order = np.argsort(v, kind="mergesort")
    sv = v[order]
    new = np.empty(n, dtype=bool)
    new[:1] = True
    np.not_equal(sv[1:], sv[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)  # exclusive
    avg = (starts + 1 + ends) / 2.0  # mean of the ranks starts+1 .. ends
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = np.repeat(avg, ends - starts)
    return ranks


def hypergeom_logpmf(k: np.ndarray, total: int, good: int, draws: int) -> np.ndarray:
    """log P(K = k) drawing ``draws`` from ``total`` with ``good`` successes (R ``dhyper(log=TRUE)``);
    the formula of ``scipy.stats.hypergeom._logpmf``."""
    k = np.asarray(k, dtype=np.float64)
    bad = total - good
    special = _special()
    return (
        special.betaln(good + 1, 1) + special.betaln(bad + 1, 1)
        + special.betaln(total - draws + 1, draws + 1)
        - special.betaln(k + 1, good - k + 1) - special.betaln(draws - k + 1, bad - draws + k + 1)
        - special.betaln(total + 1, 1)
    )  # fmt: skip


def wilcox_rank_sum_cdf(nx: int, ny: int) -> np.ndarray:
    """P(W <= w) for w = 0 .. nx*ny under H0, W the Mann-Whitney statistic (R ``pwilcox(w, nx, ny)``).

    Counts by R's recurrence (``cwilcox``), additions only: with k values of x and l of y, the largest
    value is an x (beating all l y's: W shifted by l) or a y, so c(k, l)[w] = c(k-1, l)[w-l] + c(k, l-1)[w].
    """
    m, n = min(nx, ny), max(nx, ny)
    size = m * n + 1
    c = np.zeros((m + 1, size), dtype=np.float64)
    c[:, 0] = 1.0  # l = 0: W = 0 whatever k
    for ell in range(1, n + 1):  # O(m n) vector additions; the exact test is used only below 50 per group
        for k in range(1, m + 1):
            c[k, ell:] += c[k - 1, : size - ell]
    cdf = np.cumsum(c[m])
    return cdf / cdf[-1]
