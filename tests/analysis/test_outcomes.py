"""Discharge, radiotherapy, observed vs predicted survival and MISt vs conventional.

R references: tests/r/outcomes.R -> tests/data/r/outcomes_tests.json (fixed data) and
tests/data/r/outcomes_demo.json (demo cohort). Other expectations are hand-counted from the small frames.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.outcomes import (
    STUDY_RT_EXCLUDED,
    discharge_rule_contradictions,
    discharge_summary,
    fisher_2x2,
    mann_whitney,
    mist_vs_conventional,
    observed_vs_predicted,
    radiotherapy_rate,
    welch_t,
)
from spinemet.errors import InvalidInputError
from spinemet.pathway.radiosensitivity import RADIORESISTANT, radiosensitivity

DATA = Path(__file__).resolve().parents[1] / "data" / "r"
FIXED = json.loads((DATA / "outcomes_tests.json").read_text(encoding="utf-8"))
DEMO_R = json.loads((DATA / "outcomes_demo.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    from spinemet.cohort.demo import load_demo

    loaded = load_demo()
    return getattr(loaded, "frame", loaded)


# ------------------------------------------------------------------------------------ two-sample tests
@pytest.mark.parametrize("case", FIXED["two_sample"], ids=lambda c: c["name"])
def test_welch_matches_r(case: dict) -> None:
    """R: t.test(x, y) (Welch) -> statistic, parameter, p.value, conf.int."""
    res = welch_t(case["x"], case["y"])
    assert res.t == pytest.approx(case["t"], rel=1e-10)
    assert res.df == pytest.approx(case["df"], rel=1e-10)
    assert res.p == pytest.approx(case["p_t"], rel=1e-8)
    assert res.ci95 == pytest.approx((case["ci_low"], case["ci_high"]), rel=1e-9)


@pytest.mark.parametrize("case", FIXED["two_sample"], ids=lambda c: c["name"])
def test_mann_whitney_matches_r(case: dict) -> None:
    """R: wilcox.test(x, y) (exact = NULL, correct = TRUE) -> W and p.value."""
    res = mann_whitney(case["x"], case["y"])
    assert res.statistic_w == case["w"]
    assert res.p == pytest.approx(case["p_wilcoxon"], rel=1e-9)


def test_mann_whitney_method_choice() -> None:
    by = {c["name"]: c for c in FIXED["two_sample"]}
    assert mann_whitney(by["exact_small"]["x"], by["exact_small"]["y"]).exact
    tied = mann_whitney(by["ties"]["x"], by["ties"]["y"])
    assert not tied.exact and "ties" in tied.method
    assert "n>=50" in mann_whitney(by["large"]["x"], by["large"]["y"]).method


@pytest.mark.parametrize("case", FIXED["fisher"], ids=lambda c: c["name"])
def test_fisher_matches_r(case: dict) -> None:
    """R: fisher.test(matrix(c(a, c, b, d), 2)) -> p.value, estimate (conditional MLE), conf.int.

    The odds ratio and its CI limits come from root finding in both R (uniroot, default tol ~1e-4) and
    scipy (brentq), so they agree to ~1e-4 relative (1e-4 absolute near 0); the p-value is exact in both.
    """
    a, b, c, d = case["table"]
    res = fisher_2x2([[a, b], [c, d]])
    assert res.p == pytest.approx(case["p"], rel=1e-9)
    assert res.odds_ratio == pytest.approx(case["odds_ratio"], rel=1e-3, abs=1e-12)
    assert res.ci95[0] == pytest.approx(case["ci_low"], rel=1e-3, abs=1e-4)
    assert res.ci95[1] == pytest.approx(case["ci_high"], rel=1e-3)


def test_fisher_rejects_bad_table() -> None:
    with pytest.raises(InvalidInputError, match="table"):
        fisher_2x2([[1, 2, 3], [4, 5, 6]])


def test_welch_not_computable_small_group() -> None:
    res = welch_t([1.0], [2.0, 3.0])
    assert math.isnan(res.p) and "not computable" in res.method


# ------------------------------------------------------------------------------- discharge and RT rate
FRAME = pd.DataFrame(
    {
        "patient_id": ["p1", "p2", "p3", "p4", "p5", "p6", "p7"],
        "tokuhashi": [5.0, 7.0, 10.0, 13.0, np.nan, 8.0, 9.0],
        "discharge": ["home", "home", "hospice", "home", "home", np.nan, "in_hospital_death"],
        "barthel_post": [60.0, 80.0, 40.0, 65.0, 50.0, 30.0, 0.0],
        "family_care": ["no", np.nan, "no", "yes", np.nan, "no", "no"],
        "primary_tumor": ["kidney", "lung", "thyroid", "breast", "lung", np.nan, "liver"],
        "radiotherapy": ["no", "yes", "no", "yes", np.nan, "yes", "no"],
    }
)


def test_discharge_summary_hand_counted() -> None:
    s = discharge_summary(FRAME)
    assert s.counts == {"home": 4, "hospice": 1, "in_hospital_death": 1, "transfer": 0}
    assert (s.n, s.n_known, s.n_missing, s.home) == (7, 6, 1, 4)
    assert s.home_rate == pytest.approx(4 / 6)
    assert s.by_band["0-8"]["n"] == 3 and s.by_band["0-8"]["home"] == 2
    assert s.by_band["0-8"]["n_known"] == 2 and s.by_band["0-8"]["home_rate"] == 1.0
    assert s.by_band["9-11"]["counts"]["in_hospital_death"] == 1 and s.by_band["9-11"]["home"] == 0
    assert s.by_band["12-15"]["home"] == 1
    assert s.band_missing == 1  # p5: no Tokuhashi total


def test_discharge_rule_contradictions_listed() -> None:
    """Home with barthel_post < 70 and family_care not "yes": p1 (no) and p5 (missing); p4 has family."""
    out = discharge_rule_contradictions(FRAME)
    assert out["patient_id"].tolist() == ["p1", "p5"]
    assert out["reason"].tolist()[1].endswith("family_care missing")


def test_discharge_rejects_unknown_destination() -> None:
    with pytest.raises(InvalidInputError, match="discharge"):
        discharge_summary(pd.DataFrame({"discharge": ["nursing_home"]}))


def test_radiotherapy_rate_hand_counted() -> None:
    r = radiotherapy_rate(FRAME, excluded_primaries=STUDY_RT_EXCLUDED)
    # eligible: lung, breast, lung, liver (kidney, thyroid excluded; p6 primary missing)
    assert (r.n_eligible, r.n_known, r.n_missing, r.n_radiotherapy) == (4, 3, 1, 2)
    assert r.rate == pytest.approx(2 / 3)
    assert (r.n_excluded, r.n_primary_missing) == (2, 1)


def test_radiotherapy_rate_demo_38_of_47(demo: pd.DataFrame) -> None:
    """Uei 2018 Discussion: radiotherapy in 38 of 47 patients without kidney or thyroid cancer."""
    r = radiotherapy_rate(demo, excluded_primaries=STUDY_RT_EXCLUDED)
    assert (r.n_radiotherapy, r.n_known) == (38, 47)
    assert "paper" in r.rule


def test_radiotherapy_rate_default_is_the_pathway_rule() -> None:
    """Default denominator = primaries the pathway's radiosensitivity rule does not call resistant (it
    adds colon and rectum to the paper's kidney and thyroid); the paper's set is a subset of it."""
    assert set(STUDY_RT_EXCLUDED) <= RADIORESISTANT
    frame = pd.DataFrame({"primary_tumor": ["colon", "rectum", "kidney", "lung", "lung"],
                          "radiotherapy": ["yes", "no", "no", "yes", "no"]})
    default = radiotherapy_rate(frame)
    assert default.excluded_primaries == tuple(sorted(RADIORESISTANT))
    assert (default.n_excluded, default.n_radiotherapy, default.n_known) == (3, 1, 2)
    assert all(radiosensitivity(p) == "resistant" for p in default.excluded_primaries)
    study = radiotherapy_rate(frame, excluded_primaries=STUDY_RT_EXCLUDED)
    assert (study.n_excluded, study.n_radiotherapy, study.n_known) == (1, 2, 4)


# ------------------------------------------------------------------------------ observed vs predicted
def test_observed_vs_predicted_hand_counted() -> None:
    frame = pd.DataFrame(
        {
            "tokuhashi": [5, 5, 5, 5, 10, 10, 13, 13, 5],
            "survival_months": [2.0, 6.0, 7.0, 3.0, 6.0, 6.5, 12.0, 20.0, np.nan],
            "dead": [1, 1, 0, 0, 1, 1, 0, 1, np.nan],
        },
        dtype=float,
    )
    out = observed_vs_predicted(frame)
    b08 = out.bands["0-8"]
    # 0-8 predicts "< 6 months": 2 dead (not beyond), 6 dead exactly at 6 (beyond: 6 months contradicts
    # "< 6 months"), 7 censored (beyond), 3 censored (unknown), missing survival counted as missing
    assert (b08.n, b08.lived_beyond, b08.not_beyond, b08.unknown, b08.n_missing) == (4, 2, 1, 1, 1)
    assert b08.proportion_beyond == pytest.approx(2 / 3)
    b911 = out.bands["9-11"]
    # 9-11 predicts ">= 6 months": a death exactly at 6 is not beyond it, 6.5 is
    assert (b911.lived_beyond, b911.not_beyond, b911.unknown) == (1, 1, 0)
    b12 = out.bands["12-15"]
    assert (b12.threshold_months, b12.lived_beyond, b12.unknown) == (12.0, 1, 1)
    assert out.n_used == 8 and out.n_missing == 1
    assert b911.km_median == 6.25  # deaths at 6 and 6.5: S = 0.5 at 6 -> R takes the midpoint
    assert "survival_months >= 6 for the 0-8 band" in out.rule


def test_observed_vs_predicted_thresholds_checked() -> None:
    frame = pd.DataFrame({"tokuhashi": [5.0], "survival_months": [7.0], "dead": [1.0]})
    with pytest.raises(InvalidInputError, match="thresholds"):
        observed_vs_predicted(frame, thresholds={"0-8": 6.0})
    out = observed_vs_predicted(frame, thresholds={"0-8": 8.0, "9-11": 6.0, "12-15": 12.0})
    assert out.bands["0-8"].not_beyond == 1 and math.isnan(out.logrank_p)  # one band: no test


def test_observed_vs_predicted_demo_matches_r(demo: pd.DataFrame) -> None:
    """R: quantile(survfit(Surv ~ band), 0.5) (conf.type log); survdiff(Surv ~ band); trend from survdiff."""
    ref = DEMO_R["survival_by_band"]
    out = observed_vs_predicted(demo)
    for i, band in enumerate(ref["levels"]):
        b = out.bands[band]
        for got, want in ((b.km_median, ref["median"][i]), (b.km_median_ci95[0], ref["median_lower"][i]),
                          (b.km_median_ci95[1], ref["median_upper"][i])):
            assert (math.isnan(got) if want is None else got == pytest.approx(want, rel=1e-12)), band
    assert out.logrank_chi2 == pytest.approx(ref["logrank_chi2"], rel=1e-9)
    assert out.logrank_df == ref["logrank_df"]
    assert out.logrank_p == pytest.approx(ref["logrank_p"], rel=1e-8)
    assert out.trend_chi2 == pytest.approx(ref["trend_chi2"], rel=1e-9)
    assert out.trend_p == pytest.approx(ref["trend_p"], rel=1e-8)


# -------------------------------------------------------------------------------- MISt vs conventional
def test_mist_vs_conventional_hand_frame() -> None:
    frame = pd.DataFrame(
        {
            "procedure": ["mist", "mist", "mist", "conventional", "conventional", "conventional", np.nan],
            "operative_time_min": [150.0, 180.0, np.nan, 240.0, 260.0, 300.0, 100.0],
            "complications": ["", "early_death", np.nan, "massive_bleeding", "other", "", ""],
            "survival_months": [3.0, 0.5, 10.0, 8.0, 2.0, 12.0, 1.0],
            "dead": [1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0],
        }
    )
    out = mist_vs_conventional(frame)
    assert (out.n_mist, out.n_conventional, out.n_missing_procedure) == (3, 3, 1)
    op = out.variables["operative_time_min"]
    assert (op.n_mist, op.n_conventional, op.n_missing) == (2, 3, 1)
    assert op.welch.difference == pytest.approx(165 - 800 / 3)
    anyc = out.variables["any_complication"]
    assert (anyc.events_mist, anyc.events_conventional) == (1, 2)
    assert anyc.fisher.table == ((1, 2), (2, 1))
    assert out.survival_n_used == 6
    assert out.variables["barthel_gain"].n_mist == 0  # columns absent: nothing to compare


def test_mist_vs_conventional_demo_matches_r(demo: pd.DataFrame) -> None:
    """R: t.test(mist, conventional), wilcox.test(mist, conventional), fisher.test, survdiff ~ procedure."""
    ref = DEMO_R["mist_vs_conventional"]
    out = mist_vs_conventional(demo)
    for name in ("operative_time_min", "blood_loss_ml", "levels_fused", "barthel_gain", "vas_change"):
        v, r = out.variables[name], ref[name]
        assert v.welch.t == pytest.approx(r["t"], rel=1e-10), name
        assert v.welch.p == pytest.approx(r["p_t"], rel=1e-8), name
        assert v.mann_whitney.statistic_w == r["w"], name
        assert v.mann_whitney.p == pytest.approx(r["p_wilcoxon"], rel=1e-9), name
    f = out.variables["any_complication"].fisher
    a, b, c, d = ref["any_complication"]["table"]
    assert f.table == ((a, b), (c, d))
    assert f.p == pytest.approx(ref["any_complication"]["p"], rel=1e-9)
    by_proc = DEMO_R["survival_by_procedure"]
    assert out.survival_logrank_chi2 == pytest.approx(by_proc["logrank_chi2"], rel=1e-9)
    assert out.survival_logrank_p == pytest.approx(by_proc["logrank_p"], rel=1e-8)


@pytest.mark.parametrize("table", [[[3, 9], [12, 6]], [[1, 20], [7, 5]], [[10, 2], [3, 15]]])
def test_fisher_odds_ratio_roots_equal_scipy_conditional(table: list[list[int]]) -> None:
    """The bisection roots equal scipy's brentq-based conditional MLE and exact CI (scipy
    ``odds_ratio(kind="conditional")``, R ``fisher.test``'s estimate and conf.int to full precision)."""
    from scipy.stats.contingency import odds_ratio

    ref = odds_ratio(table, kind="conditional")
    ci = ref.confidence_interval(0.95)
    res = fisher_2x2(table)
    assert res.odds_ratio == pytest.approx(ref.statistic, rel=1e-11)
    assert res.ci95 == pytest.approx((ci.low, ci.high), rel=1e-11)
