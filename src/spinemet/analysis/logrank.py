"""Log-rank family tests comparing survival between groups (e.g. by Tokuhashi band or treatment).

* :func:`logrank` - R ``survival::survdiff(Surv(time, event) ~ group, rho=rho)``: the G-rho family of
  Harrington & Fleming (1982) with weight ``S(t-)^rho`` (pooled Kaplan-Meier just before t); ``rho=0`` is the
  log-rank (Mantel-Haenszel) test, ``rho=1`` the Peto & Peto modification of the Gehan-Wilcoxon test.
* :func:`wilcoxon` - Gehan-Breslow generalised Wilcoxon test: weight ``n(t)`` (number at risk), the test
  SPSS ``KM /TEST=BRESLOW`` reports.
* :func:`pairwise_logrank` - every pair of groups tested on its own data (as ``survminer::pairwise_survdiff``
  = ``survdiff`` on each pair) with R's ``p.adjust`` (default Holm).
* :func:`logrank_trend` - test for trend over ordered groups:
  ``(sum_j s_j (O_j - E_j))^2 / (s' V s)`` on 1 df from the survdiff observed, expected and variance.

For group j at each distinct event time t with d events among n at risk (n_j in group j), weight w(t):
O_j = sum w d_j, E_j = sum w d n_j / n, V_jk = sum w^2 d (n - d) / (n - 1) * n_j/n (delta_jk - n_k/n) (for
n > 1); chi2 = (O - E)' V^- (O - E) over the groups with E > 0, dropping the first, df = groups - 1.
Censorings at t are still at risk at t. Times within rounding error of each other are one time (R's
``timefix``, see :func:`spinemet.analysis._validate.timefix`). The core is vectorised: ``bincount`` over
(time, group) cells on integer keys (times on a decimal grid) or after one argsort, and cumulative sums
(no Python loop over observations).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from spinemet.analysis._dist import chi2_sf
from spinemet.analysis._validate import (
    TIMEFIX_TOLERANCE,
    as_event,
    as_group,
    as_time,
    check_same_length,
    timefix_sorted,
)
from spinemet.analysis.survival import _discrete_keys
from spinemet.errors import InvalidInputError

__all__ = [
    "P_ADJUST_METHODS",
    "LogRankResult",
    "TrendResult",
    "logrank",
    "logrank_trend",
    "p_adjust",
    "pairwise_logrank",
    "wilcoxon",
]

P_ADJUST_METHODS = ("holm", "bonferroni", "BH", "none")


@dataclass(frozen=True, eq=False)
class LogRankResult:
    """Result of a k-group log-rank family test. Per-group arrays follow :attr:`groups` (sorted labels)."""

    groups: np.ndarray
    n: np.ndarray
    observed: np.ndarray
    expected: np.ndarray
    variance: np.ndarray  # k x k covariance matrix of O - E (R survdiff's $var)
    chi2: float
    df: int
    p: float
    method: str
    rho: float

    @property
    def table(self) -> pd.DataFrame:
        """group, n, observed, expected, (O-E)^2/E, (O-E)^2/V as R's ``print(survdiff(...))``."""
        oe = self.observed - self.expected
        with np.errstate(divide="ignore", invalid="ignore"):
            return pd.DataFrame(
                {
                    "group": self.groups,
                    "n": self.n,
                    "observed": self.observed,
                    "expected": self.expected,
                    "oe2_e": oe**2 / self.expected,
                    "oe2_v": oe**2 / np.diag(self.variance),
                }
            )

    def trend(self, scores: Sequence[float] | Mapping[Any, float] | None = None) -> TrendResult:
        """Test for trend over the ordered groups from this result's O, E and V (weighted when rho > 0);
        see :func:`logrank_trend`. Saves recounting the data when both tests are wanted."""
        return _trend(self, scores)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "rho": self.rho,
            "chi2": self.chi2,
            "df": self.df,
            "p": self.p,
            "groups": self.groups.tolist(),
            "n": self.n.tolist(),
            "observed": self.observed.tolist(),
            "expected": self.expected.tolist(),
            "variance": self.variance.tolist(),
        }


@dataclass(frozen=True)
class TrendResult:
    """Log-rank test for trend: statistic U = sum s (O - E), its variance s'Vs, chi2 = U^2 / s'Vs on 1 df.

    When s'Vs = 0 (no events, or no event time with more than one scored group at risk) the statistic is
    0/0: ``chi2`` and ``p`` are NaN and ``note`` says why (R computes the same 0/0 = NaN from survdiff).
    """

    groups: tuple[Any, ...]
    scores: tuple[float, ...]
    u: float
    variance: float
    chi2: float
    df: int
    p: float
    note: str = ""


def _inputs(time: Any, event: Any, group: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    t = as_time(time, "time")
    e = as_event(event, "event")
    codes, labels = as_group(group, "group")
    check_same_length(time=t, event=e, group=codes)
    return t, e, codes, labels


def _risk_event_table(
    t: np.ndarray, e: np.ndarray, codes: np.ndarray, k: int, timefix: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(at risk, events) per group (rows) and distinct event time (columns), with their column totals
    n (at risk) and d (events); float64, C-contiguous.

    Times on a decimal grid are binned directly (no sort); otherwise one argsort of the times, ties found
    with a diff mask on the sorted times (no ``np.unique``). Binned or tied times: ``bincount`` over
    (group, time index) cells and a reverse cumulative sum along each group's row; times without events
    are dropped (they do not enter the statistics). Untied times (continuous data): every sorted position
    is one subject, so the at-risk counts at the event positions come from one cumulative count per group
    and n = (subjects) - position, d = 1, with no n x k table at all.
    """
    grid = _discrete_keys(t, k)
    if grid is not None and timefix and float(t.max()) * grid[1] * TIMEFIX_TOLERANCE >= 1.0:
        grid = None  # grid spacing could be within R's timefix tolerance: take the sorted path
    if grid is None:
        order = np.argsort(t)
        st = t[order]
        if timefix:  # R's timefix on the sorted times (O(n)); ties it creates take the tied path
            st = timefix_sorted(st)
        new = np.empty(st.size, dtype=bool)
        new[0] = True
        np.not_equal(st[1:], st[:-1], out=new[1:])
        nt = int(np.count_nonzero(new))
        if nt == st.size:  # small dtypes: the gathers and per-group passes move 1 byte per subject
            small = codes.astype(np.int8) if k <= 127 else codes
            return _untied_table(small[order], (e > 0)[order], k)
        cs = codes[order]
        index = np.cumsum(new)
        index -= 1
        cell = cs * nt
        cell += index
        ev = e[order]
    else:  # times on a decimal grid (days, months to 0.01)
        nt = int(grid[0].max()) + 1
        cell = codes * nt
        cell += grid[0]
        ev = e
    count = np.bincount(cell, minlength=nt * k).reshape(k, nt).astype(np.float64)
    events = np.bincount(cell, weights=ev, minlength=nt * k).reshape(k, nt)  # e is 0/1
    risk = np.cumsum(count[:, ::-1], axis=1)[:, ::-1]
    d = events.sum(axis=0)
    cols = np.flatnonzero(d)
    risk = np.take(risk, cols, axis=1)
    return risk, np.take(events, cols, axis=1), risk.sum(axis=0), d[cols]


def _untied_table(
    cs: np.ndarray, es: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_risk_event_table` for distinct times: ``cs``/``es`` are group codes and events in time
    order. At sorted position i, group j has (size of j) - (members of j before i) at risk. The events
    table is bool (one event per column)."""
    cols = np.flatnonzero(es)
    g_ev = cs[cols]
    events = np.stack([g_ev == j for j in range(k)])  # bool: whose event each event position is
    risk = np.empty(events.shape)
    for j in range(k):  # k cumulative counts of length n (k groups, not a loop over observations)
        member = cs == j
        before = np.take(np.cumsum(member, dtype=np.int64), cols)  # members of j at positions <= the event
        before -= events[j]  # ... strictly before it
        np.subtract(np.count_nonzero(member), before, out=risk[j])
    n = (cs.size - cols).astype(np.float64)
    return risk, events, n, np.ones(cols.size)


def _oev(
    risk_g: np.ndarray, events: np.ndarray, n: np.ndarray, d: np.ndarray, weighting: str, rho: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted observed, expected and variance matrix (survdiff's C routine, vectorised).

    ``risk_g``/``events``: at risk and events (float, or bool when d = 1) per group (rows) and distinct
    event time (columns); ``n``,
    ``d`` their column sums. Sums of products over the event times use ``einsum``, not BLAS (``@``/``dot``):
    multi-threaded OpenBLAS on these narrow k x m shapes spent more time spinning threads than computing
    (log-rank at n = 1e6 took 2x the wall and CPU time).
    """
    k = risk_g.shape[0]
    w: np.ndarray | None
    if weighting == "fh":
        if rho == 0:
            w = None  # log-rank: unit weights, skip the multiplications
        else:
            km = np.cumprod(1.0 - d / n)
            w = np.concatenate(([1.0], km[:-1])) ** rho  # pooled KM just before t
    else:  # gehan
        w = n
    observed = events.sum(axis=1, dtype=np.float64) if w is None else np.einsum("jt,t->j", events, w)
    wd = d / n if w is None else w * d / n
    expected = np.einsum("jt,t->j", risk_g, wd)
    # kt = w^2 d (n - d) / (n (n - 1)), 0 when n = 1 (then d (n - d) = 0 too)
    kt = n - d
    kt *= d
    denom = n - 1.0
    denom *= n
    denom[denom == 0] = 1.0
    kt /= denom
    if w is not None:
        kt *= w * w
    # V = sum_t kt * (diag(n_j) - n_j n_k / n)
    ktn = kt / n
    variance = np.empty((k, k))
    for j in range(k):
        for m in range(j, k):
            variance[j, m] = variance[m, j] = -np.einsum("t,t,t->", risk_g[j], ktn, risk_g[m])
        variance[j, j] += np.einsum("t,t->", risk_g[j], kt)
    return observed, expected, variance


def _chi2(observed: np.ndarray, expected: np.ndarray, variance: np.ndarray) -> tuple[float, int, float]:
    keep = expected > 0
    df = int(keep.sum()) - 1
    if df < 1:
        return 0.0, df, float("nan")
    diff = (observed - expected)[keep][1:]
    vv = variance[np.ix_(keep, keep)][1:, 1:]
    try:
        sol = np.linalg.solve(vv, diff)
    except np.linalg.LinAlgError:
        sol = np.linalg.pinv(vv) @ diff
    stat = float(diff @ sol)
    return stat, df, chi2_sf(stat, df)


def _test(time: Any, event: Any, group: Any, weighting: str, rho: float, method: str,
          timefix: bool = True) -> LogRankResult:
    t, e, codes, labels = _inputs(time, event, group)
    k = labels.size
    if k < 2:
        raise InvalidInputError("group", f"{k} distinct value", "at least 2 distinct groups")
    observed, expected, variance = _oev(*_risk_event_table(t, e, codes, k, timefix), weighting, rho)
    stat, df, p = _chi2(observed, expected, variance)
    return LogRankResult(
        groups=labels,
        n=np.bincount(codes, minlength=k),
        observed=observed,
        expected=expected,
        variance=variance,
        chi2=stat,
        df=df,
        p=p,
        method=method,
        rho=float(rho),
    )


def _check_rho(rho: float) -> float:
    try:
        value = float(rho)
    except (TypeError, ValueError):
        raise InvalidInputError("rho", rho, "a finite number >= 0 (0 = log-rank, 1 = Peto-Peto)") from None
    if not np.isfinite(value) or value < 0:
        raise InvalidInputError("rho", rho, "a finite number >= 0 (0 = log-rank, 1 = Peto-Peto)")
    return value


def logrank(time: Any, event: Any, group: Any, *, rho: float = 0, timefix: bool = True) -> LogRankResult:
    """Log-rank (``rho=0``) or Peto-Peto (``rho=1``) test of equal survival across groups.

    Equals R ``survdiff(Surv(time, event) ~ group, rho=rho)``: ``observed``, ``expected``, ``variance``
    (``$obs``, ``$exp``, ``$var``; weighted when rho > 0, as R), ``chi2``, ``df`` and ``p``. Times that differ
    only by rounding error are one time (R's ``timefix``, default on); ``timefix=False`` compares exactly.
    """
    r = _check_rho(rho)
    method = "log-rank" if r == 0 else ("Peto-Peto" if r == 1 else f"Fleming-Harrington G(rho={r:g})")
    return _test(time, event, group, "fh", r, method, timefix)


def wilcoxon(time: Any, event: Any, group: Any) -> LogRankResult:
    """Gehan-Breslow generalised Wilcoxon test: the log-rank statistic with weight n(t), the number at risk
    (Gehan 1965; Breslow 1970; SPSS ``/TEST=BRESLOW``). Reference computed in R from survdiff's formula."""
    return _test(time, event, group, "gehan", 0.0, "Gehan-Breslow")


def _padjust(p: Sequence[float] | np.ndarray, method: str = "holm") -> np.ndarray:
    """R ``p.adjust(p, method)`` for ``holm``, ``bonferroni``, ``BH`` and ``none``."""
    if method not in P_ADJUST_METHODS:
        raise InvalidInputError("p_adjust", method, ", ".join(P_ADJUST_METHODS))
    pv = np.asarray(p, dtype=np.float64)
    n = pv.size
    if method == "none" or n == 0:
        return pv.copy()
    if method == "bonferroni":
        return np.minimum(1.0, n * pv)
    if method == "holm":
        o = np.argsort(pv, kind="stable")
        adj = np.minimum(1.0, np.maximum.accumulate((n - np.arange(n)) * pv[o]))
    else:  # BH
        o = np.argsort(pv, kind="stable")[::-1]
        i = np.arange(n, 0, -1)
        adj = np.minimum(1.0, np.minimum.accumulate(n / i * pv[o]))
    out = np.empty(n)
    out[o] = adj
    return out


p_adjust = _padjust


def pairwise_logrank(
    time: Any, event: Any, group: Any, *, rho: float = 0, p_adjust: str = "holm"
) -> pd.DataFrame:
    """Log-rank (or G-rho) test for every pair of groups, each on that pair's data only, with adjusted p.

    As ``survminer::pairwise_survdiff(Surv(time, event) ~ group, rho=rho, p.adjust.method=p_adjust)``.
    Columns: group1, group2, chi2, p, p_adjusted.
    """
    r = _check_rho(rho)
    if p_adjust not in P_ADJUST_METHODS:
        raise InvalidInputError("p_adjust", p_adjust, ", ".join(P_ADJUST_METHODS))
    t, e, codes, labels = _inputs(time, event, group)
    if labels.size < 2:
        raise InvalidInputError("group", f"{labels.size} distinct value", "at least 2 distinct groups")
    rows = []
    risk, events, _n, _d = _risk_event_table(t, e, codes, labels.size)
    for a, b in combinations(range(labels.size), 2):
        pair = [a, b]
        at = np.flatnonzero(events[a] + events[b])  # event times of this pair only (bool + bool = or)
        r2, e2 = risk[np.ix_(pair, at)], events[np.ix_(pair, at)].astype(np.float64)
        o, ex, v = _oev(r2, e2, r2.sum(axis=0), e2.sum(axis=0), "fh", r)
        stat, _df, p = _chi2(o, ex, v)
        rows.append((labels[a], labels[b], stat, p))
    out = pd.DataFrame(rows, columns=["group1", "group2", "chi2", "p"])
    out["p_adjusted"] = _padjust(out["p"].to_numpy(), p_adjust)
    return out


def logrank_trend(
    time: Any,
    event: Any,
    group: Any,
    *,
    scores: Sequence[float] | Mapping[Any, float] | None = None,
    rho: float = 0,
) -> TrendResult:
    """Log-rank test for trend across ordered groups (e.g. Tokuhashi bands 0-8 < 9-11 < 12-15).

    ``scores``: one number per group in sorted label order, or a mapping label -> score; default 1..k.
    Statistic: U = sum_j s_j (O_j - E_j), chi2 = U^2 / (s' V s), 1 df, with O, E, V from
    ``survdiff(..., rho=rho)`` (Collett 2015, ch. 2, test for trend). Reference computed in R from survdiff.
    Equal to ``logrank(time, event, group, rho=rho).trend(scores)``, which reuses a log-rank already run.
    """
    return logrank(time, event, group, rho=rho).trend(scores)


def _trend(
    result: LogRankResult, scores: Sequence[float] | Mapping[Any, float] | None
) -> TrendResult:
    labels = result.groups
    k = labels.size
    if scores is None:
        s = np.arange(1, k + 1, dtype=np.float64)
    elif isinstance(scores, Mapping):
        missing = [lab for lab in labels.tolist() if lab not in scores]
        if missing:
            raise InvalidInputError("scores", dict(scores), "a score for every group", f"missing {missing}")
        s = np.array([float(scores[lab]) for lab in labels.tolist()])
    else:
        s = np.asarray(scores, dtype=np.float64)
        if s.shape != (k,) or not np.all(np.isfinite(s)):
            raise InvalidInputError("scores", list(scores), f"{k} finite numbers (one per group, sorted)")
    observed, expected, variance = result.observed, result.expected, result.variance
    u = float(s @ (observed - expected))
    var = float(s @ variance @ s)
    note = ""
    if var > 0:
        stat = u * u / var
        p = chi2_sf(stat, 1)
    else:  # 0/0: nothing to test (R: survdiff obs = exp = 0, var = 0 -> NaN)
        stat = p = float("nan")
        reason = "no events" if not observed.any() else "no event time with two scored groups at risk"
        note = f"trend test undefined: {reason} (variance s'Vs = 0)"
    return TrendResult(
        groups=tuple(labels.tolist()),
        scores=tuple(s.tolist()),
        u=u,
        variance=var,
        chi2=stat,
        df=1,
        p=p,
        note=note,
    )
