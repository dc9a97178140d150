"""Harrell's concordance index (C) for right-censored survival data, as R's ``survival::concordance``.

Clinical meaning: C is the probability that, of two comparable patients, the one who died first had the
worse prognostic value. 0.5 = no discrimination, 1 = perfect ranking.

Conventions (identical to R's ``concordance(Surv(time, status) ~ x)``, survival 3.5):

* Direction: with ``reverse=False`` a HIGHER score predicts LONGER survival (``higher_is_better=True``),
  which is the natural direction of survival-prediction scores such as Tokuhashi (high = longer predicted
  survival). For a risk score (higher = shorter survival, e.g. a Cox linear predictor or SINS if used as a
  risk marker) pass ``reverse=True``; the counts then swap concordant/discordant exactly as R does.
* Comparable pair: patient i died at t_i and patient j was still at risk afterwards (t_j > t_i, or
  t_j == t_i and j censored). Pairs of deaths at the same time are ``tied_y`` (or ``tied_xy`` if their
  scores are also tied) and are not comparable.
* C = (concordant + tied_x / 2) / (concordant + discordant + tied_x).
* Standard error: R's infinitesimal-jackknife variance of Somers' d (``concordancefit``'s ``var``):
  dfbeta_i = ((c_i - d_i) - d * (c_i + d_i + tx_i)) / npair, var(C) = sum(dfbeta_i^2) / 4, where c_i, d_i,
  tx_i count the concordant, discordant and x-tied pairs that involve patient i.

Algorithm: O(n log n), all vectorised in numpy, O(n) memory. After one sort by time, each count
"patients earlier in time order with a lower score" is a prefix rank query answered for all patients at
once with a wavelet matrix over the bits of the score ranks (one stable partition and one cumulative sum
per bit level). Not done: R's ``timefix`` (``aeqSurv``) merging of
times that differ only by floating-point noise; times are compared exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from spinemet.analysis._dist import norm_ppf
from spinemet.analysis._validate import as_float_array
from spinemet.errors import InvalidInputError

__all__ = ["ConcordanceResult", "concordance", "time_order"]


@dataclass(frozen=True)
class ConcordanceResult:
    """Harrell's C with R's counts and infinitesimal-jackknife standard error.

    Attributes:
        c: the concordance (R: ``fit$concordance``).
        se: standard error (R: ``sqrt(fit$var)``).
        ci: (lower, upper) = c -/+ z * se at ``conf_level`` (Wald interval, not truncated to [0, 1]).
        concordant, discordant, tied_x, tied_y, tied_xy: pair counts (R: ``fit$count``).
        n: number of patients used; n_events: number of deaths.
        reverse: True when a higher score meant SHORTER survival.
        conf_level: confidence level of ``ci``.
    """

    c: float
    se: float
    ci: tuple[float, float]
    concordant: float
    discordant: float
    tied_x: float
    tied_y: float
    tied_xy: float
    n: int
    n_events: int
    reverse: bool
    conf_level: float

    @property
    def higher_is_better(self) -> bool:
        """True when a higher score was taken to predict longer survival (``reverse=False``)."""
        return not self.reverse

    @property
    def somers_d(self) -> float:
        """Somers' d = 2C - 1."""
        return 2.0 * self.c - 1.0

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON dictionary of every field."""
        return {
            "c": self.c,
            "se": self.se,
            "ci": list(self.ci),
            "conf_level": self.conf_level,
            "concordant": self.concordant,
            "discordant": self.discordant,
            "tied_x": self.tied_x,
            "tied_y": self.tied_y,
            "tied_xy": self.tied_xy,
            "n": self.n,
            "n_events": self.n_events,
            "reverse": self.reverse,
            "higher_is_better": self.higher_is_better,
        }


#: Up to this many distinct scores, :func:`_prefix_count_below` counts with one prefix sum per value
#: (clinical scores have 5-20 values); above it, with the wavelet matrix (O(n log k)).
_FEW_VALUES = 32


def _prefix_count_below(b: NDArray[np.int64], n_values: int, a: NDArray[np.int64],
                        bound: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For each query q: (#{p < a[q] : b[p] < bound[q]}, #{p < a[q] : b[p] <= bound[q]}).

    ``b`` holds integer values in [0, n_values); ``bound`` too. Few values: :func:`_prefix_count_few`;
    otherwise :func:`_prefix_count_wavelet`. Both give the same counts (tested)."""
    if n_values <= _FEW_VALUES:
        return _prefix_count_few(b, n_values, a, bound)
    return _prefix_count_wavelet(b, n_values, a, bound)


def _prefix_count_few(b: NDArray[np.int64], n_values: int, a: NDArray[np.int64],
                      bound: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """:func:`_prefix_count_below` in O(n_values * (n + queries)): for each value v, the prefix counts of
    ``b < v``, read at ``a`` for the queries whose bound is v (below) or v - 1 (up to and including)."""
    q = a.shape[0]
    below = np.zeros(q, dtype=np.int64)
    upto = np.zeros(q, dtype=np.int64)
    if b.shape[0] == 0 or q == 0:
        return below, upto
    by_bound = np.argsort(bound, kind="stable")
    edges = np.searchsorted(bound[by_bound], np.arange(n_values + 2))  # queries with bound == v
    prefix = np.zeros(b.shape[0] + 1, dtype=np.int64)
    for v in range(n_values + 1):
        np.cumsum(b < v, out=prefix[1:])
        rows = by_bound[edges[v] : edges[v + 1]]  # bound == v: below counts b < v
        below[rows] = prefix[a[rows]]
        if v:
            rows = by_bound[edges[v - 1] : edges[v]]  # bound == v - 1: up to counts b <= v - 1
            upto[rows] = prefix[a[rows]]
    return below, upto


def _prefix_count_wavelet(b: NDArray[np.int64], n_values: int, a: NDArray[np.int64],
                          bound: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For each query q: (#{p < a[q] : b[p] < bound[q]}, #{p < a[q] : b[p] <= bound[q]}).

    ``b`` holds integer values in [0, n_values) indexed by position p = 0..len(b)-1. A wavelet matrix over
    the bits of ``b`` (most significant first) answers every query with two prefix-count look-ups per bit
    level; each level is built (stable partition by the bit, cumulative count of zeros) and queried in
    O(n) vectorised numpy, level by level, so nothing but the current level is kept in memory.
    """
    n = b.shape[0]
    q = a.shape[0]
    below = np.zeros(q, dtype=np.int64)
    upto = np.zeros(q, dtype=np.int64)
    if n == 0 or q == 0:
        return below, upto
    levels = max(1, int(n_values).bit_length())  # bound + 1 <= n_values < 2^levels
    idx_t = np.int32 if n < 2**31 - 1 else np.int64  # narrower indices: less memory traffic
    cur = b.astype(idx_t, copy=True)
    state = [  # (bound, result, range start, range end)
        (bound.astype(idx_t), below, np.zeros(q, dtype=idx_t), a.astype(idx_t, copy=True)),
        ((bound + 1).astype(idx_t), upto, np.zeros(q, dtype=idx_t), a.astype(idx_t, copy=True)),
    ]
    zeros = np.empty(n + 1, dtype=idx_t)
    zeros[0] = 0
    for level in range(levels - 1, -1, -1):
        bit = ((cur >> level) & 1).astype(bool)
        np.cumsum(~bit, out=zeros[1:], dtype=idx_t)
        n_zero = zeros[n]
        for bnd, res, start, end in state:
            one = ((bnd >> level) & 1).astype(bool)
            zs = zeros[start]
            ze = zeros[end]
            # values with bit 0 here (and equal higher bits) are below a bound whose bit is 1
            res += np.where(one, ze - zs, 0)
            np.copyto(start, np.where(one, n_zero + start - zs, zs))
            np.copyto(end, np.where(one, n_zero + end - ze, ze))
        cur = np.concatenate((cur[~bit], cur[bit]))
    return below, upto


def time_order(time: ArrayLike, event: ArrayLike) -> NDArray[np.intp]:
    """Row order by time, deaths before censorings at the same time (stable), for :func:`concordance`'s
    ``time_order``: several C-indices on the same patients then share this one sort. Missing values may
    be present; their rows are left out when the order is used."""
    t = as_float_array(time, "time")
    e = as_float_array(event, "event")
    order = np.concatenate([np.flatnonzero(e == 1), np.flatnonzero(e != 1)])
    return order[np.argsort(t[order], kind="stable")]


def _restrict(order: NDArray[np.intp], keep: NDArray[np.bool_]) -> NDArray[np.intp]:
    """A stable order of all rows restricted to the kept rows, renumbered 0..kept-1: O(n), no sort."""
    new_index = np.cumsum(keep) - 1
    return new_index[order[keep[order]]]


def _counts_and_influence(
    time: NDArray[np.float64], event: NDArray[np.bool_], score: NDArray[np.float64],
    order: NDArray[np.intp] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Counts (concordant, discordant, tied_x, tied_y, tied_xy) and per-patient influence (n x 3).

    Direction: a pair (death i, later j) is concordant when score_i < score_j (higher = longer survival).
    """
    n = time.shape[0]
    counts = np.zeros(5)
    infl = np.zeros((n, 3))
    n_ev = int(event.sum())
    if n_ev == 0:
        return counts, infl
    _, xr = np.unique(score, return_inverse=True)
    xr = xr.astype(np.int64).ravel()
    k_vals = int(xr.max()) + 1

    # Role 1: i is the death; risk set = later times, or same time and censored.
    if order is None:
        order = np.concatenate([np.flatnonzero(event), np.flatnonzero(~event)])
        order = order[np.argsort(time[order], kind="stable")]  # time ascending, deaths first within a time
    t_s = time[order]
    e_s = event[order]
    x_s = xr[order]
    ev_times = t_s[e_s]
    ev_before = np.searchsorted(ev_times, t_s, side="left")  # deaths with time < t
    ev_upto = np.searchsorted(ev_times, t_s, side="right")  # deaths with time <= t
    # first position after the block of deaths at time t_s[p]
    q_pos = (np.searchsorted(t_s, t_s, side="left") + (ev_upto - ev_before)).astype(np.int64)
    ev_pos = np.flatnonzero(e_s)
    qa = q_pos[ev_pos]
    bx = x_s[ev_pos]
    below, upto = _prefix_count_below(x_s, k_vals, qa, bx)
    cum_x = np.concatenate(([0], np.cumsum(np.bincount(xr, minlength=k_vals))))
    risk_below = cum_x[bx] - below  # later patients with a smaller score -> discordant
    risk_upto = cum_x[bx + 1] - upto
    risk_n = n - qa
    r_disc = risk_below
    r_tie = risk_upto - risk_below
    r_conc = risk_n - risk_upto
    counts[0] = r_conc.sum()
    counts[1] = r_disc.sum()
    counts[2] = r_tie.sum()
    orig_ev = order[ev_pos]
    infl[orig_ev, 0] += r_conc
    infl[orig_ev, 1] += r_disc
    infl[orig_ev, 2] += r_tie

    # Role 2: j is the later member; earlier deaths = deaths before t_j (or at t_j if j censored).
    ev_x = x_s[ev_pos]
    a2 = np.where(e_s, ev_before, ev_upto).astype(np.int64)
    below2, upto2 = _prefix_count_below(ev_x, k_vals, a2, x_s)
    infl[order, 0] += below2  # earlier death with smaller score: concordant
    infl[order, 1] += a2 - upto2
    infl[order, 2] += upto2 - below2

    # Deaths tied in time: tied_y / tied_xy (from the sorted death times; no second sort by time).
    new_t = np.ones(ev_times.shape[0], dtype=bool)
    new_t[1:] = ev_times[1:] != ev_times[:-1]
    grp = np.cumsum(new_t) - 1
    m = np.diff(np.append(np.flatnonzero(new_t), ev_times.shape[0])).astype(np.float64)
    tied_all = float((m * (m - 1) / 2).sum())
    key = grp.astype(np.int64) * np.int64(k_vals) + ev_x
    _, cnt = np.unique(key, return_counts=True)
    cnt = cnt.astype(np.float64)
    tied_xy = float((cnt * (cnt - 1) / 2).sum())
    counts[3] = tied_all - tied_xy
    counts[4] = tied_xy
    return counts, infl


def concordance(
    time: ArrayLike,
    event: ArrayLike,
    score: ArrayLike,
    *,
    reverse: bool = False,
    conf_level: float = 0.95,
    strata: ArrayLike | None = None,
    time_order: NDArray[np.intp] | None = None,
) -> ConcordanceResult:
    """Harrell's C of ``score`` for survival (``time``, ``event``), as R's ``concordance()``.

    Args:
        time: follow-up times (> = 0).
        event: 1 = death (event), 0 = censored. Booleans accepted.
        score: the prognostic value. ``reverse=False``: higher score = longer predicted survival
            (R's default; e.g. Tokuhashi). ``reverse=True``: higher score = shorter survival (risk score).
        reverse: as R's ``reverse=TRUE``.
        conf_level: level for ``ci``.
        strata: optional groups; pairs are only formed within a stratum (R: ``+ strata(g)``).
        time_order: optional :func:`time_order` of these ``time`` and ``event`` (all rows, before missing
            ones are dropped), to share one sort between the C-indices of several scores.

    Rows with a missing time, event or score are dropped (as R's ``na.omit``).

    R: ``concordance(Surv(time, event) ~ score, reverse=reverse)``.
    """
    t = as_float_array(time, "time")
    e = as_float_array(event, "event")
    x = as_float_array(score, "score")
    if not (t.shape == e.shape == x.shape):
        raise InvalidInputError("time/event/score", f"lengths {t.shape[0]}, {e.shape[0]}, {x.shape[0]}",
                                "arrays of equal length")
    if not 0 < conf_level < 1:
        raise InvalidInputError("conf_level", conf_level, "a number strictly between 0 and 1")
    s: NDArray[Any] | None = None
    keep = ~(np.isnan(t) | np.isnan(e) | np.isnan(x))
    if strata is not None:
        s = np.asarray(strata)
        if s.shape != t.shape:
            raise InvalidInputError("strata", f"length {s.shape[0]}", f"length {t.shape[0]} like time")
    t, e, x = t[keep], e[keep], x[keep]
    if s is not None:
        s = s[keep]
    bad = ~np.isin(e, (0.0, 1.0))
    if bad.any():
        raise InvalidInputError("event", float(e[bad][0]), "0 (censored) or 1 (death)")
    if np.any(t < 0):
        raise InvalidInputError("time", float(t[t < 0][0]), "follow-up times >= 0")
    if np.isinf(t).any() or np.isinf(x).any():
        raise InvalidInputError("time/score", "infinite value", "finite numbers")
    ev = e.astype(bool)
    if reverse:
        x = -x
    n = t.shape[0]
    if s is None:
        order = None
        if time_order is not None:
            if time_order.shape != keep.shape:
                raise InvalidInputError("time_order", f"length {time_order.shape[0]}",
                                        f"time_order(time, event) of these {keep.shape[0]} rows")
            order = _restrict(time_order, keep)
        counts, infl = _counts_and_influence(t, ev, x, order)
    else:
        counts = np.zeros(5)
        infl = np.zeros((n, 3))
        _, sidx = np.unique(s, return_inverse=True)
        sidx = sidx.ravel()
        for g in range(int(sidx.max()) + 1 if n else 0):
            rows = np.flatnonzero(sidx == g)
            c_g, i_g = _counts_and_influence(t[rows], ev[rows], x[rows])
            counts += c_g
            infl[rows] = i_g
    npair = counts[0] + counts[1] + counts[2]
    if npair == 0:
        raise InvalidInputError("time/event", f"{int(ev.sum())} deaths, 0 comparable pairs",
                                "data with at least one comparable pair (a death followed by a later time)")
    somer = (counts[0] - counts[1]) / npair
    dfbeta = (infl[:, 0] - infl[:, 1]) / npair - (somer / npair) * infl.sum(axis=1)
    var = float(np.sum(dfbeta**2)) / 4.0
    c = (somer + 1.0) / 2.0
    se = float(np.sqrt(var))
    z = norm_ppf(1 - (1 - conf_level) / 2)
    # With reverse=TRUE R reports C for -score, i.e. 1 - C(score), and swaps the counts; we computed on
    # -score directly, which gives the same C and the counts in R's reported order.
    conc, disc = counts[0], counts[1]
    return ConcordanceResult(
        c=float(c), se=se, ci=(float(c - z * se), float(c + z * se)),
        concordant=float(conc), discordant=float(disc), tied_x=float(counts[2]), tied_y=float(counts[3]),
        tied_xy=float(counts[4]), n=int(n), n_events=int(ev.sum()), reverse=reverse, conf_level=conf_level,
    )
