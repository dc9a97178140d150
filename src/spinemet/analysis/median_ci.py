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


def _findq_sorted(
    n: int, y_at: Callable[[int], float], x_at: Callable[[int], float], p: float, tol: float
) -> float:
    """:func:`_findq` for a non-decreasing ``y`` without NaN (the KM estimate itself), point i being
    (``x_at(i)``, ``y_at(i)``): R's first hits (``y + tol >= p``, ``y - tol >= p``) found by bisection on
    the same float expressions. Same result, O(log n), and the points need not be built as arrays."""
    last = y_at(n - 1)
    if last < p:
        return float("nan")
    if p == 0:
        return float(x_at(0))

    def first(shift: float) -> int | None:
        if p < y_at(0) + shift:  # R: NA below the range
            return None
        return _first_where(n, lambda i: y_at(i) + shift >= p)

    i1 = first(tol)
    i2 = first(-tol)
    if abs(p - last) < tol:  # curve ends on p: midpoint to the last follow-up time
        return float("nan") if i1 is None else float((x_at(i1) + x_at(n - 1)) / 2)
    if i1 is None or i2 is None:
        return float("nan")
    return float((x_at(i1) + x_at(i2)) / 2)


def _first_where(n: int, hit: Callable[[int], bool]) -> int | None:
    """The smallest i in [0, n) with ``hit(i)`` for a predicate that is monotone (False ... True), or None."""
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi) // 2
        if hit(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo if lo < n else None


def _estimate(time: np.ndarray, surv: np.ndarray, p: float, tol: float, start: float) -> float:
    """R's quantile of the KM estimate: :func:`_findq_sorted` on ``x = c(start, time)``,
    ``y = c(0, 1 - surv)`` without building them."""
    return _findq_sorted(
        surv.size + 1,
        lambda i: 0.0 if i == 0 else 1.0 - float(surv[i - 1]),
        lambda i: start if i == 0 else float(time[i - 1]),
        p,
        tol,
    )


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
    estimate = _estimate(time, surv, p, tol, start)
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


#: Curve points per block of :func:`r_quantile_banded`'s search (a block is skipped or computed whole).
BLOCK = 8192
#: Absolute room for rounding when a block's bounds exclude it (the bounds and the band are computed by
#: different float expressions; the envelope adds its own relative room).
_SLACK = 1e-12

Envelope = Callable[[int, int], tuple[tuple[float, float], tuple[float, float]]]


def _scan(
    values: Callable[[int, int], np.ndarray],
    bounds: Callable[[int, int], tuple[float, float]] | None,
    n: int,
    p: float,
    tol: float,
    block: int,
) -> tuple[int | None, int | None] | None:
    """R's two picks on ``y = values(0, n)`` (1 - a band), block by block: the first position of the
    smallest ``y + tol >= p`` and of the smallest ``y - tol >= p`` (:func:`_first_at_or_above`; NaN never
    qualifies). ``bounds(i, j)`` = (min, max) of y over [i, j) or looser (NaN: unknown); a block whose
    bounds show that it holds no value within ``tol`` of p and no better pick is not computed. Returns
    None when some y lies within ``tol`` of p (R's "curve ends on p" check needs the whole band)."""
    best1 = best2 = np.inf
    pos1 = pos2 = None
    for a in range(0, n, block):
        b = min(a + block, n)
        if bounds is not None:
            low, high = bounds(a, b)
            if high < p - tol - _SLACK:
                continue  # every y + tol < p: no pick, none near p
            if (
                low > p + tol + _SLACK
                and low + tol > best1 + _SLACK
                and low - tol > best2 + _SLACK
            ):
                continue  # every y is beyond p + tol and beyond both picks so far
        y = values(a, b)
        if np.any(np.abs(p - y) < tol):
            return None
        for shift, first in ((tol, True), (-tol, False)):
            shifted = y + shift
            candidates = np.where(shifted >= p, shifted, np.inf)
            smallest = float(candidates.min())
            if first and smallest < best1:
                best1, pos1 = smallest, a + int(np.argmax(candidates == smallest))
            elif not first and smallest < best2:
                best2, pos2 = smallest, a + int(np.argmax(candidates == smallest))
    return pos1, pos2


def r_quantile_banded(
    time: np.ndarray,
    surv: np.ndarray,
    band: Callable[[int, int], tuple[np.ndarray, np.ndarray]],
    p: float,
    start: float = 0.0,
    tol: float = R_TOLERANCE,
    envelope: Envelope | None = None,
    block: int = BLOCK,
) -> tuple[float, float, float]:
    """:func:`r_quantile` computing the pointwise band only where the answer can lie (large curves).

    ``band(i, j)`` returns ``(lower[i:j], upper[i:j])``; ``envelope(i, j)`` returns bounds
    ``((min, max) of lower, (min, max) of upper)`` over points i..j-1, looser allowed (NaN: unknown).
    The result equals ``r_quantile(time, surv, *band(0, n), p)`` bit for bit:

    * the estimate: ``1 - S`` is non-decreasing, so R's first hits are found by bisection;
    * each limit: R takes, on ``y = 1 - band``, the first occurrence of the smallest ``y + tol >= p`` and
      of the smallest ``y - tol >= p``. The curve is searched in blocks of ``block`` points; a block whose
      envelope shows it holds no value near p and nothing smaller than the picks so far is skipped (for a
      large curve, all but the blocks around the crossing), the others are computed exactly;
    * a band value within ``tol`` of p (R's "curve ends on p" check needs the whole band), or ``p`` within
      ``2 tol`` of 0 or ``4 tol`` of 1: the whole band, as :func:`r_quantile`.
    """
    n = time.size

    def whole() -> tuple[float, float, float]:
        lower, upper = band(0, n)
        return r_quantile(time, surv, lower, upper, p, start, tol)

    if n == 0 or not 2 * tol < p < 1 - 4 * tol:
        return whole()
    estimate = _estimate(time, surv, p, tol, start)

    def limit(side: int) -> float | None:
        def values(i: int, j: int) -> np.ndarray:
            return 1.0 - band(i, j)[side]

        bounds = None
        if envelope is not None:

            def bounds(i: int, j: int) -> tuple[float, float]:
                low, high = envelope(i, j)[side]
                return 1.0 - high, 1.0 - low

        picks = _scan(values, bounds, n, p, tol, block)
        if picks is None:
            return None
        i1, i2 = picks
        if i1 is None or i2 is None:
            return float("nan")
        return float((time[i1] + time[i2]) / 2)

    lower_q = limit(0)
    upper_q = None if lower_q is None else limit(1)
    if lower_q is None or upper_q is None:
        return whole()
    return estimate, lower_q, upper_q


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
