"""Time-dependent AUC (cumulative/dynamic) with Kaplan-Meier inverse-probability-of-censoring weights.

Clinical meaning: AUC(t) is the probability that a patient who died before time t had a higher (worse)
marker than a patient still alive at t. It answers "how well does the score separate patients who die
within t from those who survive beyond t", e.g. Tokuhashi at 6 and 12 months.

Estimator (Uno et al. 2007; Blanche, Dartigues & Jacqmin-Gadda 2013), reproducing the formula of R's
``timeROC::timeROC(T, delta, marker, cause = 1, weighting = "marginal", times)`` (``$AUC``):

* cases at t: died before t (T_i < t and delta_i = 1), weight 1 / G(T_i-);
* controls at t: still under follow-up after t (T_j > t), weight 1 / G(t) (equal for all controls);
* G is the Kaplan-Meier estimate of the censoring distribution (censoring as the event, at risk T >= s);
* AUC(t) = sum_{i case, j control} w_i [1(M_i > M_j) + 1/2 1(M_i = M_j)] / (sum_i w_i * #controls).

Like timeROC, a death exactly at t is neither case nor control, and a HIGHER marker means HIGHER risk.
For survival scores where higher means longer survival (Tokuhashi) pass ``higher_is_better=True``
(the marker is negated). Vectorised: O(n log n) per time point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from spinemet.analysis._validate import as_float_array
from spinemet.errors import InvalidInputError

__all__ = ["TimeAUCResult", "censoring_survival", "time_dependent_auc"]


@dataclass(frozen=True)
class TimeAUCResult:
    """AUC(t) per requested time.

    ``table`` has one row per time (sorted): time, auc, n_cases, n_controls, n_censored (censored before
    or at t, or dying exactly at t, i.e. neither case nor control), cumulative_incidence (IPCW estimate of
    P(T < t)) and survival (IPCW estimate of P(T > t)), as timeROC's ``Stats``, ``CumulativeIncidence``
    and ``survProb``.
    """

    table: pd.DataFrame
    method: str
    higher_is_better: bool
    n: int

    @property
    def times(self) -> NDArray[np.float64]:
        return self.table["time"].to_numpy()

    @property
    def auc(self) -> NDArray[np.float64]:
        return self.table["auc"].to_numpy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "cumulative/dynamic AUC, Kaplan-Meier IPCW (timeROC weighting='marginal')",
            "higher_is_better": self.higher_is_better,
            "n": self.n,
            "rows": self.table.to_dict(orient="records"),
        }


def censoring_survival(time: NDArray[np.float64], event: NDArray[np.bool_], at: NDArray[np.float64], *,
                       left_limit: bool) -> NDArray[np.float64]:
    """Kaplan-Meier estimate G of the censoring distribution, at ``at`` (G(s-) when ``left_limit``).

    Censorings are the events; the risk set at s is {T >= s} (R: ``survfit(Surv(T, 1 - delta) ~ 1)``).
    """
    cens_times = np.sort(time[~event])
    utimes = np.unique(cens_times)
    if utimes.size == 0:
        return np.ones(at.shape[0])
    sorted_t = np.sort(time)
    n_risk = time.shape[0] - np.searchsorted(sorted_t, utimes, side="left")
    n_cens = np.searchsorted(cens_times, utimes, side="right") - np.searchsorted(cens_times, utimes,
                                                                                 side="left")
    g = np.cumprod(1.0 - n_cens / n_risk)
    idx = np.searchsorted(utimes, at, side="left" if left_limit else "right") - 1
    return np.where(idx >= 0, g[np.maximum(idx, 0)], 1.0)


def time_dependent_auc(
    time: ArrayLike,
    event: ArrayLike,
    marker: ArrayLike,
    times: ArrayLike,
    *,
    method: str = "cumulative_dynamic",
    higher_is_better: bool = False,
) -> TimeAUCResult:
    """Cumulative/dynamic AUC(t) at each of ``times``, as ``timeROC(..., weighting = "marginal")$AUC``.

    Args:
        time: follow-up times; event: 1 = death, 0 = censored; marker: the score.
        times: evaluation times (same unit as ``time``), each > 0.
        method: only ``"cumulative_dynamic"``.
        higher_is_better: False (default, timeROC's convention) = higher marker means higher risk;
            True for survival scores such as Tokuhashi.

    Rows with a missing time, event or marker are dropped. AUC is NaN at a time with no case or no
    control.
    """
    if method != "cumulative_dynamic":
        raise InvalidInputError("method", method, "'cumulative_dynamic'")
    t = as_float_array(time, "time")
    e = as_float_array(event, "event")
    m = as_float_array(marker, "marker")
    tau = as_float_array(np.atleast_1d(np.asarray(times, dtype=object)), "times")
    if not (t.shape == e.shape == m.shape):
        raise InvalidInputError("time/event/marker", f"lengths {t.shape[0]}, {e.shape[0]}, {m.shape[0]}",
                                "arrays of equal length")
    if tau.size == 0 or not np.isfinite(tau).all() or (tau <= 0).any():
        raise InvalidInputError("times", list(tau), "one or more finite times > 0")
    keep = ~(np.isnan(t) | np.isnan(e) | np.isnan(m))
    t, e, m = t[keep], e[keep], m[keep]
    bad = ~np.isin(e, (0.0, 1.0))
    if bad.any():
        raise InvalidInputError("event", float(e[bad][0]), "0 (censored) or 1 (death)")
    if (t < 0).any() or not np.isfinite(t).all():
        raise InvalidInputError("time", float(t[(t < 0) | ~np.isfinite(t)][0]), "finite follow-up times >= 0")
    if not np.isfinite(m).all():
        raise InvalidInputError("marker", "infinite value", "finite numbers")
    ev = e.astype(bool)
    if higher_is_better:
        m = -m
    n = t.shape[0]
    g_sub = censoring_survival(t, ev, t, left_limit=True)
    tau = np.sort(tau)
    g_tau = censoring_survival(t, ev, tau, left_limit=False)
    rows = []
    for k, tk in enumerate(tau):
        case = (t < tk) & ev
        ctrl = t > tk
        w = 1.0 / g_sub[case]
        n_case = int(case.sum())
        n_ctrl = int(ctrl.sum())
        if n_case and n_ctrl:
            cm = np.sort(m[ctrl])
            lo = np.searchsorted(cm, m[case], side="left")
            hi = np.searchsorted(cm, m[case], side="right")
            auc = float(np.sum(w * (lo + 0.5 * (hi - lo))) / (w.sum() * n_ctrl))
        else:
            auc = float("nan")
        rows.append({
            "time": float(tk),
            "auc": auc,
            "n_cases": n_case,
            "n_controls": n_ctrl,
            "n_censored": n - n_case - n_ctrl,
            "cumulative_incidence": float(w.sum() / n),
            "survival": float(n_ctrl / (g_tau[k] * n)) if g_tau[k] > 0 else float("nan"),
        })
    return TimeAUCResult(table=pd.DataFrame(rows), method=method, higher_is_better=higher_is_better, n=n)
