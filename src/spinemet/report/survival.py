"""Kaplan-Meier curves the report draws: overall, by Tokuhashi band, and by any cohort column (``--by``).

Numbers come from ``spinemet.analysis`` (``kaplan_meier``, ``logrank``); this module only groups the
patients, validates the ``--by`` column and keeps what the figures, tables and JSON need.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spinemet.analysis.descriptive import (
    DISCHARGE_LEVELS,
    ESCC_LEVELS,
    FRANKEL_MODIFIED,
    PRIMARY_TUMORS,
    REGIONS,
    SINS_BANDS,
    TOKUHASHI_BANDS,
    jsonable,
    region_series,
)
from spinemet.analysis.logrank import LogRankResult, logrank
from spinemet.analysis.survival import KaplanMeierResult, kaplan_meier
from spinemet.errors import InvalidInputError

__all__ = [
    "DERIVED_BY_COLUMNS",
    "CurveGroup",
    "SurvivalSplit",
    "allowed_by_columns",
    "check_by",
    "survival_split",
]

#: Columns derived by spinemet that ``--by`` accepts besides the cohort format's categorical columns.
DERIVED_BY_COLUMNS: tuple[str, ...] = (
    "region",
    "tokuhashi_band",
    "sins_band",
    "frankel_change",
    "escc_high_grade",
    "site",
)

_EXCLUDED_BY = {"patient_id", "main_level", "frankel_scale"}
_MAX_GROUPS = 12

#: The vocabulary order of known columns (so groups are drawn in clinical order, not alphabetically).
_ORDER: dict[str, tuple[str, ...]] = {
    "tokuhashi_band": TOKUHASHI_BANDS,
    "sins_band": SINS_BANDS,
    "region": REGIONS,
    "primary_tumor": PRIMARY_TUMORS,
    "frankel_pre": FRANKEL_MODIFIED,
    "frankel_post": FRANKEL_MODIFIED,
    "escc": ESCC_LEVELS,
    "discharge": DISCHARGE_LEVELS,
    "procedure": ("conventional", "mist"),
    "sex": ("M", "F"),
    "frankel_change": ("improved", "e_maintained", "unchanged", "aggravated"),
}

#: Display names of group codes.
GROUP_LABELS: dict[str, dict[str, str]] = {
    "tokuhashi_band": {
        "0-8": "Tokuhashi 0\u20138",
        "9-11": "Tokuhashi 9\u201311",
        "12-15": "Tokuhashi 12\u201315",
    },
    "procedure": {"conventional": "Conventional", "mist": "MISt"},
    "sex": {"M": "Male", "F": "Female"},
    "sins_band": {
        "stable": "SINS 0\u20136 (stable)",
        "potentially_unstable": "SINS 7\u201312 (potentially unstable)",
        "unstable": "SINS 13\u201318 (unstable)",
    },
}


@dataclass(frozen=True)
class CurveGroup:
    """The patients of one group with known survival time and status, and their Kaplan-Meier curve."""

    code: str
    label: str
    time: np.ndarray
    event: np.ndarray
    km: KaplanMeierResult

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def events(self) -> int:
        return int(self.event.sum())

    def at(self, months: Sequence[float]) -> pd.DataFrame:
        """S(t) with its pointwise CI at the given months (R ``summary(fit, times=)``)."""
        return self.km.survival_at(list(months))

    def to_dict(self, at_months: Sequence[float], risk_times: Sequence[float]) -> dict[str, Any]:
        from spinemet.report.km_axis import numbers_at_risk

        s = self.at(at_months)
        return jsonable(
            {
                "group": self.code,
                "label": self.label,
                "n": self.n,
                "events": self.events,
                "censored": self.n - self.events,
                "median_months": self.km.median,
                "median_ci95": list(self.km.median_ci),
                "survival_at": {
                    f"{t:g}": {"survival": sv, "lower": lo, "upper": hi}
                    for t, sv, lo, hi in zip(s["time"], s["survival"], s["lower"], s["upper"], strict=True)
                },
                "numbers_at_risk": {
                    f"{t:g}": n
                    for t, n in zip(risk_times, numbers_at_risk(self.time, risk_times), strict=True)
                },
            }
        )


@dataclass(frozen=True)
class SurvivalSplit:
    """Kaplan-Meier curves of one grouping (``variable`` = "all" for the whole cohort)."""

    variable: str
    title: str
    groups: tuple[CurveGroup, ...]
    logrank: LogRankResult | None
    n_missing_time: int
    n_missing_group: int

    @property
    def n_used(self) -> int:
        return sum(g.n for g in self.groups)

    def risk_times(self) -> list[float]:
        from spinemet.report.km_axis import tick_times

        longest = max((float(g.time.max()) for g in self.groups if g.n), default=1.0)
        return [float(t) for t in tick_times(longest)]

    def to_dict(self, at_months: Sequence[float] = (6.0, 12.0)) -> dict[str, Any]:
        risk = self.risk_times()
        return jsonable(
            {
                "variable": self.variable,
                "title": self.title,
                "n_used": self.n_used,
                "n_missing_survival": self.n_missing_time,
                "n_missing_group": self.n_missing_group,
                "ci_method": self.groups[0].km.ci_method if self.groups else None,
                "groups": [g.to_dict(at_months, risk) for g in self.groups],
                "logrank": None
                if self.logrank is None
                else {
                    "chi2": self.logrank.chi2,
                    "df": self.logrank.df,
                    "p": self.logrank.p,
                    "method": "log-rank test (R survdiff, rho = 0)",
                },
                "numbers_at_risk_times": risk,
            }
        )


def _survival_arrays(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    def num(col: str) -> np.ndarray:
        if col not in frame.columns:
            return np.full(len(frame), np.nan)
        return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    time, dead = num("survival_months"), num("dead")
    ok = ~np.isnan(time) & ~np.isnan(dead)
    return time, dead, ok


def group_series(frame: pd.DataFrame, variable: str) -> pd.Series:
    """The grouping column as strings (missing stays missing); ``region`` is derived from ``main_level``."""
    use_region = variable == "region" and "region" not in frame.columns
    out = (region_series(frame) if use_region else frame[variable]).astype("object")
    mask = pd.isna(out)
    out = out.map(lambda v: v if isinstance(v, str) else (f"{v:g}" if isinstance(v, float) else str(v)))
    return out.where(~mask, None)


def allowed_by_columns(frame: pd.DataFrame) -> list[str]:
    """Columns ``--by`` accepts for this frame: the cohort format's category and binary columns and
    spinemet's derived bands that are present, with 2 to 12 distinct values."""
    from spinemet.cohort.schema import COLUMNS

    candidates = [c.name for c in COLUMNS if c.kind in ("category", "binary") and c.name not in _EXCLUDED_BY]
    candidates += [c for c in DERIVED_BY_COLUMNS if c not in candidates]
    out = []
    for name in candidates:
        if name == "region" and "main_level" in frame.columns:
            out.append(name)
            continue
        if name not in frame.columns:
            continue
        n_distinct = frame[name].dropna().nunique()
        if 2 <= n_distinct <= _MAX_GROUPS:
            out.append(name)
    return out


def check_by(frame: pd.DataFrame, variable: str | None) -> str | None:
    """Validate ``--by``: the name of a grouping column of this cohort, else ``InvalidInputError`` listing
    the allowed columns."""
    if variable is None:
        return None
    allowed = allowed_by_columns(frame)
    if variable not in allowed:
        raise InvalidInputError(
            "--by",
            variable,
            ", ".join(allowed),
            detail="a categorical cohort column with 2 to 12 distinct values in this cohort",
        )
    return variable


def _label(variable: str, code: str) -> str:
    return GROUP_LABELS.get(variable, {}).get(code, code.replace("_", " "))


def survival_split(
    frame: pd.DataFrame, variable: str | None, *, ci_method: str, title: str | None = None
) -> SurvivalSplit:
    """Kaplan-Meier curves overall (``variable=None``) or per group of ``variable``, with the log-rank test
    across the groups (patients with a missing group are left out and counted)."""
    time, dead, ok = _survival_arrays(frame)
    n_missing_time = int((~ok).sum())
    if variable is None:
        groups = []
        if ok.any():
            km = kaplan_meier(time[ok], dead[ok], ci_method=ci_method)
            groups.append(CurveGroup("all", "All patients", time[ok], dead[ok], km))
        return SurvivalSplit("all", title or "Overall survival", tuple(groups), None, n_missing_time, 0)
    series = group_series(frame, variable)
    has_group = series.notna().to_numpy(dtype=bool)  # None, NaN and pd.NA (pandas 3 text) are no group
    labels = np.array(
        [str(v) if h else None for v, h in zip(series.to_numpy(dtype=object), has_group, strict=True)],
        dtype=object,
    )
    use = ok & has_group
    present = {str(v) for v in labels[use]}
    order = [c for c in _ORDER.get(variable, ()) if c in present]
    order += sorted(present - set(order))
    groups = []
    for code in order:
        m = use & (labels == code)
        km = kaplan_meier(time[m], dead[m], ci_method=ci_method)
        groups.append(CurveGroup(code, _label(variable, code), time[m], dead[m], km))
    lr = None
    if len(groups) >= 2 and dead[use].sum() > 0:  # without any death there is nothing to compare
        lr = logrank(time[use], dead[use], labels[use].astype(str))
    return SurvivalSplit(
        variable,
        title or f"Survival by {variable.replace('_', ' ')}",
        tuple(groups),
        lr,
        n_missing_time,
        int((ok & ~has_group).sum()),
    )
