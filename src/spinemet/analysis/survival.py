"""Kaplan-Meier survival estimate with Greenwood standard errors, pointwise bands, quantiles and RMST.

Matches R ``survival::survfit(Surv(time, event) ~ 1, conf.type=...)`` (survival 3.5-3): the table equals
the survfit object (one row per distinct time, event or censoring), ``survival_at`` equals
``summary(fit, times=, extend=TRUE)``, the median/quantiles equal ``quantile(fit, probs=)`` and ``rmst``
equals ``print(fit, rmean=tau)``. ``ci_method="spss"`` gives SPSS ``KM``'s median CI instead
(see :mod:`spinemet.analysis.median_ci`). Ties: events at a time are processed before censorings at that
time (censored subjects are at risk at their own time), as in R and SPSS. Times that differ only by
floating-point rounding are one time (R's ``timefix``, ``survival::aeqSurv``, on by default as in R;
``timefix=False`` compares times exactly).

The core is vectorised, with no Python loop over observations: times on a decimal grid (whole days, months
to 0.01; checked exactly) are counted with ``bincount`` on integer keys; other times with one sort of
integer keys (the bits of each time with its event flag); weighted data with ``np.unique``. Everything
after the counting is O(distinct times).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from spinemet.analysis._validate import (
    as_event,
    as_time,
    as_weights,
    check_conf_level,
    check_same_length,
    event_flags,
    timefix_tied,
)
from spinemet.analysis.median_ci import r_quantile, r_quantile_banded, spss_quantile
from spinemet.errors import InvalidInputError

__all__ = ["CI_METHODS", "RMST", "KaplanMeierResult", "kaplan_meier"]

CI_METHODS = ("log", "plain", "log-log", "spss")


@dataclass(frozen=True)
class RMST:
    """Restricted mean survival time up to ``tau`` (area under the KM curve on [0, tau]) and its SE,
    as R ``print(survfit(...), rmean=tau)`` (``rmean``, ``se(rmean)``)."""

    tau: float
    estimate: float
    se: float


def _z(conf_level: float, ci_method: str) -> float:
    if ci_method == "spss" and conf_level == 0.95:
        return 1.96  # SPSS prints estimate +/- 1.96 SE (1.959964 changes the third decimal)
    return NormalDist().inv_cdf(1 - (1 - conf_level) / 2)  # Wichura's AS241, as R's qnorm


def _bands(
    surv: np.ndarray, se_log: np.ndarray, z: float, ci_method: str
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise CI as R's ``survival:::survfit_confint`` (se_log = SE of the cumulative hazard)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if ci_method in ("plain", "spss"):
            se2 = se_log * surv * z  # Klein & Moeschberger eq. 4.3.1
            return np.maximum(surv - se2, 0.0), np.minimum(surv + se2, 1.0)
        if ci_method == "log":
            # R: exp(log(S) -/+ z se); computed as S / exp(z se), S * exp(z se) (equal to ~1e-16)
            xx = np.where(surv == 0, np.nan, surv)
            factor = np.exp(z * se_log)
            return xx / factor, np.minimum(xx * factor, 1.0)
        # log-log
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        se2 = z * se_log / np.log(xx)
        return np.exp(-np.exp(np.log(-np.log(xx)) - se2)), np.exp(-np.exp(np.log(-np.log(xx)) + se2))


#: Relative room of :func:`band_envelope` for rounding (its expressions differ from :func:`_bands`').
_ENVELOPE_ROOM = 1e-9


def band_envelope(
    surv: np.ndarray, se_log: np.ndarray, z: float, ci_method: str, i: int, j: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """Bounds ``((min, max) of lower, (min, max) of upper)`` of the "log" or "plain" band of
    :func:`_bands` over points i..j-1, from four numbers: S is non-increasing and its SE of the cumulative
    hazard non-decreasing along a curve, so (log) ``S / exp(z se)`` is largest at i and smallest at j-1, and
    ``min(S exp(z se), 1)`` lies between ``S[j-1] exp(z se[i])`` and ``S[i] exp(z se[j-1])`` (plain: the
    same with ``1 -/+ z se``). Widened by a relative 1e-9 for rounding; NaN where undefined (0 * inf)."""
    s_hi, s_lo = float(surv[i]), float(surv[j - 1])
    se_lo, se_hi = float(se_log[i]), float(se_log[j - 1])
    with np.errstate(over="ignore", invalid="ignore"):
        if ci_method == "log":
            f_lo, f_hi = np.exp(z * se_lo), np.exp(z * se_hi)
            lower = (s_lo / f_hi, s_hi / f_lo)
            upper = (min(s_lo * f_lo, 1.0), min(s_hi * f_hi, 1.0))
        else:  # plain
            lower = (max(s_lo * (1.0 - z * se_hi), 0.0), max(s_hi * (1.0 - z * se_lo), 0.0))
            upper = (min(s_lo * (1.0 + z * se_lo), 1.0), min(s_hi * (1.0 + z * se_hi), 1.0))
    down, up = 1.0 - _ENVELOPE_ROOM, 1.0 + _ENVELOPE_ROOM
    return (
        (float(lower[0]) * down, float(lower[1]) * up),
        (float(upper[0]) * down, float(upper[1]) * up),
    )


@dataclass(frozen=True, eq=False)
class KaplanMeierResult:
    """A Kaplan-Meier curve. Attributes are numpy arrays over the distinct times (see :attr:`table`)."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    surv: np.ndarray
    se_log: np.ndarray  # Greenwood SE of the cumulative hazard = R survfit's $std.err
    n: float
    n_events: float
    ci_method: str
    conf_level: float
    median: float
    median_ci: tuple[float, float]
    median_se: float = float("nan")  # SPSS method only: SE of the median
    _z: float = field(default=1.96, repr=False)

    @cached_property
    def _band(self) -> tuple[np.ndarray, np.ndarray]:
        return _bands(self.surv, self.se_log, self._z, self.ci_method)

    @property
    def lower(self) -> np.ndarray:
        """Lower pointwise confidence limit of S(t) (R ``$lower``); computed on first use."""
        return self._band[0]

    @property
    def upper(self) -> np.ndarray:
        """Upper pointwise confidence limit of S(t) (R ``$upper``); computed on first use."""
        return self._band[1]

    @property
    def std_err(self) -> np.ndarray:
        """Greenwood SE of S(t) (R ``summary(fit)$std.err``); NaN where S = 0 as in R."""
        with np.errstate(invalid="ignore"):
            return self.surv * self.se_log

    @property
    def table(self) -> pd.DataFrame:
        """One row per distinct time: time, n_risk, n_event, n_censor, survival, std_err, lower, upper."""
        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "survival": self.surv,
                "std_err": self.std_err,
                "lower": self.lower,
                "upper": self.upper,
            }
        )

    def survival_at(self, times: Any) -> pd.DataFrame:
        """S(t) at the given times as R ``summary(fit, times=times, extend=TRUE)``.

        Columns: time, n_risk (at risk at t), n_event (events since the previous requested time),
        survival, std_err, lower, upper. Before the first time S = 1 (SE 0, band 1); after the last follow-up
        time the last value is carried forward with n_risk 0.
        """
        t = as_time(times, "times")
        order = np.argsort(t, kind="stable")
        idx = np.searchsorted(self.time, t, side="right") - 1  # last curve time <= t
        before = idx < 0
        j = np.where(before, 0, idx)
        surv = np.where(before, 1.0, self.surv[j])
        std_err = np.where(before, 0.0, self.std_err[j])
        lower = np.where(before, 1.0, self.lower[j])
        upper = np.where(before, 1.0, self.upper[j])
        at_risk_from = np.searchsorted(self.time, t, side="left")  # first curve time >= t
        total_risk = np.concatenate((self.n_risk, [0.0]))
        n_risk = total_risk[at_risk_from]
        cum_events = np.concatenate(([0.0], np.cumsum(self.n_event)))[idx + 1]
        sorted_cum = cum_events[order]
        events_sorted = np.diff(np.concatenate(([0.0], sorted_cum)))
        n_event = np.empty_like(events_sorted)
        n_event[order] = events_sorted
        return pd.DataFrame(
            {
                "time": t,
                "n_risk": n_risk,
                "n_event": n_event,
                "survival": surv,
                "std_err": std_err,
                "lower": lower,
                "upper": upper,
            }
        )

    def quantile(self, p: float) -> tuple[float, float, float]:
        """(estimate, lower, upper) of the time by which a fraction ``p`` has had the event.

        ``p = 0.5`` is the median, ``0.25`` the first quartile (R ``quantile(fit, probs=p)``). With
        ``ci_method="spss"`` the SPSS percentile rule (first event time with S <= 1 - p) and its +/- z SE
        interval; SPSS percentiles other than the median are not verified against SPSS output.
        """
        try:
            prob = float(p)
        except (TypeError, ValueError):
            raise InvalidInputError("p", p, "a probability strictly between 0 and 1") from None
        if not 0 < prob < 1:
            raise InvalidInputError("p", p, "a probability strictly between 0 and 1")
        if self.ci_method == "spss":
            est, _se, lo, hi = self._spss(prob)
            return est, lo, hi
        return r_quantile(self.time, self.surv, self.lower, self.upper, prob)

    def _spss(self, p: float) -> tuple[float, float, float, float]:
        ev = self.n_event > 0
        return spss_quantile(self.time[ev], self.surv[ev], self.std_err[ev], p, z=self._z)

    def rmst(self, tau: float) -> RMST:
        """Restricted mean survival time on [0, tau] and its SE, as R ``print(fit, rmean=tau)``
        (``survival:::survmean``: rectangles under the curve; variance sum over event times of
        (area beyond t)^2 * d / (n (n - d)))."""
        try:
            end = float(tau)
        except (TypeError, ValueError):
            raise InvalidInputError("tau", tau, "a finite number > 0") from None
        if not np.isfinite(end) or end <= 0:
            raise InvalidInputError("tau", tau, "a finite number > 0")
        with np.errstate(divide="ignore", invalid="ignore"):
            hh = np.where(
                self.n_risk - self.n_event == 0,
                0.0,
                self.n_event / (self.n_risk * (self.n_risk - self.n_event)),
            )
        keep = self.time <= end
        temptime = np.concatenate((self.time[keep], [end]))
        k = int(keep.sum())
        last = self.surv[k - 1] if k else 1.0
        tempsurv = np.concatenate((self.surv[keep], [last]))
        hh = np.concatenate((hh[keep], [0.0]))
        start = min(0.0, float(self.time[0]))
        delta = np.diff(np.concatenate(([start], temptime)))
        rectangles = delta * np.concatenate(([1.0], tempsurv[:-1]))
        varmean = float(np.sum(np.cumsum(rectangles[1:][::-1]) ** 2 * hh[::-1][1:]))
        return RMST(tau=end, estimate=float(rectangles.sum() + start), se=float(np.sqrt(varmean)))

    def to_dict(self) -> dict[str, Any]:
        """Plain-Python summary (JSON-ready except NaN) with the full table as a list of records."""
        return {
            "n": self.n,
            "n_events": self.n_events,
            "ci_method": self.ci_method,
            "conf_level": self.conf_level,
            "median": self.median,
            "median_ci": list(self.median_ci),
            "median_se": self.median_se,
            "table": self.table.to_dict(orient="records"),
        }


_DECIMAL_SCALES = (1.0, 10.0, 100.0, 1000.0)
_CHUNK = 1 << 16


def _discrete_keys(
    t: np.ndarray, k: int = 1, events: np.ndarray | None = None
) -> tuple[np.ndarray, float, float] | None:
    """Integer keys for times recorded to a fixed number of decimals (days, or months to 0.01 - the usual
    clinical case), so counting can use ``bincount`` instead of a sort.

    Returns (keys, scale, offset) with ``t == (keys + offset) / scale`` exactly for every element, or None
    (times not on such a grid, or a grid too wide for ``k`` groups). Exact: a scale is used only if
    ``rint(t * scale) / scale`` reproduces every time bit for bit, so distinct times keep distinct keys.
    With ``events`` (0/1 flags, unweighted counting) the keys are ``key * 2 + event``, written in the same
    pass, so that one ``bincount`` counts censorings and events per time together.
    """
    head = t[:1024]
    for scale in _DECIMAL_SCALES:
        if not np.array_equal(np.rint(head * scale) / scale, head):
            continue  # cheap screen on the first values
        found = _keys_at_scale(t, scale, events)
        if found is None:
            continue  # a later value has more decimals: try the next scale
        keys, hi = found
        step = 1 if events is None else 2
        lo = 0  # times >= 0: no offset needed, unless the grid is too wide from 0
        if (hi + 1) * k > 8 * t.size + 4096:
            lo = int(keys.min()) // step
            if (hi - lo + 1) * k > 8 * t.size + 4096:
                return None  # grid too wide for bincount: sort instead
            keys -= lo * step
        return keys, scale, float(lo)
    return None


def _keys_at_scale(
    t: np.ndarray, scale: float, events: np.ndarray | None = None
) -> tuple[np.ndarray, int] | None:
    """(rint(t * scale) as integers, their max) if they reproduce every t exactly (and stay below
    2**52), else None; with ``events``, the keys are rint(t * scale) * 2 + event (the max is still that of
    rint(t * scale)). Block by block, so each block is read from cache for every step."""
    if t.size == 0:
        return None
    keys = np.empty(t.size, dtype=np.intp)
    size = min(t.size, _CHUNK)
    buf, back, same = np.empty(size), np.empty(size), np.empty(size, dtype=bool)
    # 0/1 flags of an integer or bool dtype are or-ed into the shifted integer keys; others added as floats
    int_flags = events is not None and (events.dtype == bool or events.dtype.kind == "i")
    hi = -np.inf
    for start in range(0, t.size, _CHUNK):  # blocks keep the temporaries in cache (not a per-value loop)
        block = t[start : start + _CHUNK]
        m = block.size
        scaled = buf[:m]
        np.multiply(block, scale, out=scaled)
        np.rint(scaled, out=scaled)
        if scale != 1.0:
            np.divide(scaled, scale, out=back[:m])
            np.equal(back[:m], block, out=same[:m])
        else:
            np.equal(scaled, block, out=same[:m])
        if not same[:m].all():
            return None
        block_hi = float(scaled.max())
        if block_hi >= 2.0**52:
            return None
        hi = max(hi, block_hi)
        out = keys[start : start + m]
        if events is not None and not int_flags:
            np.multiply(scaled, 2.0, out=scaled)
            np.add(scaled, events[start : start + m], out=scaled)
        np.copyto(out, scaled, casting="unsafe")  # integral values below 2**52: exact
        if int_flags:
            assert events is not None
            np.left_shift(out, 1, out=out)
            np.bitwise_or(out, events[start : start + m], out=out, casting="unsafe")
    return keys, int(hi)


def _counts_binned(
    keys: np.ndarray, scale: float, offset: float, e: np.ndarray, w: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`_counts_sorted` for grid times: ``bincount`` over integer keys, O(n + grid).

    Unweighted (``w`` None): ``keys`` are key * 2 + event (:func:`_discrete_keys` with ``events``), and ONE
    ``bincount`` gives censorings and events per time together; ``e`` is not used."""
    if w is None:
        pairs = np.bincount(keys)
        if pairs.size % 2:  # the last time has censorings only
            pairs = np.append(pairs, 0)
        pairs = pairs.reshape(-1, 2)
        total = pairs.sum(axis=1)
        present = np.flatnonzero(total)
        ut = (present + offset) / scale
        n_total = total[present].astype(np.float64)
        n_risk = np.cumsum(n_total[::-1])[::-1]
        return ut, n_total, pairs[present, 1].astype(np.float64), n_risk
    total = np.bincount(keys, weights=w)
    events = np.bincount(keys, weights=e * w, minlength=total.size)
    present = np.flatnonzero(np.bincount(keys))
    ut = (present + offset) / scale  # == the original times, exactly (checked in _discrete_keys)
    n_total = total[present].astype(np.float64)
    n_risk = np.cumsum(n_total[::-1])[::-1]
    return ut, n_total, events[present], n_risk


def _counts_sorted(
    t: np.ndarray, is_event: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct times with n_total, n_event and n_risk per time, from ONE sort of n integers (no argsort).

    The bits of a non-negative double, read as an unsigned integer, sort as the double does (IEEE 754), so
    ``bits * 2 + event`` sorts by time with the event flag riding along in the lowest bit; shifting back
    gives the times exactly (``t + 0.0`` first turns -0.0 into 0.0). ``is_event``: 0/1 or bool flags.
    """
    key = np.add(t, 0.0).view(np.uint64)
    key <<= np.uint64(1)
    flags = is_event.view(np.uint8) if is_event.dtype == bool else is_event.astype(np.uint8)
    np.bitwise_or(key, flags, out=key)
    key.sort()
    ev = (key & np.uint64(1)).astype(np.float64)
    key >>= np.uint64(1)
    st = key.view(np.float64)
    new = np.empty(st.size, dtype=bool)
    new[:1] = True
    np.not_equal(st[1:], st[:-1], out=new[1:])
    if new.all():  # untied times (continuous data): one subject per time, no grouping pass
        return st, np.ones(st.size), ev, np.arange(st.size, 0, -1, dtype=np.float64)
    starts = np.flatnonzero(new)
    ut = st[starts]
    n_total = np.diff(starts, append=st.size).astype(np.float64)
    n_event = np.add.reduceat(ev, starts)
    n_risk = np.cumsum(n_total[::-1])[::-1]
    return ut, n_total, n_event, n_risk


def _merge_tied(
    tied: np.ndarray, ut: np.ndarray, n_total: np.ndarray, n_event: np.ndarray, n_risk: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Merge the times at positions ``tied`` (:func:`timefix_tied`) into the time before them: counts
    summed into the first time of each run left to right, as R's C code sums them (``np.add.reduceat``
    sums a long run pairwise; whole counts are equal either way), n_risk of that first time. O(n) for the
    copies, O(tied) for the sums (ties are few)."""
    keep = np.ones(ut.size, dtype=bool)
    keep[tied] = False
    # a tied time's run starts at the last kept position before it, whose index among the kept times is
    # its own position minus the number of tied positions up to and including it
    target = tied - np.arange(1, tied.size + 1)
    merged = []
    for counts in (n_total, n_event):
        kept = counts[keep]
        np.add.at(kept, target, counts[tied])
        merged.append(kept)
    return ut[keep], merged[0], merged[1], n_risk[keep]


def kaplan_meier(
    time: Any,
    event: Any,
    *,
    ci_method: str = "log",
    conf_level: float = 0.95,
    weights: Any = None,
    timefix: bool = True,
) -> KaplanMeierResult:
    """Kaplan-Meier estimate of the survival function (e.g. overall survival after spine surgery).

    Args:
        time: follow-up time per patient (finite, >= 0; any unit).
        event: 1/True = the event (death) at ``time``, 0/False = censored (alive at last follow-up).
        ci_method: ``"log"`` (R's default ``conf.type="log"``), ``"plain"``, ``"log-log"`` - pointwise bands
            and the median CI as R ``survfit``/``quantile.survfit``; or ``"spss"`` - the median CI as SPSS
            ``KM`` (estimate +/- 1.96 SE), with plain (linear) pointwise bands.
        conf_level: e.g. 0.95.
        weights: optional case weights (> 0); the Greenwood variance then uses weighted counts, as R
            ``survfit(..., weights=w, robust=FALSE)`` (R's default with weights is a robust variance).
        timefix: merge times that differ only by rounding error, as R's ``survfit(timefix=TRUE)`` (the
            default); ``False`` compares times exactly.

    Returns:
        :class:`KaplanMeierResult`.
    """
    if ci_method not in CI_METHODS:
        raise InvalidInputError("ci_method", ci_method, ", ".join(repr(m) for m in CI_METHODS))
    level = check_conf_level(conf_level)
    t = as_time(time, "time")
    # unweighted: the 0/1 flags as given (no float copy); weighted: float64 events
    e = event_flags(event, "event") if weights is None else as_event(event, "event")
    w = None if weights is None else as_weights(weights, "weights")
    check_same_length(time=t, event=e, weights=w)

    grid = _discrete_keys(t, events=e if w is None else None)
    if grid is not None:
        ut, n_total, n_event, n_risk = _counts_binned(*grid, e, w)
    elif w is None:
        ut, n_total, n_event, n_risk = _counts_sorted(t, e)
    else:
        ut, inv = np.unique(t, return_inverse=True)
        n_total = np.bincount(inv, weights=w, minlength=ut.size)
        n_event = np.bincount(inv, weights=e * w, minlength=ut.size)
        n_risk = np.cumsum(n_total[::-1])[::-1]
    if timefix:  # on the distinct times only: O(distinct), no extra sort
        tied = timefix_tied(ut)
        if tied is not None:
            ut, n_total, n_event, n_risk = _merge_tied(tied, ut, n_total, n_event, n_risk)
    n_censor = n_total - n_event
    # S = cumprod(1 - d / n); Greenwood: sqrt(cumsum(d / (n (n - d)))) - each in one buffer, in place
    surv = np.divide(n_event, n_risk)
    np.subtract(1.0, surv, out=surv)
    np.cumprod(surv, out=surv)
    with np.errstate(divide="ignore", invalid="ignore"):
        se_log = np.subtract(n_risk, n_event)
        np.multiply(n_risk, se_log, out=se_log)
        np.divide(n_event, se_log, out=se_log)  # 0 without events; Inf when all at risk die
    np.cumsum(se_log, out=se_log)
    np.sqrt(se_log, out=se_log)  # Greenwood; Inf once S reaches 0 (as R)
    z = _z(level, ci_method)

    median_se = float("nan")
    if ci_method == "spss":
        ev = n_event > 0
        with np.errstate(invalid="ignore"):
            se_s = surv[ev] * se_log[ev]
        median, median_se, lo, hi = spss_quantile(ut[ev], surv[ev], se_s, 0.5, z=z)
    else:
        # the full bands are computed when first used (KaplanMeierResult.lower/upper); the median CI needs
        # them only around S = 0.5 for the log and plain bands, which lie on either side of S
        if ci_method in ("log", "plain"):
            median, lo, hi = r_quantile_banded(
                ut,
                surv,
                lambda i, j: _bands(surv[i:j], se_log[i:j], z, ci_method),
                0.5,
                envelope=lambda i, j: band_envelope(surv, se_log, z, ci_method, i, j),
            )
        else:
            median, lo, hi = r_quantile(ut, surv, *_bands(surv, se_log, z, ci_method), 0.5)
    return KaplanMeierResult(
        time=ut,
        n_risk=n_risk,
        n_event=n_event,
        n_censor=n_censor,
        surv=surv,
        se_log=se_log,
        n=float(t.size),
        n_events=float(n_event.sum()),
        ci_method=ci_method,
        conf_level=level,
        median=median,
        median_ci=(lo, hi),
        median_se=median_se,
        _z=z,
    )
