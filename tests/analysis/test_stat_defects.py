"""The statistics defects of issue 12 found by a differential test against R, each checked against R.

Fixtures: tests/data/r/defects.json, written by ``Rscript tests/r/stat_defects.R`` (survival 3.5-3); the
small data sets are built in the R script and stored in the JSON, so both sides read the same data.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis import kaplan_meier, logrank
from spinemet.analysis._validate import timefix
from spinemet.analysis.cox import cox
from spinemet.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "data" / "r" / "defects.json").read_text())


def _frame(key: str) -> pd.DataFrame:
    return pd.DataFrame(REF[key]["data"])


def _timefix_data() -> pd.DataFrame:
    """The data of R's timefix checks; times stored as 17-digit text so they round-trip exactly."""
    raw = REF["timefix_data"]
    return pd.DataFrame({"time": [float(v) for v in raw["time"]], "status": raw["status"],
                         "group": raw["group"], "x": raw["x"]})


def _listed(v: object) -> list:
    return v if isinstance(v, list) else [v]


# ------------------------------------------------------------------------ a coefficient running to infinity


@pytest.mark.parametrize("case", ["mono_untied", "mono_tied", "mono_cens"])
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_infinite_coefficient_returned_warned_and_flagged_as_r(case: str, ties: str) -> None:
    """R: coxph(Surv(time, status) ~ x [+ z], data = mono_*, ties = ties) returns the estimate with the
    warning "Loglik converged before variable 1; coefficient may be infinite". spinemet: the same estimate
    (never an InvalidInputError from inside the iterations), a RuntimeWarning and ``infinite == ("x",)``."""
    ref = REF[f"{case}_{ties}"]
    d = _frame(f"{case}_{ties}")
    covs = _listed(ref["names"])
    with pytest.warns(RuntimeWarning, match="x did; the coefficient may be infinite"):
        res = cox(d, "time", "status", covs, ties=ties)
    assert "Loglik converged before variable  1" in ref["warnings"][0]
    assert res.infinite == ("x",)
    assert res.converged
    assert res.iterations == ref["iter"]
    assert res.coef == pytest.approx(_listed(ref["coef"]), rel=1e-6)
    assert res.summary["se"].to_numpy() == pytest.approx(_listed(ref["se"]), rel=1e-5)
    assert res.loglik == pytest.approx(tuple(ref["loglik"]), rel=1e-9)
    assert res.score_test.statistic == pytest.approx(ref["score"], rel=1e-9)
    assert res.to_dict()["infinite"] == ["x"]


def test_finite_fit_is_not_flagged() -> None:
    """A regular fit (lung, R's coxph(Surv(time, status) ~ age + sex + ph.ecog)) warns nothing."""
    d = pd.read_csv(ROOT / "tests" / "data" / "datasets" / "lung.csv").assign(dead=lambda f: f["status"] - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cox(d, "time", "dead", ["age", "sex", "ph.ecog"])
    assert res.infinite == ()


# ------------------------------------------------------------------------------ a lone death


@pytest.mark.parametrize("key, covs, ties", [("lone_x", ["x"], "efron"), ("lone_xz", ["x", "z"], "breslow")])
def test_lone_death_gives_zero_with_se_zero_as_r(key: str, covs: list[str], ties: str) -> None:
    """R: coxph(Surv(time, status) ~ x [+ z], data = lone) with the only death at the last time (nobody else
    at risk): coefficients 0, SE 0, loglik (0, 0), score test 0, iter 21 with "Ran out of iterations";
    Wald NaN for one coefficient (0 / 0), 0 for two. Before: "information matrix not positive definite"."""
    ref = REF[key]
    with pytest.warns(RuntimeWarning, match="did not converge"):
        res = cox(_frame(key), "time", "status", covs, ties=ties)
    assert res.coef.tolist() == _listed(ref["coef"]) == [0.0] * len(covs)
    assert res.summary["se"].tolist() == _listed(ref["se"])
    assert res.loglik == tuple(ref["loglik"])
    assert res.iterations == ref["iter"] and not res.converged
    assert res.score_test.statistic == ref["score"]
    if ref["wald"] is None:
        assert math.isnan(res.wald_test.statistic)
    else:
        assert res.wald_test.statistic == ref["wald"]
    assert res.summary["hr"].tolist() == [1.0] * len(covs)


# ------------------------------------------------------------------------------ collinearity


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_exact_collinearity_refused_for_both_ties(ties: str) -> None:
    """R: coxph(Surv(time, status) ~ age + age2, data = lung (age2 = 2 * age), ties = ties) gives NA for
    age2 with both ties methods. spinemet refuses it before iterating, naming age2, for both (Breslow
    used to return SE 1e7 with converged = True)."""
    assert REF[f"collinear_{ties}"]["coef_is_na"] == [False, True]
    d = pd.read_csv(ROOT / "tests" / "data" / "datasets" / "lung.csv")
    d["age2"] = 2 * d["age"]
    d["dead"] = d["status"] - 1
    with pytest.raises(InvalidInputError, match=r"covariates: got 'age2'.*not collinear.*age2 is a linear"):
        cox(d, "time", "dead", ["age", "age2"], ties=ties)


def test_collinear_dummy_with_numeric_refused() -> None:
    """Three covariates where c = a - b exactly (the third is aliased; R gives NA for it)."""
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"time": rng.exponential(10, 60), "status": rng.integers(0, 2, 60)})
    d["a"] = rng.normal(size=60)
    d["b"] = rng.normal(size=60)
    d["c"] = d["a"] - d["b"]
    for ties in ("efron", "breslow"):
        with pytest.raises(InvalidInputError, match="got 'c'"):
            cox(d, "time", "status", ["a", "b", "c"], ties=ties)


# ------------------------------------------------------------------------------ timefix


@pytest.mark.parametrize("fix", [True, False])
def test_kaplan_meier_timefix_as_r(fix: bool) -> None:
    """R: survfit(Surv(time, status) ~ 1, data = tf, timefix = fix); tf has times computed in floating
    point (0.1 + 0.2 vs 0.3, 0.1 * 7 vs 0.7, 1 - 0.9 vs 0.1, 0.2 * 3 vs 0.6)."""
    ref = REF["timefix" if fix else "no_timefix"]
    tf = _timefix_data()
    km = kaplan_meier(tf["time"], tf["status"], timefix=fix)
    assert km.time == pytest.approx(ref["km_time"], rel=1e-12)
    assert km.n_event.tolist() == ref["km_n_event"]
    assert km.surv == pytest.approx(ref["km_surv"], rel=1e-12)
    assert km.se_log == pytest.approx(ref["km_std_err"], rel=1e-12)


def test_kaplan_meier_timefix_is_the_default() -> None:
    """R's default is timefix = TRUE: survfit(Surv(time, status) ~ 1, data = tf) has 8 distinct times."""
    tf = _timefix_data()
    assert len(kaplan_meier(tf["time"], tf["status"]).time) == len(REF["timefix"]["km_time"]) == 8


@pytest.mark.parametrize("fix", [True, False])
def test_logrank_timefix_as_r(fix: bool) -> None:
    """R: survdiff(Surv(time, status) ~ group, data = tf) (timefix on); without timefix, survdiff on
    rank(time, ties.method = "min") (R 3.5-3's survdiff(timefix = FALSE) fails; the test only depends on the
    order of the exact times)."""
    ref = REF["timefix" if fix else "no_timefix"]
    tf = _timefix_data()
    lr = logrank(tf["time"], tf["status"], tf["group"], timefix=fix)
    assert lr.chi2 == pytest.approx(ref["logrank_chisq"], rel=1e-10)
    assert lr.observed.tolist() == ref["logrank_obs"]
    assert lr.expected == pytest.approx(ref["logrank_exp"], rel=1e-12)


@pytest.mark.parametrize("fix", [True, False])
def test_cox_timefix_as_r(fix: bool) -> None:
    """R: coxph(Surv(time, status) ~ x, data = tf, control = coxph.control(timefix = fix))."""
    ref = REF["timefix" if fix else "no_timefix"]
    tf = _timefix_data()
    res = cox(tf, "time", "status", ["x"], timefix=fix)
    assert res.coef[0] == pytest.approx(ref["cox_coef"], rel=1e-9)
    assert res.summary["se"].iloc[0] == pytest.approx(ref["cox_se"], rel=1e-9)
    assert res.loglik == pytest.approx(tuple(ref["cox_loglik"]), rel=1e-12)


def test_timefix_helper_merges_rounding_error_only() -> None:
    """aeqSurv's rule: the smallest time of each run of near-equal times; whole days are left alone
    (returned without a copy), and so are times 1e-6 apart (above the tolerance)."""
    t = np.array([0.1 + 0.2, 0.3, 1.0, 1.0 + 1e-6, 2.0])
    assert timefix(t).tolist() == [0.3, 0.3, 1.0, 1.0 + 1e-6, 2.0]
    days = np.arange(1.0, 1000.0)
    assert timefix(days) is days


# ------------------------------------------------------------------------------ error messages


def test_error_messages_show_plain_numbers() -> None:
    """numpy scalars print as Python numbers: ``got 2.5``, not ``got np.float64(2.5)``."""
    err = InvalidInputError("event", np.float64(2.5), "0 (censored) or 1 (death)")
    assert str(err) == "event: got 2.5; allowed: 0 (censored) or 1 (death)"
    assert "np." not in str(InvalidInputError("x", [np.int64(3), np.float64(1.5)], "numbers"))
    assert str(InvalidInputError("kps", np.int64(75), "10-100")) == "kps: got 75; allowed: 10-100"
    assert err.value == np.float64(2.5)  # the attribute keeps the value as given


def test_cox_error_message_without_numpy_repr() -> None:
    """A Cox fit with an out-of-range event code names the value as the user typed it."""
    d = pd.DataFrame({"time": [1.0, 2.0, 3.0], "status": [1.0, 2.5, 0.0], "x": [1.0, 2.0, 3.0]})
    with pytest.raises(InvalidInputError) as info:
        cox(d, "time", "status", ["x"])
    assert "got 2.5;" in str(info.value) and "np.float64" not in str(info.value)
