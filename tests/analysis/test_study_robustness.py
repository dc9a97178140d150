"""``analyse_study`` returns, and its ``to_dict()`` is strict JSON, on any sub-cohort.

Property test: sub-cohorts of the demo cohort and of ``synth`` (random subsets including 0, 1 and 2
patients; everybody censored or dead; one Tokuhashi band or one procedure only; columns dropped or entirely
missing) must never crash the study analysis, with R's median CI and with SPSS's.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinemet.analysis import analyse_study, logrank, logrank_trend
from spinemet.analysis.descriptive import tokuhashi_band_series
from spinemet.cohort import add_score_columns, load_demo, synth

DATA = Path(__file__).resolve().parents[1] / "data" / "r"

DROPPABLE = (
    "survival_months", "dead", "barthel_pre", "barthel_post", "vas_pre", "vas_post", "procedure",
    "primary_tumor", "radiotherapy", "discharge", "frankel_pre", "frankel_post", "kps", "surgery_date",
    "complications", "age", "sex", "main_level", "escc",
)  # fmt: skip


@functools.cache
def _sources() -> dict[str, pd.DataFrame]:
    return {"demo": load_demo().frame, "synth": synth(120, seed=7)}


@st.composite
def sub_cohorts(draw: st.DrawFn) -> pd.DataFrame:
    base = _sources()[draw(st.sampled_from(["demo", "synth"]))]
    size = draw(st.sampled_from([0, 1, 2, 3, 5, 10, 30]))
    size = min(size, len(base))
    rows = draw(st.lists(st.integers(0, len(base) - 1), min_size=size, max_size=size, unique=True))
    frame = base.iloc[sorted(rows)].copy()
    edit = draw(st.sampled_from(["none", "all_censored", "all_dead", "one_band", "one_procedure"]))
    if edit == "all_censored" and "dead" in frame.columns:
        frame["dead"] = 0.0
    elif edit == "all_dead" and "dead" in frame.columns:
        frame["dead"] = 1.0
    elif edit == "one_band" and len(frame):
        band = tokuhashi_band_series(add_score_columns(frame))
        keep = band == draw(st.sampled_from(["0-8", "9-11", "12-15"]))
        frame = frame[keep.to_numpy()]
    elif edit == "one_procedure" and "procedure" in frame.columns:
        frame["procedure"] = draw(st.sampled_from(["mist", "conventional"]))
    for col in draw(st.lists(st.sampled_from(DROPPABLE), max_size=4, unique=True)):
        if col in frame.columns:
            frame = frame.drop(columns=col)
    for col in draw(st.lists(st.sampled_from(DROPPABLE), max_size=3, unique=True)):
        if col in frame.columns:  # every value missing, dtype kept as the cohort format's
            frame[col] = pd.NaT if frame[col].dtype.kind == "M" else np.nan
    return frame


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=sub_cohorts(), median_ci=st.sampled_from(["log", "spss"]))
def test_analyse_study_never_crashes_and_is_strict_json(frame: pd.DataFrame, median_ci: str) -> None:
    result = analyse_study(frame, median_ci=median_ci)
    assert result.n == len(frame)
    text = json.dumps(result.to_dict(), allow_nan=False)
    assert json.loads(text)["n"] == len(frame)


def test_analyse_study_without_deaths_has_no_trend_p() -> None:
    """All censored: R ``survdiff(Surv(t, rep(0, n)) ~ band)`` has chisq 0 (no events, no expected); the
    trend statistic 0/0 is undefined, reported as NaN (null in JSON) with a note, not a crash."""
    frame = load_demo().frame.assign(dead=0.0)
    result = analyse_study(frame)
    ovp = result.observed_vs_predicted
    assert np.isnan(ovp.trend_p) and np.isnan(ovp.trend_chi2)
    assert np.isnan(ovp.logrank_p)
    strict = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert strict["observed_vs_predicted"]["trend_p"] is None


def test_logrank_and_trend_without_events_match_r() -> None:
    """R (tests/r/km_logrank.R -> logrank_noevents.json): ``survdiff(Surv(time, event) ~ group)`` with
    every event 0 gives obs = exp = 0, var = 0, chisq 0, p NA; the trend U^2 / s'Vs is 0/0 = NaN. Here:
    the same numbers, NaN p, and a note instead of a ZeroDivisionError."""
    ref = json.loads((DATA / "logrank_noevents.json").read_text())
    time, event, group = ref["data"]["time"], ref["data"]["event"], ref["data"]["group"]
    plain = logrank(time, event, group)
    np.testing.assert_array_equal(plain.observed, ref["obs"])
    np.testing.assert_array_equal(plain.expected, ref["exp"])
    np.testing.assert_array_equal(plain.variance, ref["var"])
    assert plain.chi2 == ref["chisq"]
    assert ref["pvalue"] == "NaN" and np.isnan(plain.p)
    trend = logrank_trend(time, event, group, scores=ref["trend"]["scores"])
    assert (trend.u, trend.variance) == (ref["trend"]["u"], ref["trend"]["var"])
    assert ref["trend"]["chisq"] == "NaN" and np.isnan(trend.chi2) and np.isnan(trend.p)
    assert "no events" in trend.note


@pytest.mark.parametrize("n", [0, 1, 2])
def test_tiny_synth_cohorts(n: int) -> None:
    result = analyse_study(synth(n, seed=3), median_ci="spss")
    json.dumps(result.to_dict(), allow_nan=False)
