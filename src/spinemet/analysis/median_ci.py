"""Survival-time quantiles (the median and others) with confidence intervals, two ways.

* :func:`r_quantile` - R ``survival::quantile.survfit`` (survival 3.5): the quantile is where the KM curve
  first reaches ``1 - p``; the CI limits are where the pointwise lower and upper confidence bands reach it.
  Flat stretches exactly at the target give the midpoint of the stretch (R's ``findq`` with tolerance
  ``sqrt(.Machine$double.eps)``), and a curve that ends exactly on the target gives the midpoint between
  that time and the last follow-up time.
* :func:`spss_quantile` - IBM SPSS ``KM`` "Means and Medians for Survival Time": the first event time
  with ``S(t) <= 1 - p``; SE = Greenwood SE of S there divided by the density estimate
  ``f = (S(u) - S(l)) / (l - u)``, ``u`` = the last event time with ``S >= 1 - p + 0.05``, ``l`` = the first
  event time with ``S <= 1 - p - 0.05`` (Collett, Modelling Survival Data in Medical Research, 3rd ed.
  2015, secs 2.4-2.5, se{t(p)}; Klein & Moeschberger 2003, practical notes to sec. 4.5); CI =
  estimate +/- 1.96 SE. Reproduces SPSS 31 (Windows) and SPSS for macOS output to ~1e-12 (reference
  data in ``tests/data/spss``, a copy of the shared reference spss-km; test in
  ``tests/analysis/test_spss_median.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["SPSS_TOLERANCE", "r_quantile", "r_quantile_banded", "spss_quantile"]

R_TOLERANCE = float(np.sqrt(np.finfo(float).eps))  # R: sqrt(.Machine$double.eps)
SPSS_TOLERANCE = 1e-10  # inclusive threshold comparisons (S = 0.55 computes as 0.5499999999999996)
_SPSS_WINDOW = 0.05


def _first_at_or_above(xs: np.ndarray, p: float) -> int | None:
    """R ``approx(xs, seq_along(xs), p, method="constant", f=1)`` on de-duplicated ``xs``: the (first)
    position of the smallest value >= p; None (R's NA) if p is outside [min(xs), max(xs)]."""
    candidates = np.where(xs >= p, xs, np.inf)  # NaN compares False
    smallest = candidates.min()
    if smallest == np.inf or (p < xs[0] and p < np.fmin.reduce(xs)):
        return None
    return int(np.argmax(candidates == smallest))


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float, y_full: np.ndarray | None = None) -> float:
    """R's ``survival:::findq`` for one probability ``p``, in O(len(x)) without sorting.

    ``x`` = c(start, times); ``y`` = c(0, 1 - S) (may hold NaN where a band is undefined). R first drops
    repeated y values (keeping the first), then interpolates "constant, f = 1" on y +/- tol: that picks the
    first occurrence of the smallest y +/- tol >= p, which de-duplication does not change; the quantile is
    the mean of the two x there. Only the "curve ends on p" rule needs the last de-duplicated value; when
    ``x``/``y`` are a window of the curve (see :func:`r_quantile`), ``y_full`` is the whole curve for it.
    """
    nan = float("nan")
    ymax = np.fmax.reduce(y)  # ignores NaN; NaN only if all are NaN
    if np.isnan(ymax) or ymax < p:
        return nan
    if p == 0:
        return float(x[0])
    i1 = _first_at_or_above(y + tol, p)
    i2 = _first_at_or_above(y - tol, p)
    if np.any(np.abs(p - y) < tol):  # rare: some y within tol of p, so check R's `lastpt` rule exactly
        whole = y if y_full is None else y_full
        _, first = np.unique(whole, return_index=True)  # duplicated(y); NaNs count as one value
        last = whole[first.max()]
        if not np.isnan(last) and abs(p - last) < tol:
            return nan if i1 is None else float((x[i1] + x[-1]) / 2)
    if i1 is None or i2 is None:
        return nan
    return float((x[i1] + x[i2]) / 2)


def _findq_monotone(x: np.ndarray, y: np.ndarray, p: float, tol: float) -> float:
    """:func:`_findq` for a non-decreasing ``y`` without NaN (the KM estimate itself): binary search to a
    small window around p, then R's arithmetic (y +/- tol) inside it. Same result, O(log n)."""
    n = y.size
    if y[-1] < p:
        return float("nan")
    if p == 0:
        return float(x[0])
    j0 = int(np.searchsorted(y, p - 4 * tol, side="left"))  # before j0: y + tol < p
    j1 = int(np.searchsorted(y, p + 4 * tol, side="right"))  # from j1 on: y - tol > p
    window = y[j0 : min(j1 + 1, n)]

    def first(shift: float) -> int | None:
        xs = window + shift
        if p < y[0] + shift:  # R: NA below the range
            return None
        hit = np.flatnonzero(xs >= p)
        return None if hit.size == 0 else j0 + int(hit[0])

    i1 = first(tol)
    i2 = first(-tol)
    if abs(p - y[-1]) < tol:  # curve ends on p: midpoint to the last follow-up time
        return float("nan") if i1 is None else float((x[i1] + x[-1]) / 2)
    if i1 is None or i2 is None:
        return float("nan")
    return float((x[i1] + x[i2]) / 2)


def r_quantile(
    time: np.ndarray,
    surv: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    p: float,
    start: float = 0.0,
    tol: float = R_TOLERANCE,
) -> tuple[float, float, float]:
    """(quantile, lower, upper) of the survival time for probability ``p`` as R's ``quantile.survfit``.

    ``time`` are all distinct follow-up times of the curve (event and censoring), ``surv``/``lower``/``upper``
    the KM estimate and its pointwise band there. ``p = 0.5`` gives the median. NaN = not reached.
    """
    x = np.concatenate(([start], time))
    y_est = np.concatenate(([0.0], 1.0 - surv))
    # the estimate is non-increasing, so 1 - S is sorted: binary search
    estimate = _findq_monotone(x, y_est, p, tol)
    y_lower = np.concatenate(([0.0], 1.0 - lower))
    # The upper band is >= S (or NaN) in every conf.type, so 1 - upper <= 1 - S: before the first point
    # where 1 - S reaches p - tol no value of 1 - upper is within tol of p or above it, and R's search
    # over the whole band finds the same points in the window that starts there. The first point (0, 0)
    # is kept so the range checks are unchanged; the "ends on p" rule looks at the whole band.
    k = max(int(np.searchsorted(y_est, p - tol, side="left")), 1)
    y_upper = np.concatenate(([0.0], 1.0 - upper))
    upper_q = _findq(np.concatenate((x[:1], x[k:])), np.concatenate((y_upper[:1], y_upper[k:])), p, tol,
                     y_full=y_upper)
    return estimate, _findq(x, y_lower, p, tol), upper_q


def r_quantile_banded(
    time: np.ndarray,
    surv: np.ndarray,
    band: Callable[[int, int], tuple[np.ndarray, np.ndarray]],
    p: float,
    start: float = 0.0,
    tol: float = R_TOLERANCE,
) -> tuple[float, float, float]:
    """:func:`r_quantile` computing the pointwise band only where the answer can lie (large curves).

    ``band(i, j)`` returns ``(lower[i:j], upper[i:j])``; it must satisfy lower <= surv <= upper element by
    element in floating point, as R's "log" and "plain" bands do (``S / f`` and ``min(S f, 1)`` with
    ``f = exp(z se) >= 1``; ``max(S - z se S, 0)``). The result equals ``r_quantile(time, surv,
    *band(0, n), p)``:

    * upper limit: before the point where 1 - S reaches p - tol no value of 1 - upper qualifies (as in
      :func:`r_quantile`), so the band is computed from there on only;
    * lower limit: 1 - lower >= 1 - S, and 1 - S is sorted, so from the first point where 1 - S >= m every
      value of 1 - lower is >= m. The band is computed up to where 1 - S exceeds the best candidates found
      (R takes the first occurrence of the smallest value >= p, after adding and subtracting ``tol``), so
      no later value can be smaller; ties go to the earlier point, as in R.
    * a value within ``tol`` of p (R's "curve ends on p" check needs the whole band), a window without a
      candidate, or ``p`` within ``2 tol`` of 0 or 1: the whole band, as :func:`r_quantile`.
    """
    n = time.size

    def whole() -> tuple[float, float, float]:
        lower, upper = band(0, n)
        return r_quantile(time, surv, lower, upper, p, start, tol)

    if not 2 * tol < p < 1 - 4 * tol:
        return whole()
    x = np.concatenate(([start], time))
    y_est = np.concatenate(([0.0], 1.0 - surv))
    estimate = _findq_monotone(x, y_est, p, tol)
    # upper limit: the band from the first point where 1 - S reaches p - tol (point 0 kept, as r_quantile)
    k = max(int(np.searchsorted(y_est, p - tol, side="left")), 1)
    if k > n:
        return whole()
    y_up = np.concatenate(([0.0], 1.0 - band(k - 1, n)[1]))
    if np.any(np.abs(p - y_up) < tol):
        return whole()
    upper_q = _findq(np.concatenate((x[:1], x[k:])), y_up, p, tol)
    # lower limit: grow the window [0, j) of 1 - lower until 1 - S beyond it cannot beat its candidates
    j = int(np.searchsorted(y_est, p + 2 * tol, side="left"))
    y_lo = np.zeros(1)  # 1 - lower at points [0, len(y_lo)); grown as j grows
    while j <= n:
        if j > y_lo.size:
            y_lo = np.concatenate((y_lo, 1.0 - band(y_lo.size - 1, j - 1)[0]))
        if np.any(np.abs(p - y_lo) < tol):
            return whole()
        i1 = _first_at_or_above(y_lo + tol, p)
        i2 = _first_at_or_above(y_lo - tol, p)
        if i1 is None or i2 is None:
            return whole()
        c1, c2 = y_lo[i1] + tol, y_lo[i2] - tol
        m = y_est[j]  # every later 1 - lower is >= m (1 - S is non-decreasing)
        if m + tol >= c1 and m - tol >= c2:
            return estimate, float((x[i1] + x[i2]) / 2), upper_q
        j = max(j + 1, int(np.searchsorted(y_est, max(c1, c2 + 2 * tol), side="left")))
    return whole()


def spss_quantile(
    event_time: np.ndarray,
    surv: np.ndarray,
    se_surv: np.ndarray,
    p: float,
    z: float = 1.96,
    tol: float = SPSS_TOLERANCE,
) -> tuple[float, float, float, float]:
    """(estimate, SE, lower, upper) of the survival-time quantile ``p`` as SPSS ``KM`` prints it.

    ``event_time``/``surv``/``se_surv``: the KM estimate and its Greenwood SE at the event times only.
    Not reached -> all NaN. When no event time has ``S <= 1 - p - 0.05`` the SE (and CI) is NaN; when no
    event time has ``S >= 1 - p + 0.05`` the start of the curve (t = 0, S = 1) is used for ``u`` - neither
    case is covered by the SPSS reference output.
    """
    nan = float("nan")
    target = 1.0 - p
    hit = np.flatnonzero(surv <= target + tol)
    if hit.size == 0:
        return nan, nan, nan, nan
    i = int(hit[0])
    estimate = float(event_time[i])
    above = np.flatnonzero(surv >= target + _SPSS_WINDOW - tol)
    below = np.flatnonzero(surv <= target - _SPSS_WINDOW + tol)
    if below.size == 0:
        return estimate, nan, nan, nan
    if above.size:
        t_u, s_u = float(event_time[above[-1]]), float(surv[above[-1]])
    else:
        t_u, s_u = 0.0, 1.0
    t_l, s_l = float(event_time[below[0]]), float(surv[below[0]])
    if t_l == t_u:
        return estimate, nan, nan, nan
    density = (s_u - s_l) / (t_l - t_u)
    se = float(se_surv[i]) / density
    return estimate, se, estimate - z * se, estimate + z * se
