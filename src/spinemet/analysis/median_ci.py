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
  2015, sec. 2.4, eqs. for se{t(p)}; Klein & Moeschberger 2003, practical notes to sec. 4.5); CI =
  estimate +/- 1.96 SE. Reproduces SPSS 31 (Windows) and SPSS for macOS output to ~1e-12 (reference
  data in ``/work/shared/reference/spss-km``, test in ``tests/analysis/test_spss_median.py``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SPSS_TOLERANCE", "r_quantile", "spss_quantile"]

R_TOLERANCE = float(np.sqrt(np.finfo(float).eps))  # R: sqrt(.Machine$double.eps)
SPSS_TOLERANCE = 1e-10  # inclusive threshold comparisons (S = 0.55 computes as 0.5499999999999996)
_SPSS_WINDOW = 0.05


def _findq(x: np.ndarray, y: np.ndarray, p: float, tol: float) -> float:
    """R's ``survival:::findq`` for one probability ``p``.

    ``x`` = c(start, times); ``y`` = c(0, 1 - S) (may hold NaN where a band is undefined).
    """
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return float("nan")
    xmax = x[-1]
    # duplicated(y): keep the first occurrence of each value (NaN counts as one value)
    _, first = np.unique(y, return_index=True)
    keep = np.sort(first)
    x = x[keep]
    y = y[keep]
    if p == 0:
        return float(x[0])
    valid = np.flatnonzero(~np.isnan(y))
    yv = y[valid]
    order = np.argsort(yv, kind="stable")  # approx() sorts its x (here y +/- tol)
    ys = yv[order]
    pos = valid[order]

    def constant_right(shift: float) -> int | None:
        xs = ys + shift
        if p < xs[0] or p > xs[-1]:
            return None
        return int(pos[np.searchsorted(xs, p, side="left")])

    i1 = constant_right(tol)
    i2 = constant_right(-tol)
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        return float("nan") if i1 is None else float((x[i1] + xmax) / 2)
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

    def q(s: np.ndarray) -> float:
        return _findq(x, np.concatenate(([0.0], 1.0 - s)), p, tol)

    return q(surv), q(lower), q(upper)


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
