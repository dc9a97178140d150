"""cox_zph, predict_survival and follow-up against R (fixture from tests/r/cox_zph_predict.R).

R calls: ``cox.zph(coxph(Surv(time, dead) ~ age + sex + ph.ecog, lung), transform = tr)`` (and
``terms = FALSE`` for the scaled residuals), ``survfit(fit, newdata = data.frame(...))``,
``summary(survfit(Surv(time, ev) ~ 1), times = c(90, 180, 365))`` and
``quantile(survfit(Surv(time, 1 - ev) ~ 1), 0.5)`` (reverse Kaplan-Meier).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.cox import cox
from spinemet.analysis.cox_predict import predict_survival
from spinemet.analysis.cox_zph import cox_zph
from spinemet.analysis.followup import median_follow_up, survival_at_times
from spinemet.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "data" / "r" / "zph_predict.json").read_text())
DS = ROOT / "tests" / "data" / "datasets"


def _data(name: str) -> tuple[pd.DataFrame, str, str]:
    d = pd.read_csv(DS / f"{name}.csv")
    if name == "lung":
        d["dead"] = d["status"] - 1
        return d, "time", "dead"
    if name == "ovarian":
        return d, "futime", "fustat"
    return d, "time", "status"


MODELS = {
    "lung": ("lung", ["age", "sex", "ph.ecog"], {}),
    "lung_breslow": ("lung", ["age", "sex", "ph.ecog"], {"ties": "breslow"}),
    "veteran": ("veteran", ["trt", "celltype", "karno"], {}),
    "ovarian": ("ovarian", ["age", "rx"], {}),
    "lung_strata": ("lung", ["age", "ph.ecog"], {"strata": "sex"}),
}


@pytest.mark.parametrize("transform", ["km", "identity", "rank", "log"])
@pytest.mark.parametrize("model", sorted(MODELS))
def test_cox_zph_matches_r(model: str, transform: str) -> None:
    name, covs, kw = MODELS[model]
    frame, t, e = _data(name)
    fit = cox(frame, t, e, covs, **kw)
    z = cox_zph(fit, frame, t, e, transform=transform)
    ref = REF["zph"][model][transform]
    assert list(z.table.index) == ref["rows"]
    for row, vals in ref["table"].items():
        assert z.table.loc[row, "chisq"] == pytest.approx(vals["chisq"], rel=1e-9)
        assert z.table.loc[row, "df"] == vals["df"]
        assert z.table.loc[row, "p"] == pytest.approx(vals["p"], rel=1e-8)
    np.testing.assert_allclose(z.x, ref["x"], rtol=1e-12)
    np.testing.assert_allclose(z.time, ref["time"])
    scaled = np.asarray(ref["scaled"], dtype=float).reshape(z.scaled.shape)
    np.testing.assert_allclose(z.scaled.to_numpy(), scaled, rtol=1e-9, atol=1e-12)


def test_cox_zph_failing_and_global() -> None:
    frame, t, e = _data("veteran")
    fit = cox(frame, t, e, ["trt", "celltype", "karno"])
    z = cox_zph(fit, frame, t, e)
    # R: karno chisq 8.0 (p 0.0047) and celltype (p 0.0017) fail; the veteran PH violation of the textbooks
    assert z.failing() == ["celltype", "karno"]
    assert z.global_p == pytest.approx(REF["zph"]["veteran"]["km"]["table"]["GLOBAL"]["p"], rel=1e-8)
    assert z.to_dict()["table"]["GLOBAL"]["df"] == 5.0


def test_cox_zph_rejects_unknown_transform_and_wrong_frame() -> None:
    frame, t, e = _data("ovarian")
    fit = cox(frame, t, e, ["age", "rx"])
    with pytest.raises(InvalidInputError, match="transform"):
        cox_zph(fit, frame, t, e, transform="spline")
    with pytest.raises(InvalidInputError, match="rows the model used"):
        cox_zph(fit, frame.iloc[:10], t, e)


@pytest.mark.parametrize("model", ["lung", "lung_breslow", "veteran", "ovarian"])
def test_predict_survival_matches_r(model: str) -> None:
    name, covs, kw = MODELS[model]
    frame, t, e = _data(name)
    fit = cox(frame, t, e, covs, **kw)
    ref = REF["predict"][model]
    ps = predict_survival(fit, frame, t, e, pd.DataFrame(ref["newdata"]))
    np.testing.assert_allclose(ps.time, ref["time"])
    np.testing.assert_allclose(ps.n_risk, ref["n_risk"])
    np.testing.assert_allclose(ps.n_event, ref["n_event"])
    for key in ("surv", "std_err", "lower", "upper"):
        want = np.asarray(ref[key], dtype=float).reshape(ps.surv.shape)
        np.testing.assert_allclose(getattr(ps, key), want, rtol=1e-10, atol=1e-14, err_msg=key)
    at = ps.survival_at(ref["at_times"])
    want_at = np.asarray(ref["surv_at"], dtype=float).reshape(len(ref["at_times"]), -1).T.ravel()
    np.testing.assert_allclose(at["survival"].to_numpy(), want_at, rtol=1e-10)


def test_predict_survival_refuses_strata_and_missing_covariates() -> None:
    frame, t, e = _data("lung")
    fit = cox(frame, t, e, ["age", "ph.ecog"], strata="sex")
    with pytest.raises(InvalidInputError, match="strata"):
        predict_survival(fit, frame, t, e, pd.DataFrame({"age": [60], "ph.ecog": [1]}))
    fit = cox(frame, t, e, ["age", "ph.ecog"])
    with pytest.raises(InvalidInputError, match="every covariate"):
        predict_survival(fit, frame, t, e, pd.DataFrame({"age": [60.0], "ph.ecog": [np.nan]}))


@pytest.mark.parametrize("name", ["lung", "veteran", "ovarian"])
def test_survival_at_times_and_follow_up_match_r(name: str) -> None:
    frame, t, e = _data(name)
    ref = REF["km_times"][name]
    got = survival_at_times(frame[t], frame[e], ref["times"])
    np.testing.assert_allclose(got["survival"], ref["surv"], rtol=1e-12)
    np.testing.assert_allclose(got["lower"], ref["lower"], rtol=1e-12)
    np.testing.assert_allclose(got["upper"], ref["upper"], rtol=1e-12)
    np.testing.assert_allclose(got["n_risk"], ref["n_risk"])
    fu = median_follow_up(frame[t], frame[e])
    want = [np.nan if ref[k] is None else ref[k] for k in ("followup_median", "followup_lower",
                                                            "followup_upper")]
    np.testing.assert_array_equal([fu.median, fu.lower, fu.upper], want)  # veteran: not reached (NA)


def test_survival_beyond_follow_up_is_not_estimated() -> None:
    got = survival_at_times([1.0, 2.0, 3.0], [1, 0, 1], [2.5, 10.0])
    assert got["survival"].iloc[0] == pytest.approx(2 / 3)
    assert np.isnan(got["survival"].iloc[1])
