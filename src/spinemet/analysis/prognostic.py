"""Prognostic accuracy of the survival scores on a cohort: Harrell's C, time-dependent AUC, and calibration
of the Tokuhashi bands against Kaplan-Meier survival.

Direction. Scores differ in which end predicts longer survival (:data:`SCORE_DIRECTIONS`):
Tokuhashi, modified Bauer and NESMS are higher = better prognosis; Tomita and Katagiri are higher = worse.
Harrell's C is computed as R ``concordance(Surv(t, d) ~ x)`` for higher-is-better scores and with
``reverse = TRUE`` for higher-is-worse scores, so C > 0.5 always means the score ranks patients in its
intended direction. The time-dependent AUC is given the same direction
(``time_dependent_auc(higher_is_better=...)``, R ``timeROC`` with the marker negated for higher-is-better
scores).
SINS measures mechanical instability, not survival; it is reported only when asked for, with that note.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from spinemet.analysis.concordance import concordance, time_order
from spinemet.analysis.descriptive import TOKUHASHI_BANDS, jsonable, numeric_column, tokuhashi_band_series
from spinemet.analysis.survival import kaplan_meier
from spinemet.analysis.time_auc import time_dependent_auc
from spinemet.errors import InvalidInputError

__all__ = [
    "DEFAULT_SCORES",
    "SCORE_DIRECTIONS",
    "BandCalibration",
    "ScoreAccuracy",
    "prognostic_accuracy",
    "score_accuracy",
    "tokuhashi_calibration",
]

SCORE_DIRECTIONS: Mapping[str, str] = {
    "tokuhashi": "higher_better",
    "tomita": "higher_worse",
    "katagiri": "higher_worse",
    "bauer_modified": "higher_better",
    "modified_bauer": "higher_better",
    "bauer": "higher_better",
    "nesms": "higher_better",
    "sins": "higher_worse",
}
"""Which end of each score predicts longer survival (Tokuhashi 2005, Tomita 2001, Katagiri 2014,
Leithner 2008, Ghori 2015; SINS is an instability score)."""

DEFAULT_SCORES: tuple[str, ...] = ("tokuhashi", "tomita", "katagiri", "bauer_modified", "nesms")

_NOTES = {"sins": "SINS grades spinal instability (Fisher 2010); it was not designed to predict survival"}

#: Tokuhashi 2005 predicted survival of each band, as the statement checked against KM survival.
_BAND_PREDICTION: Mapping[str, tuple[str, float, str]] = {
    "0-8": ("< 6 months", 6.0, "below"),
    "9-11": (">= 6 months", 6.0, "above"),
    "12-15": (">= 1 year", 12.0, "above"),
}


@dataclass(frozen=True)
class ScoreAccuracy:
    """Discrimination of one score for overall survival."""

    score: str
    direction: str
    n: int
    n_used: int
    n_missing: int
    events: int
    c_index: float
    c_se: float
    c_ci95: tuple[float, float]
    auc: dict[str, float]
    auc_times_months: tuple[float, ...]
    auc_cases: dict[str, int]
    auc_controls: dict[str, int]
    computable: bool
    methods: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return jsonable({k: getattr(self, k) for k in self.__dataclass_fields__})


@dataclass(frozen=True)
class BandCalibration:
    """Tokuhashi band prediction against Kaplan-Meier survival at 6 and 12 months."""

    band: str
    predicted: str
    n: int
    events: int
    km_survival: dict[str, float]
    km_lower: dict[str, float]
    km_upper: dict[str, float]
    km_median: float
    consistent: bool | None
    rule: str

    def to_dict(self) -> dict[str, Any]:
        return jsonable({k: getattr(self, k) for k in self.__dataclass_fields__})


def _survival_arrays(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return numeric_column(frame, "survival_months"), numeric_column(frame, "dead")


def _score_column(frame: pd.DataFrame, score: str) -> np.ndarray | None:
    names = [score, *(["modified_bauer"] if score == "bauer_modified" else [])]
    names += ["bauer_modified"] if score == "modified_bauer" else []
    for name in names:
        if name in frame.columns:
            return numeric_column(frame, name)
    return None


def _has_comparable_pair(t: np.ndarray, d: np.ndarray) -> bool:
    """Whether Harrell's C has a pair to compare: a death followed by a longer time, or by a censoring at
    the same time (R ``concordance`` counts that censored patient as outliving the death). Checking the
    earliest death suffices: any partner of a later death is also a partner of the earliest one."""
    deaths = d == 1
    if not deaths.any():
        return False
    first = t[deaths].min()
    return bool(np.any(t > first) or np.any((t == first) & ~deaths))


def score_accuracy(
    frame: pd.DataFrame, score: str, *, times: Sequence[float] = (6.0, 12.0),
    time_order: NDArray[np.intp] | None = None,
) -> ScoreAccuracy:
    """Harrell's C (with SE and 95% CI) and time-dependent AUC at ``times`` months for one score column.

    Patients with a missing score, survival time or status are left out (``n_missing``). ``time_order``:
    optional ``concordance.time_order`` of the frame's survival columns, shared between scores.
    """
    if score not in SCORE_DIRECTIONS:
        raise InvalidInputError("score", score, ", ".join(SCORE_DIRECTIONS))
    direction = SCORE_DIRECTIONS[score]
    nan = math.nan
    time, dead = _survival_arrays(frame)
    values = _score_column(frame, score)
    notes = [_NOTES[score]] if score in _NOTES else []
    key = [f"{t:g}" for t in times]
    methods = {
        "c_index": "Harrell's C with infinitesimal-jackknife SE and Wald 95% CI (R survival::concordance"
        + (", reverse=TRUE: higher score = worse)" if direction == "higher_worse" else ", reverse=FALSE)"),
        "auc": "cumulative/dynamic time-dependent AUC with Kaplan-Meier IPCW (R timeROC "
        "weighting='marginal'); NaN at a time without cases or controls",
    }
    if values is None:
        notes.append(f"column {score!r} not in the cohort")
        return ScoreAccuracy(score, direction, len(frame), 0, len(frame), 0, nan, nan, (nan, nan),
                             dict.fromkeys(key, nan), tuple(times), dict.fromkeys(key, 0),
                             dict.fromkeys(key, 0), False, methods, tuple(notes))
    ok = ~np.isnan(values) & ~np.isnan(time) & ~np.isnan(dead)
    n_used = int(ok.sum())
    t, d, x = time[ok], dead[ok], values[ok]
    c = se = nan
    ci = (nan, nan)
    auc = dict.fromkeys(key, nan)
    auc_cases = dict.fromkeys(key, 0)
    auc_controls = dict.fromkeys(key, 0)
    computable = n_used >= 2 and _has_comparable_pair(t, d) and np.unique(x).size > 1
    if computable:
        if time_order is None:
            res = concordance(t, d, x, reverse=direction == "higher_worse")
        else:  # all rows: concordance drops the same incomplete ones and restricts the shared order
            res = concordance(time, dead, values, reverse=direction == "higher_worse", time_order=time_order)
        c, se = float(res.c), float(res.se)
        ci = (float(res.ci[0]), float(res.ci[1]))
        tab = time_dependent_auc(
            t, d, x, list(times), higher_is_better=direction == "higher_better"
        ).table.set_index("time")
        auc = {k: float(tab.at[float(tt), "auc"]) for k, tt in zip(key, times, strict=True)}
        auc_cases = {k: int(tab.at[float(tt), "n_cases"]) for k, tt in zip(key, times, strict=True)}
        auc_controls = {k: int(tab.at[float(tt), "n_controls"]) for k, tt in zip(key, times, strict=True)}
    else:
        notes.append("not computable: needs >= 2 patients, a death followed by a longer follow-up (a "
                     "comparable pair) and more than one score value")
    return ScoreAccuracy(
        score=score, direction=direction, n=len(frame), n_used=n_used, n_missing=len(frame) - n_used,
        events=int(d.sum()), c_index=c, c_se=se, c_ci95=ci, auc=auc, auc_times_months=tuple(times),
        auc_cases=auc_cases, auc_controls=auc_controls, computable=bool(computable), methods=methods,
        notes=tuple(notes),
    )  # fmt: skip


def prognostic_accuracy(
    frame: pd.DataFrame, scores: Iterable[str] | None = None, *, times: Sequence[float] = (6.0, 12.0)
) -> dict[str, ScoreAccuracy]:
    """:func:`score_accuracy` for each score; by default every one of :data:`DEFAULT_SCORES` present in
    the frame (Tokuhashi is always reported)."""
    if scores is None:
        scores = [s for s in DEFAULT_SCORES if s == "tokuhashi" or _score_column(frame, s) is not None]
    time, dead = _survival_arrays(frame)
    order = time_order(time, dead)  # one sort by time, shared by every score's C-index
    return {s: score_accuracy(frame, s, times=times, time_order=order) for s in scores}


def tokuhashi_calibration(
    frame: pd.DataFrame, *, times: Sequence[float] = (6.0, 12.0), ci_method: str = "log"
) -> dict[str, BandCalibration]:
    """Per Tokuhashi band: KM survival (95% CI, ``ci_method``) at ``times`` months against the band's
    prediction. ``consistent`` checks the prediction as a statement about the median: 0-8 "< 6 months"
    holds when KM S(6) < 0.5; 9-11 ">= 6 months" when S(6) >= 0.5; 12-15 ">= 1 year" when S(12) >= 0.5.
    None when the band is empty."""
    time, dead = _survival_arrays(frame)
    band = tokuhashi_band_series(frame).to_numpy(dtype=object)
    ok_surv = ~np.isnan(time) & ~np.isnan(dead)
    key = [f"{t:g}" for t in times]
    out: dict[str, BandCalibration] = {}
    for b in TOKUHASHI_BANDS:
        predicted, horizon, side = _BAND_PREDICTION[b]
        rule = f"prediction {predicted!r} holds when KM S({horizon:g}) {'<' if side == 'below' else '>='} 0.5"
        ok = ok_surv & (band == b)
        nan_map = dict.fromkeys(key, math.nan)
        if not ok.any():
            out[b] = BandCalibration(b, predicted, 0, 0, nan_map, dict(nan_map), dict(nan_map), math.nan,
                                     None, rule)
            continue
        km = kaplan_meier(time[ok], dead[ok], ci_method=ci_method)
        at = km.survival_at(list(times))
        s = dict(zip(key, at["survival"].astype(float), strict=True))
        lo = dict(zip(key, at["lower"].astype(float), strict=True))
        hi = dict(zip(key, at["upper"].astype(float), strict=True))
        s_h = float(km.survival_at([horizon])["survival"].iloc[0])
        consistent = s_h < 0.5 if side == "below" else s_h >= 0.5
        out[b] = BandCalibration(b, predicted, int(ok.sum()), int(dead[ok].sum()), s, lo, hi,
                                 float(km.median), bool(consistent), rule)
    return out
