"""The proportional-hazards check of a Cox model, as R's ``survival::cox.zph`` (survival 3.5).

Clinical meaning: a Cox hazard ratio is one number for the whole follow-up. If the effect of a covariate
changes with time (e.g. a score that separates patients early but not late), that single HR is misleading.
The test asks whether the scaled Schoenfeld residuals of each covariate trend with (transformed) time; a
small P (conventionally < 0.05) says the proportional-hazards assumption is doubtful for that covariate.

Method (Grambsch & Therneau, *Biometrika* 1994;81:515-26, in the form of ``cox.zph`` since survival 3.0):
a score test, at the fitted coefficients, of adding ``x * g(t)`` to the model, where ``g`` is the time
transform centred at the mean over deaths. Transform ``"km"`` (R's default) is 1 - the left-continuous
Kaplan-Meier estimate of all patients; also ``"identity"``, ``"rank"``, ``"log"``. One test per covariate
(a categorical covariate's dummy columns together, as R's ``terms = TRUE``) and a global test on all
columns. Ties as the fit (Efron or Breslow). Scaled Schoenfeld residuals (for plots of beta(t)) are given
per model column, as R's ``cox.zph(fit, terms = FALSE)$y``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from spinemet.analysis._cox_data import cox_data, death_groups
from spinemet.analysis._dist import chi2_sf
from spinemet.analysis.cox import CoxResult
from spinemet.analysis.survival import kaplan_meier
from spinemet.errors import InvalidInputError

__all__ = ["TRANSFORMS", "CoxZphResult", "cox_zph"]

TRANSFORMS = ("km", "identity", "rank", "log")


@dataclass(frozen=True)
class CoxZphResult:
    """``table``: rows per covariate (term) plus ``"GLOBAL"``, columns chisq, df, p (R's ``zph$table``).

    ``time``: death times; ``x``: their transformed times; ``scaled``: scaled Schoenfeld residuals (one
    column per model column, rows as ``time``); ``transform``: the time transform used.
    """

    table: pd.DataFrame
    time: NDArray[np.float64]
    x: NDArray[np.float64]
    scaled: pd.DataFrame
    transform: str

    def failing(self, alpha: float = 0.05) -> list[str]:
        """Covariates (not GLOBAL) whose test has P < alpha."""
        t = self.table.drop(index="GLOBAL")
        return [str(n) for n in t.index[t["p"] < alpha]]

    @property
    def global_p(self) -> float:
        """P of the global test."""
        return float(self.table.loc["GLOBAL", "p"])

    def to_dict(self) -> dict[str, object]:
        """Plain-JSON dictionary: transform and the table."""
        return {
            "method": f"Schoenfeld residual test (R survival::cox.zph), transform {self.transform}",
            "transform": self.transform,
            "table": {str(k): {c: float(v) for c, v in row.items()} for k, row in self.table.iterrows()},
        }


def _transform(time: NDArray[np.float64], event: NDArray[np.bool_], how: str) -> NDArray[np.float64]:
    if how == "identity":
        return time.copy()
    if how == "log":
        return np.log(time)
    if how == "rank":
        return pd.Series(time).rank(method="average").to_numpy()
    km = kaplan_meier(time, event.astype(float))
    # 1 - S(t-): the KM just before each time (R: findInterval(..., left.open = TRUE))
    idx = np.searchsorted(km.time, time, side="left")
    return 1.0 - np.concatenate(([1.0], km.surv))[idx]


def cox_zph(fit: CoxResult, frame: pd.DataFrame, duration: str, event: str, *,
            transform: str = "km") -> CoxZphResult:
    """Test proportional hazards for ``fit`` as R's ``cox.zph(fit, transform = transform)``.

    ``frame``, ``duration`` and ``event`` are those the model was fitted with (incomplete rows are
    dropped in the same way). Robust-variance fits are tested with the model-based information, as R.
    """
    if transform not in TRANSFORMS:
        raise InvalidInputError("transform", transform, ", ".join(TRANSFORMS))
    d = cox_data(fit, frame, duration, event)
    p = d.x.shape[1]
    ttimes = _transform(d.time, d.event, transform)
    gtime = ttimes - ttimes[d.event].mean()
    r = np.exp(d.lp)
    u2 = np.zeros(p)
    imat = np.zeros((2 * p, 2 * p))
    schoen: list[NDArray[np.float64]] = []
    dtimes: list[float] = []
    dx: list[float] = []
    efron = fit.ties == "efron"
    for deaths, risk in death_groups(d):
        xr, rr = d.x[risk], r[risk]
        xd, rd = d.x[deaths], r[deaths]
        s0, s1, s2 = rr.sum(), rr @ xr, (xr * rr[:, None]).T @ xr
        d0, d1, d2 = rd.sum(), rd @ xd, (xd * rd[:, None]).T @ xd
        nd = len(deaths)
        vsum = np.zeros((p, p))
        msum = np.zeros(p)
        for k in range(nd):
            f = k / nd if efron else 0.0
            den = s0 - f * d0
            xbar = (s1 - f * d1) / den
            vsum += (s2 - f * d2) / den - np.outer(xbar, xbar)
            msum += xbar
        g = gtime[deaths[0]]
        res = xd - msum / nd
        u2 += g * res.sum(axis=0)
        imat[:p, :p] += vsum
        imat[:p, p:] += g * vsum
        imat[p:, :p] += g * vsum
        imat[p:, p:] += g * g * vsum
        schoen.extend(res)
        dtimes.extend(d.time[deaths])
        dx.extend(ttimes[deaths])
    u = np.concatenate((np.zeros(p), u2))
    rows: dict[str, tuple[float, int, float]] = {}
    start = 0
    for term in fit._terms:
        jj = np.arange(start, start + len(term.names()))
        start += len(jj)
        kk = np.concatenate((np.arange(p), jj + p))
        sub = u[kk]
        stat = float(sub @ np.linalg.solve(imat[np.ix_(kk, kk)], sub))
        rows[term.column] = (stat, len(jj), chi2_sf(stat, len(jj)))
    stat = float(u @ np.linalg.solve(imat, u))
    rows["GLOBAL"] = (stat, p, chi2_sf(stat, p))
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["chisq", "df", "p"])
    table["df"] = table["df"].astype(int)
    vmean = imat[:p, :p] / int(d.event.sum())
    sres = np.asarray(schoen).reshape(-1, p)
    scaled = np.linalg.solve(vmean, sres.T).T + fit.coef
    return CoxZphResult(table=table, time=np.asarray(dtimes), x=np.asarray(dx),
                        scaled=pd.DataFrame(scaled, columns=list(d.names)), transform=transform)
