"""Paired pre/post comparisons (Barthel index, VAS) as in the study's Results and Fig. 4.

Differences are ``post - pre`` (a Barthel gain is positive, a VAS relief is negative), the order of R's
``t.test(post, pre, paired = TRUE)`` and ``wilcox.test(post, pre, paired = TRUE)``. Only patients with both
values are used (``n_pairs``); the others are counted in ``n_missing``.

- Paired t-test and the t-based 95% CI of the mean difference: R ``t.test(paired = TRUE)``.
- Wilcoxon signed-rank test reproducing R ``wilcox.test(paired = TRUE)`` with its defaults
  (``exact = NULL, correct = TRUE``): zero differences are dropped (Wilcoxon's method); with fewer than 50
  non-zero differences and no ties and no zeros the exact null distribution is used; otherwise the normal
  approximation with tie-corrected variance and continuity correction. V = sum of the ranks of the positive
  differences. This is written here, not taken from ``scipy.stats.wilcoxon``, because scipy's automatic
  method choice and zero handling differ from R's across versions; the values are checked against R
  (tests/r/outcomes.R).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spinemet.analysis._dist import norm_cdf, norm_sf, rank_average, t_ppf, t_two_sided_p
from spinemet.analysis.descriptive import jsonable
from spinemet.errors import InvalidInputError

__all__ = [
    "PairedComparison",
    "WilcoxonResult",
    "paired_by_group",
    "paired_comparison",
    "wilcoxon_signed_rank",
]

T_METHOD = "paired t-test, difference post - pre (R t.test(post, pre, paired=TRUE))"
CI_METHOD = "t-based 95% CI of the mean difference (R t.test paired=TRUE conf.int)"


@dataclass(frozen=True)
class WilcoxonResult:
    """Wilcoxon signed-rank test as R ``wilcox.test(x, y, paired=TRUE)`` reports it."""

    statistic_v: float
    p: float
    n_nonzero: int
    n_zero: int
    ties: bool
    exact: bool
    method: str

    def to_dict(self) -> dict[str, Any]:
        return jsonable(self.__dict__)


def _as_float(values: Iterable[float]) -> np.ndarray:
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(
        values if isinstance(values, np.ndarray) else list(values)
    )
    if arr.dtype.kind in "biuf":
        return arr.astype(float)
    return pd.to_numeric(pd.Series(arr), errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _signed_rank_cdf(n: int) -> np.ndarray:
    """P(V <= v) for v = 0..n(n+1)/2 under H0 (R ``psignrank``): counts of subsets of 1..n by their sum."""
    top = n * (n + 1) // 2
    counts = np.zeros(top + 1, dtype=np.float64)
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[: top + 1 - k].copy()
    return np.cumsum(counts) / 2.0**n


def wilcoxon_signed_rank(x: Iterable[float], y: Iterable[float] | None = None) -> WilcoxonResult:
    """Two-sided Wilcoxon signed-rank test of ``x - y`` (or of ``x``), identical to R's ``wilcox.test``
    defaults (``paired=TRUE, exact=NULL, correct=TRUE``). Pairs with a missing value are dropped."""
    xa = _as_float(x)
    if y is not None:
        ya = _as_float(y)
        if ya.size != xa.size:
            raise InvalidInputError("y", f"{ya.size} values", f"as many values as x ({xa.size})")
    d = xa if y is None else xa - ya
    d = d[~np.isnan(d)]
    n_zero = int((d == 0).sum())
    d = d[d != 0]
    n = int(d.size)
    if n == 0:
        return WilcoxonResult(math.nan, math.nan, 0, n_zero, False, False, "not computable: no non-zero "
                              "differences")
    r = rank_average(np.abs(d))  # average ranks, as R rank()
    v = float(r[d > 0].sum())
    _, tie_counts = np.unique(r, return_counts=True)
    ties = bool((tie_counts > 1).any())
    exact = n < 50 and not ties and n_zero == 0
    if exact:
        cdf = _signed_rank_cdf(n)
        vi = round(v)
        # R: psignrank(V - 1, n, lower.tail = FALSE) above the centre, psignrank(V, n) below
        p = 1.0 - cdf[vi - 1] if v > n * (n + 1) / 4 else cdf[vi]
        p = min(2.0 * p, 1.0)
        method = "Wilcoxon signed-rank, exact (R wilcox.test paired=TRUE; n<50, no ties, no zeros)"
    else:
        z = v - n * (n + 1) / 4
        sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - float((tie_counts**3 - tie_counts).sum()) / 48)
        z = (z - math.copysign(0.5, z) * (z != 0)) / sigma if sigma > 0 else math.nan
        p = 2 * min(norm_cdf(z), norm_sf(z)) if not math.isnan(z) else math.nan
        reasons = [r for r, hit in (("n>=50", n >= 50), ("ties", ties), ("zeros", n_zero > 0)) if hit]
        why = ", ".join(reasons)
        method = (
            "Wilcoxon signed-rank, normal approximation with continuity correction, zeros dropped "
            f"(R wilcox.test paired=TRUE, correct=TRUE; {why})"
        )
    return WilcoxonResult(v, float(p), n, n_zero, ties, exact, method)


@dataclass(frozen=True)
class PairedComparison:
    """Pre/post summary and tests for one variable in one group."""

    variable: str
    group: str
    n: int
    n_pairs: int
    n_missing: int
    pre_mean: float
    post_mean: float
    pre_sd: float
    post_sd: float
    mean_difference: float
    sd_difference: float
    ci95: tuple[float, float]
    t: float
    df: float
    p_paired_t: float
    wilcoxon: WilcoxonResult
    t_method: str = T_METHOD
    ci_method: str = CI_METHOD
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def p_wilcoxon(self) -> float:
        return self.wilcoxon.p

    def to_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "wilcoxon"}
        out["difference"] = "post - pre"
        out["p_wilcoxon"] = self.wilcoxon.p
        out["wilcoxon_v"] = self.wilcoxon.statistic_v
        out["wilcoxon_method"] = self.wilcoxon.method
        out["wilcoxon_exact"] = self.wilcoxon.exact
        out["wilcoxon_n_zero"] = self.wilcoxon.n_zero
        return jsonable(out)


def paired_comparison(
    pre: Iterable[float], post: Iterable[float], *, variable: str = "", group: str = "all"
) -> PairedComparison:
    """Means, mean difference (post - pre) with 95% t CI, paired t-test and Wilcoxon signed-rank test."""
    a, b = _as_float(pre), _as_float(post)
    if a.size != b.size:
        raise InvalidInputError("post", f"{b.size} values", f"as many values as pre ({a.size})")
    ok = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[ok], b[ok]
    n_pairs = int(ok.sum())
    d = b - a
    notes: list[str] = []
    nan = math.nan
    t = df = p_t = nan
    ci = (nan, nan)
    sd_d = float(d.std(ddof=1)) if n_pairs > 1 else nan
    if n_pairs < 2:
        notes.append("paired t-test needs at least 2 pairs")
    elif sd_d == 0:
        notes.append("paired t-test not computable: all differences equal (R: data are essentially constant)")
    else:
        df = float(n_pairs - 1)
        se_d = sd_d / math.sqrt(n_pairs)  # R t.test(post, pre, paired=TRUE)
        t = float(d.mean()) / se_d
        p_t = t_two_sided_p(t, df)
        half = t_ppf(0.975, df) * se_d
        ci = (float(d.mean() - half), float(d.mean() + half))
    return PairedComparison(
        variable=variable,
        group=group,
        n=int(ok.size),
        n_pairs=n_pairs,
        n_missing=int(ok.size - n_pairs),
        pre_mean=float(a.mean()) if n_pairs else nan,
        post_mean=float(b.mean()) if n_pairs else nan,
        pre_sd=float(a.std(ddof=1)) if n_pairs > 1 else nan,
        post_sd=float(b.std(ddof=1)) if n_pairs > 1 else nan,
        mean_difference=float(d.mean()) if n_pairs else nan,
        sd_difference=sd_d,
        ci95=ci,
        t=t,
        df=df,
        p_paired_t=p_t,
        wilcoxon=wilcoxon_signed_rank(b, a),
        notes=tuple(notes),
    )


def paired_by_group(
    frame: pd.DataFrame,
    pre_col: str,
    post_col: str,
    by: str | pd.Series,
    *,
    levels: Iterable[str] | None = None,
    variable: str | None = None,
) -> dict[str, PairedComparison]:
    """:func:`paired_comparison` within each level of ``by`` (a column name or a Series aligned with
    ``frame``), in ``levels`` order (observed levels when ``levels`` is None). Patients with a missing group
    are left out of every group."""
    for col in (pre_col, post_col):
        if col not in frame.columns:
            raise InvalidInputError("column", col, ", ".join(map(str, frame.columns)))
    groups = frame[by] if isinstance(by, str) else pd.Series(by, index=frame.index)
    groups = groups.astype("object")
    order = list(levels) if levels is not None else sorted(groups.dropna().astype(str).unique())
    var = variable or pre_col.removesuffix("_pre")
    out: dict[str, PairedComparison] = {}
    keyed = groups.where(groups.isna(), groups.astype(str))
    for level in order:
        mask = (keyed == level).to_numpy()
        out[level] = paired_comparison(
            frame[pre_col].to_numpy()[mask], frame[post_col].to_numpy()[mask], variable=var, group=level
        )
    return out
