"""Median follow-up by the reverse Kaplan-Meier method, and survival at chosen times with CIs.

Clinical meaning: the median follow-up says how long the surviving patients were watched; the reverse
Kaplan-Meier (Schemper & Smith, *Control Clin Trials* 1996;17:343-6) treats censoring as the event and
death as censoring, so early deaths do not shorten it (unlike the median time of all patients).
Survival at chosen times ("1-year survival 45% (31-59)") is the Kaplan-Meier estimate at those times with
its pointwise CI, as R's ``summary(survfit(...), times = ...)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spinemet.analysis._validate import as_event
from spinemet.analysis.survival import kaplan_meier

__all__ = ["FollowUp", "median_follow_up", "survival_at_times"]


@dataclass(frozen=True)
class FollowUp:
    """Median follow-up (reverse KM) with its CI (R's log CI of ``quantile(fit, 0.5)``)."""

    median: float
    lower: float
    upper: float
    n_censored: int


def median_follow_up(time: Any, event: Any) -> FollowUp:
    """Median follow-up as R's ``quantile(survfit(Surv(time, 1 - event) ~ 1), 0.5)``."""
    e = as_event(event, "event")
    km = kaplan_meier(time, 1.0 - e)
    est, lo, hi = km.quantile(0.5)
    return FollowUp(median=float(est), lower=float(lo), upper=float(hi), n_censored=int((e == 0).sum()))


def survival_at_times(time: Any, event: Any, times: Any, *, ci_method: str = "log",
                      conf_level: float = 0.95) -> pd.DataFrame:
    """Kaplan-Meier survival at ``times`` with its CI and the number at risk (R ``summary(fit, times=)``).

    Columns: time, n_risk, survival, lower, upper. Times beyond the last follow-up give NaN (not
    estimable) rather than carrying the last value forward, so no number is printed for them.
    """
    km = kaplan_meier(time, event, ci_method=ci_method, conf_level=conf_level)
    out = km.survival_at(times)[["time", "n_risk", "survival", "lower", "upper"]].copy()
    beyond = out["time"].to_numpy() > float(np.max(km.time))
    out.loc[beyond, ["survival", "lower", "upper"]] = np.nan
    return out
