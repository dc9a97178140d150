"""spinemet.analysis.cox against R's survival::coxph (fixtures from tests/r/cox_concordance.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.cox import cox
from spinemet.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
R_DIR = ROOT / "tests" / "data" / "r"
DS = ROOT / "tests" / "data" / "datasets"
REL = 1e-6


def _frame(name: str, *, text_celltype: bool = False) -> pd.DataFrame:
    d = pd.read_csv(DS / f"{name}.csv")
    if name == "lung":
        d["dead"] = d["status"] - 1
    elif name == "pbc":
        d["dead"] = (d["status"] == 2).astype(int)
        d["log(bili)"] = np.log(d["bili"])
        d["log(protime)"] = np.log(d["protime"])
    elif name == "veteran" and not text_celltype:
        d["celltype"] = pd.Categorical(d["celltype"], categories=["squamous", "smallcell", "adeno", "large"])
    return d


# fixture name -> (dataset, duration, event, covariates, kwargs)
MODELS = {
    "lung": ("lung", "time", "dead", ["age", "sex", "ph.ecog"], {}),
    "veteran": ("veteran", "time", "status", ["trt", "karno", "celltype", "age"], {}),
    "ovarian": ("ovarian", "futime", "fustat", ["age", "ecog.ps", "rx"], {}),
    "pbc": ("pbc", "time", "dead", ["age", "edema", "log(bili)", "albumin", "log(protime)"], {}),
}


def _load(name: str) -> dict:
    return json.loads((R_DIR / f"cox_{name}.json").read_text())


def _check(res, ref: dict) -> None:
    assert list(res.summary.index) == ref["order"]
    for name, row in ref["coefficients"].items():
        for col in ("coef", "hr", "se", "z", "p", "hr_lower", "hr_upper", "se_naive"):
            if col in row:
                assert res.summary.loc[name, col] == pytest.approx(row[col], rel=REL), (name, col)
    assert res.loglik == pytest.approx(tuple(ref["loglik"]), rel=1e-9)
    for test in ("lr_test", "wald_test", "score_test"):
        got = getattr(res, test)
        assert got.statistic == pytest.approx(ref[test]["statistic"], rel=REL), test
        assert got.df == ref[test]["df"]
        assert got.p == pytest.approx(ref[test]["p"], rel=REL), test
    assert res.concordance[0] == pytest.approx(ref["concordance"]["c"], rel=1e-9)
    assert res.concordance[1] == pytest.approx(ref["concordance"]["se"], rel=REL)
    assert res.n == ref["n"]
    assert res.n_events == ref["n_events"]
    assert res.iterations == ref["iterations"]
    assert res.converged


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("model", sorted(MODELS))
def test_cox_matches_r(model: str, ties: str) -> None:
    """Coefficients, SE, HR and CI, z, p, loglik, LR/Wald/score tests, concordance, n, iterations.

    R (tests/r/cox_concordance.R, each fixture's ``call``), for ties = "efron" and "breslow":
    coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung);
    coxph(Surv(time, status) ~ trt + karno + celltype + age, data = veteran);
    coxph(Surv(futime, fustat) ~ age + ecog.ps + rx, data = ovarian);
    coxph(Surv(time, status == 2) ~ age + edema + log(bili) + albumin + log(protime), data = pbc);
    read with summary(fit), fit$loglik, fit$wald.test, fit$score, fit$iter.
    """
    ds, dur, ev, covs, kw = MODELS[model]
    ref = _load(f"{model}_{ties}")
    assert ref["ties"] == ties
    res = cox(_frame(ds), dur, ev, covs, ties=ties, **kw)
    _check(res, ref)


@pytest.mark.parametrize("columns", [1, 5, 64])
@pytest.mark.parametrize("model", ["lung", "veteran", "pbc"])
def test_cox_matches_r_with_small_chunks(model: str, columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine's chunked passes (pieces of tied rows that straddle two chunks, a chunk of one row)
    give R's numbers too: the fixtures of test_cox_matches_r (Efron, and with strata), with chunks of
    1, 5 and 64 rows instead of 16384 (so every fit has many chunks)."""
    import importlib

    monkeypatch.setattr(importlib.import_module("spinemet.analysis.cox"), "_COLUMNS", columns)
    ds, dur, ev, covs, kw = MODELS[model]
    _check(cox(_frame(ds), dur, ev, covs, **kw), _load(f"{model}_efron"))
    _check(cox(_frame("lung"), "time", "dead", ["age", "ph.ecog"], strata="sex"), _load("lung_strata"))


def test_cox_na_rows_dropped_and_counted() -> None:
    """R: coxph(Surv(time, status == 2) ~ age + edema + log(bili) + albumin + log(protime), data = pbc)
    uses fit$n = 416 of 418 rows (2 missing protime); we report the 2 in n_dropped."""
    ref = _load("pbc_efron")
    d = _frame("pbc")
    res = cox(d, "time", "dead", ["age", "edema", "log(bili)", "albumin", "log(protime)"])
    assert res.n == ref["n"]
    assert res.n_dropped == len(d) - ref["n"] == 2


def test_cox_text_covariate_alphabetical_reference() -> None:
    """R: coxph(Surv(time, status) ~ trt + karno + celltype + age, data = veteran) with celltype read as
    character (factor levels alphabetical, reference adeno): dummies celltypelarge, celltypesmallcell,
    celltypesquamous."""
    ref = _load("veteran_text")
    res = cox(_frame("veteran", text_celltype=True), "time", "status", ["trt", "karno", "celltype", "age"])
    assert "celltypesmallcell" in res.summary.index
    _check(res, ref)


def test_cox_strata() -> None:
    """R: coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung)."""
    res = cox(_frame("lung"), "time", "dead", ["age", "ph.ecog"], strata="sex")
    _check(res, _load("lung_strata"))


@pytest.mark.parametrize(
    ("fixture", "covs", "kw"),
    [
        ("lung_robust", ["age", "sex", "ph.ecog"], {}),
        ("lung_robust_breslow", ["age", "sex", "ph.ecog"], {"ties": "breslow"}),
        ("lung_robust_strata", ["age", "ph.ecog"], {"strata": "sex"}),
    ],
)
def test_cox_robust(fixture: str, covs: list[str], kw: dict) -> None:
    """R: coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung, robust = TRUE) (Efron, and with
    ties = "breslow") and coxph(Surv(time, status) ~ age + ph.ecog + strata(sex), data = lung,
    robust = TRUE): robust se, z, p, CI, Wald test with the sandwich variance, naive se, and fit$rscore
    (the "Robust" score test)."""
    ref = _load(fixture)
    res = cox(_frame("lung"), "time", "dead", covs, robust=True, **kw)
    _check(res, ref)
    assert res.robust_score_test is not None
    assert res.robust_score_test.statistic == pytest.approx(ref["robust_score_test"]["statistic"], rel=REL)
    assert res.robust_score_test.p == pytest.approx(ref["robust_score_test"]["p"], rel=REL)


@pytest.mark.parametrize("model", ["lung", "veteran", "pbc"])
def test_predict_lp_matches_r(model: str) -> None:
    """R: head(predict(fit, type = "lp"), 5) and fit$means for the efron fits above (centred as R)."""
    ds, dur, ev, covs, _ = MODELS[model]
    ref = _load(f"{model}_efron")
    d = _frame(ds)
    res = cox(d, dur, ev, covs)
    assert res.means == pytest.approx(ref["means"], rel=1e-9, abs=1e-12)
    lp = res.predict_lp(d)
    lp = lp[~np.isnan(lp)][:5]
    assert lp == pytest.approx(ref["lp_first5"], rel=REL, abs=1e-9)


def test_demo_cohort_tokuhashi_cox() -> None:
    """R: coxph(Surv(survival_months, dead) ~ tokuhashi, data = demo) (data copied into the fixture)."""
    path = R_DIR / "concordance_demo.json"
    if not path.exists():
        pytest.skip("demo fixture not generated")
    demo = json.loads(path.read_text())
    d = pd.DataFrame(demo["data"])
    res = cox(d, "time", "event", ["tokuhashi"])
    _check(res, demo["cox_tokuhashi"])


def test_to_dict_and_summary_columns() -> None:
    """R: coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung): the dict carries R's numbers."""
    ref = _load("lung_efron")
    res = cox(_frame("lung"), "time", "dead", ["age", "sex", "ph.ecog"])
    assert list(res.summary.columns) == ["coef", "se", "hr", "hr_lower", "hr_upper", "z", "p"]
    out = res.to_dict()
    assert out["coefficients"]["sex"]["hr"] == pytest.approx(ref["coefficients"]["sex"]["hr"], rel=REL)
    assert out["n_dropped"] == 1
    json.dumps(out)


# ------------------------------------------------------------------------------------- input validation


def test_missing_column_named() -> None:
    d = _frame("lung")
    with pytest.raises(InvalidInputError, match="wt_loss"):
        cox(d, "time", "dead", ["age", "wt_loss"])


def test_event_coding_checked() -> None:
    d = _frame("lung")
    with pytest.raises(InvalidInputError, match=r"status: got 2\.0"):
        cox(d, "time", "status", ["age"])


def test_constant_covariate_rejected() -> None:
    d = _frame("lung").assign(one=1.0)
    with pytest.raises(InvalidInputError, match=r"one: .*varies"):
        cox(d, "time", "dead", ["age", "one"])


def test_bad_ties_rejected() -> None:
    with pytest.raises(InvalidInputError, match="ties: got 'exact'"):
        cox(_frame("lung"), "time", "dead", ["age"], ties="exact")


def test_collinear_covariates_rejected() -> None:
    d = _frame("lung").assign(age2=lambda f: 2 * f["age"])
    with pytest.raises(InvalidInputError, match="collinear"):
        cox(d, "time", "dead", ["age", "age2"])


def test_unknown_level_in_predict() -> None:
    d = _frame("veteran", text_celltype=True)
    res = cox(d, "time", "status", ["karno", "celltype"])
    new = d.head(2).assign(celltype=["squamous", "oat"])
    with pytest.raises(InvalidInputError, match="celltype: got 'oat'"):
        res.predict_lp(new)


# ------------------------------------------------------------------------------------- invariances


def test_shift_scale_and_row_order_invariance() -> None:
    """Partial likelihood facts (R gives the same): shifting a covariate leaves beta unchanged, scaling it
    by c divides beta by c, and row order does not matter. Base fit: R's
    coxph(Surv(time, status) ~ age + sex + ph.ecog, data = lung) (fixture cox_lung_efron)."""
    ref = _load("lung_efron")
    d = _frame("lung")
    shifted = d.assign(age=d["age"] + 1000.0, sex=d["sex"] * 10.0)
    res = cox(shifted.sample(frac=1.0, random_state=3), "time", "dead", ["age", "sex", "ph.ecog"])
    assert res.summary.loc["age", "coef"] == pytest.approx(ref["coefficients"]["age"]["coef"], rel=1e-8)
    assert res.summary.loc["sex", "coef"] == pytest.approx(ref["coefficients"]["sex"]["coef"] / 10, rel=1e-8)
    assert res.summary.loc["ph.ecog", "se"] == pytest.approx(ref["coefficients"]["ph.ecog"]["se"], rel=1e-8)
    assert res.loglik[1] == pytest.approx(ref["loglik"][1], rel=1e-12)


def test_boolean_event_and_unused_category() -> None:
    """R: coxph(Surv(time, status) ~ trt + karno + celltype + age, data = veteran) with celltype levels
    squamous, smallcell, adeno, large; an unused extra category and a boolean event give the same fit."""
    ref = _load("veteran_efron")
    d = _frame("veteran")
    d["celltype"] = d["celltype"].cat.add_categories(["mesothelioma"])
    d["status"] = d["status"].astype(bool)
    res = cox(d, "time", "status", ["trt", "karno", "celltype", "age"])
    _check(res, ref)


@pytest.mark.parametrize("spec", ["efron_iter20", "breslow_iter20", "efron_iter3", "efron_iter1"])
def test_hard_fit_and_iteration_limit_match_r(spec: str) -> None:
    """Strong effects need more Newton-Raphson steps; with iter.max = 3 or 1 R stops early, reports
    fit$iter = iter.max + 1 and returns its last good estimate. R (data simulated in the script and stored
    in the fixture): coxph(Surv(time, status) ~ x1 + x2, data = hard, ties = "efron" | "breslow",
    control = coxph.control(iter.max = 20 | 3 | 1)). For iter.max = 3 R's fit$var is not the inverse
    information (chinv2 without cholesky2 after running out); the SE is checked against R's
    coxph(..., init = coef(fit), control = coxph.control(iter.max = 0)) instead."""
    ref = _load(f"hard_{spec}")
    d = pd.DataFrame(ref["data"])
    ties = spec.split("_")[0]
    if ref["iter_max"] < 20:
        with pytest.warns(RuntimeWarning, match="did not converge"):
            res = cox(d, "time", "status", ["x1", "x2"], ties=ties, max_iter=ref["iter_max"])
        assert not res.converged
    else:
        res = cox(d, "time", "status", ["x1", "x2"], ties=ties)
        assert res.converged
    assert res.iterations == ref["iterations"]
    se_quirk = "se_at_beta" in ref
    for name, row in ref["coefficients"].items():
        cols = ("coef",) if se_quirk else ("coef", "se", "z", "p", "hr_lower", "hr_upper")
        for col in cols:
            assert res.summary.loc[name, col] == pytest.approx(row[col], rel=REL), (name, col)
        if se_quirk:
            assert res.summary.loc[name, "se"] == pytest.approx(ref["se_at_beta"][name], rel=REL)
    assert res.loglik == pytest.approx(tuple(ref["loglik"]), rel=1e-9)
    assert res.score_test.statistic == pytest.approx(ref["score_test"]["statistic"], rel=REL)
    if not se_quirk:
        assert res.wald_test.statistic == pytest.approx(ref["wald_test"]["statistic"], rel=REL)


@pytest.mark.parametrize("model", ["lung", "veteran"])
def test_both_sort_paths_match_r(model: str) -> None:
    """Whole-day times are ordered by a 16-bit radix sort, other times by comparison sorts; the partial
    likelihood depends only on the order of the times, so times / 7 + 0.3 (not whole numbers) must give
    R's coxph fit on the original data (fixtures cox_lung_efron, cox_veteran_efron), with and without
    strata."""
    ds, dur, ev, covs, kw = MODELS[model]
    ref = _load(f"{model}_efron")
    d = _frame(ds)
    d[dur] = d[dur] / 7.0 + 0.3
    _check(cox(d, dur, ev, covs, **kw), ref)
    if model == "lung":
        strat = _load("lung_strata")
        whole = _frame("lung")
        frac = whole.assign(time=whole["time"] / 7.0 + 0.3)
        a = cox(whole, "time", "dead", ["age", "ph.ecog"], strata="sex")
        b = cox(frac, "time", "dead", ["age", "ph.ecog"], strata="sex")
        assert b.coef == pytest.approx(a.coef, rel=1e-12)
        assert a.loglik[1] == pytest.approx(strat["loglik"][1], rel=1e-9)
