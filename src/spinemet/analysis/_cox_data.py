"""The data a fitted Cox model was fitted on, rebuilt from the fit (for cox.zph and survfit(coxph)).

R's ``cox.zph`` and ``survfit.coxph`` work the same way: they take the fitted coefficients and recompute
what they need (risk sets, Schoenfeld residuals, the baseline hazard) from the model's data. These
helpers rebuild that data from a :class:`~spinemet.analysis.cox.CoxResult` and the frame it was fitted on,
dropping incomplete rows as ``cox`` does, merging times that differ only by rounding error (R's
``timefix``, as ``coxph`` does by default), and sort it by (stratum, time).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from spinemet.analysis._validate import timefix
from spinemet.analysis.cox import CoxResult, _design
from spinemet.errors import InvalidInputError

__all__ = ["CoxData", "cox_data", "death_groups", "design_for"]


@dataclass(frozen=True)
class CoxData:
    """Model data sorted by (stratum, time): centred design ``x``, times, events, strata codes, lp."""

    x: NDArray[np.float64]
    time: NDArray[np.float64]
    event: NDArray[np.bool_]
    stratum: NDArray[np.int64]
    lp: NDArray[np.float64]
    names: tuple[str, ...]


def design_for(fit: CoxResult, frame: pd.DataFrame) -> NDArray[np.float64]:
    """The model's (uncentred) design matrix for ``frame`` (dummy coding of the fit)."""
    x, _ = _design(frame, fit._terms, fit=False)
    return x


def cox_data(fit: CoxResult, frame: pd.DataFrame, duration: str, event: str) -> CoxData:
    """Rebuild the data of ``fit`` from ``frame`` (the frame passed to ``cox``)."""
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError("frame", type(frame).__name__, "the pandas DataFrame the model was fitted on")
    covs: Sequence[str] = [t.column for t in fit._terms]
    used = [duration, event, *covs] + ([fit.strata] if fit.strata is not None else [])
    missing = [c for c in used if c not in frame.columns]
    if missing:
        raise InvalidInputError("frame", ", ".join(missing), "the columns the model was fitted on")
    keep = ~frame[used].isna().any(axis=1).to_numpy()
    data = frame.loc[keep, used]
    if len(data) != fit.n:
        raise InvalidInputError("frame", f"{len(data)} complete rows", f"the {fit.n} rows the model used",
                                "pass the frame, duration and event the model was fitted with")
    # R's timefix, as coxph applies it to the y that cox.zph and survfit.coxph reuse
    t = timefix(pd.to_numeric(data[duration]).to_numpy(dtype=np.float64))
    e = pd.to_numeric(data[event]).to_numpy(dtype=np.float64).astype(bool)
    x = design_for(fit, data) - fit.means
    if fit.strata is not None:
        _, s = np.unique(data[fit.strata].astype(str).to_numpy(), return_inverse=True)
        s = s.ravel().astype(np.int64)
    else:
        s = np.zeros(len(data), dtype=np.int64)
    order = np.lexsort((t, s))
    x = x[order]
    return CoxData(x=x, time=t[order], event=e[order], stratum=s[order], lp=x @ fit.coef,
                   names=tuple(fit.summary.index))


def death_groups(d: CoxData) -> list[tuple[NDArray[np.intp], NDArray[np.intp]]]:
    """Per (stratum, death time), in (stratum, time) order: (the deaths, the risk set) as indices."""
    out = []
    keys = sorted({(int(s), float(t)) for s, t, e in zip(d.stratum, d.time, d.event, strict=True) if e},
                  key=lambda k: (k[0], k[1]))
    for s, t in keys:
        same = d.stratum == s
        deaths = np.flatnonzero(same & (d.time == t) & d.event)
        risk = np.flatnonzero(same & (d.time >= t))
        out.append((deaths, risk))
    return out
