"""Predicted survival curves from a Cox model for given covariate patterns, as R's
``survfit(coxph_fit, newdata = ...)`` (survival 3.5).

Clinical meaning: "the expected survival of a patient like this one, in our own cohort" — the
cohort's baseline survival curve, shifted by the patient's hazard ratio relative to the model's mean
patient. It is only as good as the model (check proportional hazards with
:mod:`spinemet.analysis.cox_zph`) and applies only within the cohort's follow-up.

Method (R's ``survfit.coxph`` -> ``agsurv``/``coxsurv.fit``; Therneau & Grambsch, *Modeling Survival
Data*, 2000, ch. 10): cumulative baseline hazard with the fit's tie method (Efron: each tied death
contributes 1/(sum of risks - k/d of the dying's risks), k = 0..d-1; Breslow: d / sum of risks), at the
model's centred covariates; S(t | x) = exp(-H0(t) exp((x - mean) b)). Its variance adds the variance of
the baseline hazard and d(t)' V d(t), d(t) = H0(t) (x - mean) - the risk-weighted cumulative mean of the
covariates. Pointwise CIs on the log scale (R's default ``conf.type = "log"``):
S exp(-/+ z SE(H)), upper capped at 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from spinemet.analysis._cox_data import cox_data, design_for
from spinemet.analysis._dist import norm_ppf
from spinemet.analysis.cox import CoxResult
from spinemet.errors import InvalidInputError

__all__ = ["PredictedSurvival", "predict_survival"]


@dataclass(frozen=True, eq=False)
class PredictedSurvival:
    """Curves over the model's distinct times; arrays ``surv``/``std_err``/``lower``/``upper`` have one
    column per row of ``newdata`` (R's ``survfit`` matrix layout)."""

    time: NDArray[np.float64]
    n_risk: NDArray[np.float64]
    n_event: NDArray[np.float64]
    surv: NDArray[np.float64]
    std_err: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]
    conf_level: float

    def survival_at(self, times: list[float] | NDArray[np.float64]) -> pd.DataFrame:
        """S(t) with its CI at chosen times, one row per (pattern, time): columns pattern, time,
        survival, lower, upper (the curve's value at the last model time <= t; 1 before the first)."""
        t = np.asarray(times, dtype=np.float64)
        idx = np.searchsorted(self.time, t, side="right") - 1
        rows = []
        for k in range(self.surv.shape[1]):
            for ti, j in zip(t, idx, strict=True):
                if j < 0:
                    rows.append((k, float(ti), 1.0, 1.0, 1.0))
                else:
                    rows.append((k, float(ti), float(self.surv[j, k]), float(self.lower[j, k]),
                                 float(self.upper[j, k])))
        return pd.DataFrame(rows, columns=["pattern", "time", "survival", "lower", "upper"])


def predict_survival(fit: CoxResult, frame: pd.DataFrame, duration: str, event: str,
                     newdata: pd.DataFrame, *, conf_level: float | None = None) -> PredictedSurvival:
    """Survival curves for the covariate patterns in ``newdata``, as R's ``survfit(fit, newdata)``.

    ``frame``, ``duration``, ``event``: what the model was fitted with. ``newdata``: one row per pattern
    with the model's covariate columns (category levels as in the fit). Stratified fits are not supported.
    """
    if fit.strata is not None:
        raise InvalidInputError("fit", "stratified model", "a Cox model without strata")
    if not isinstance(newdata, pd.DataFrame) or len(newdata) == 0:
        raise InvalidInputError("newdata", type(newdata).__name__, "a DataFrame with at least one row")
    level = fit.conf_level if conf_level is None else conf_level
    if not 0 < level < 1:
        raise InvalidInputError("conf_level", level, "a number strictly between 0 and 1")
    x2 = design_for(fit, newdata) - fit.means
    if not np.isfinite(x2).all():
        raise InvalidInputError("newdata", "missing value", "every covariate of the model given")
    d = cox_data(fit, frame, duration, event)
    r = np.exp(d.lp)
    times = np.unique(d.time)
    p = d.x.shape[1]
    haz = np.zeros(times.size)
    varhaz = np.zeros(times.size)
    xbar = np.zeros((times.size, p))
    n_risk = np.zeros(times.size)
    n_event = np.zeros(times.size)
    efron = fit.ties == "efron"
    for i, t in enumerate(times):
        at_risk = d.time >= t
        dead = (d.time == t) & d.event
        n_risk[i] = at_risk.sum()
        nd = int(dead.sum())
        n_event[i] = nd
        if nd == 0:
            continue
        s0 = r[at_risk].sum()
        s1 = r[at_risk] @ d.x[at_risk]
        e0 = r[dead].sum()
        e1 = r[dead] @ d.x[dead]
        if efron:
            f = np.arange(nd) / nd
            den = s0 - f * e0
            haz[i] = np.sum(1.0 / den)
            varhaz[i] = np.sum(1.0 / den**2)
            xbar[i] = ((s1[None, :] - f[:, None] * e1[None, :]) / (den**2)[:, None]).sum(axis=0)
        else:
            haz[i] = nd / s0
            varhaz[i] = nd / s0**2
            xbar[i] = nd * s1 / s0**2
    cumhaz = np.cumsum(haz)
    cumvar = np.cumsum(varhaz)
    cumxbar = np.cumsum(xbar, axis=0)
    risk2 = np.exp(x2 @ fit.coef)
    surv = np.exp(-np.outer(cumhaz, risk2))
    se = np.empty_like(surv)
    for k in range(x2.shape[0]):
        dt = np.outer(cumhaz, x2[k]) - cumxbar
        se[:, k] = np.sqrt((cumvar + np.einsum("ij,jk,ik->i", dt, fit.var, dt)) * risk2[k] ** 2)
    z = norm_ppf(1 - (1 - level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = surv * np.exp(-z * se)
        upper = np.minimum(surv * np.exp(z * se), 1.0)
    return PredictedSurvival(time=times, n_risk=n_risk, n_event=n_event, surv=surv, std_err=se,
                             lower=lower, upper=upper, conf_level=level)
