"""Log-rank family tests against R's survival 3.5-3 (fixtures written by tests/r/km_logrank.R).

Datasets: lung (sex; ph.ecog), veteran (trt; celltype), ovarian (rx), pbc (trt; stage), status==2 as the
event for pbc, missing groups dropped - as in the R script.
"""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import numpy as np
import pytest

from spinemet.analysis.logrank import logrank, logrank_trend, p_adjust, pairwise_logrank, wilcoxon
from spinemet.errors import InvalidInputError
from tests.analysis.test_kaplan_meier import load_dataset

DATA = Path(__file__).resolve().parents[1] / "data"
# the module (spinemet.analysis re-exports the function under the same name)
logrank_module = importlib.import_module("spinemet.analysis.logrank")
RTOL = 1e-9


def _cases() -> list:
    cases = []
    for name in ("lung", "lung_ecog", "veteran", "ovarian", "pbc", "pbc_stage", "demo", "spssmac"):
        fx = json.loads((DATA / f"r/logrank_{name}.json").read_text())
        for var, value in fx.items():
            if isinstance(value, dict):
                cases.append(pytest.param(name, var, value, id=f"{name}-{var}"))
    return cases


CASES = _cases()


def _group(name: str, var: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    time, event, groups = load_dataset(name)
    return time, event, groups[var]


def _labels(res_groups: np.ndarray) -> list[str]:
    return [f"{g:g}" if isinstance(g, int | float | np.number) else str(g) for g in res_groups]


@pytest.mark.parametrize("grid", [True, False], ids=["grid-path", "sort-path"])
@pytest.mark.parametrize(("name", "var", "exp"), CASES)
@pytest.mark.parametrize("rho", [0, 1])
def test_logrank_matches_survdiff(
    name: str, var: str, exp: dict, rho: int, grid: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R: survdiff(Surv(time, event) ~ group, rho=rho) -> $n, $obs, $exp, $var, $chisq, $pvalue.
    Run through both counting paths (integer grid and argsort)."""
    if not grid:
        monkeypatch.setattr(logrank_module, "_discrete_keys", lambda t, k=1, events=None: None)
    ref = exp[f"rho{rho}"]
    time, event, group = _group(name, var)
    res = logrank(time, event, group, rho=rho)
    assert _labels(res.groups) == exp["levels"]
    np.testing.assert_array_equal(res.n, ref["n"])
    np.testing.assert_allclose(res.observed, ref["obs"], rtol=RTOL)
    np.testing.assert_allclose(res.expected, ref["exp"], rtol=RTOL)
    np.testing.assert_allclose(res.variance, np.array(ref["var"]), rtol=RTOL, atol=1e-12)
    assert res.chi2 == pytest.approx(ref["chisq"], rel=RTOL)
    assert res.df == ref["df"]
    assert res.p == pytest.approx(ref["pvalue"], rel=1e-7)
    assert res.method == ("log-rank" if rho == 0 else "Peto-Peto")


@pytest.mark.parametrize(("name", "var", "exp"), CASES)
def test_pairwise_matches_survdiff_per_pair_with_holm(name: str, var: str, exp: dict) -> None:
    """R: survdiff(Surv(time, event) ~ group) on each pair's subset; p.adjust(p, method="holm")."""
    ref = exp["pairwise"]
    time, event, group = _group(name, var)
    got = pairwise_logrank(time, event, group)
    as_list = lambda v: v if isinstance(v, list) else [v]  # noqa: E731 (jsonlite unboxes length-1)
    assert _labels(got["group1"].to_numpy()) == as_list(ref["group1"])
    assert _labels(got["group2"].to_numpy()) == as_list(ref["group2"])
    np.testing.assert_allclose(got["chi2"], as_list(ref["chisq"]), rtol=RTOL)
    np.testing.assert_allclose(got["p"], as_list(ref["p"]), rtol=1e-7)
    np.testing.assert_allclose(got["p_adjusted"], as_list(ref["p_holm"]), rtol=1e-7)


@pytest.mark.parametrize(("name", "var", "exp"), CASES)
def test_trend_matches_survdiff_formula(name: str, var: str, exp: dict) -> None:
    """R: s = 1..k; U = sum(s*(obs-exp)); V = t(s) %*% var %*% s from survdiff(rho=0); chisq = U^2/V."""
    ref = exp["trend"]
    time, event, group = _group(name, var)
    got = logrank_trend(time, event, group)
    assert got.u == pytest.approx(ref["u"], rel=RTOL)
    assert got.variance == pytest.approx(ref["var"], rel=RTOL)
    assert got.chi2 == pytest.approx(ref["chisq"], rel=RTOL)
    assert got.p == pytest.approx(ref["pvalue"], rel=1e-7)
    assert got.df == 1


@pytest.mark.parametrize(("name", "var", "exp"), CASES)
def test_gehan_wilcoxon_matches_r_loop(name: str, var: str, exp: dict) -> None:
    """R: gehan_by_hand() in tests/r/km_logrank.R - explicit loop over event times with weight n(t)."""
    ref = exp["gehan"]
    time, event, group = _group(name, var)
    got = wilcoxon(time, event, group)
    np.testing.assert_allclose(got.observed, ref["obs"], rtol=RTOL)
    np.testing.assert_allclose(got.expected, ref["exp"], rtol=RTOL)
    np.testing.assert_allclose(got.variance, np.array(ref["var"]), rtol=RTOL, atol=1e-9)
    assert got.chi2 == pytest.approx(ref["chisq"], rel=RTOL)
    assert got.p == pytest.approx(ref["pvalue"], rel=1e-7)


def test_lung_sex_known_value() -> None:
    """R: survdiff(Surv(time, status) ~ sex, data=lung) -> Chisq = 10.3 on 1 df, p = 0.001."""
    time, event, group = _group("lung", "sex")
    res = logrank(time, event, group)
    assert res.chi2 == pytest.approx(10.3267, abs=1e-4)
    assert res.table["observed"].tolist() == [112.0, 53.0]


def test_trend_scores_mapping_equals_sequence() -> None:
    time, event, group = _group("lung_ecog", "ph.ecog")
    a = logrank_trend(time, event, group, scores=[0, 1, 2, 3])
    b = logrank_trend(time, event, group, scores={0.0: 0, 1.0: 1, 2.0: 2, 3.0: 3})
    c = logrank_trend(time, event, group)  # 1..k: a shift of the scores leaves chi2 unchanged
    assert a.chi2 == b.chi2
    assert a.chi2 == pytest.approx(c.chi2, rel=1e-12)


def test_p_adjust_bh_and_bonferroni() -> None:
    """R: p.adjust(c(0.01, 0.04, 0.03, 0.5), "BH") -> 0.04 0.05333333 0.05333333 0.5;
    "bonferroni" -> 0.04 0.16 0.12 1."""
    p = [0.01, 0.04, 0.03, 0.5]
    np.testing.assert_allclose(p_adjust(p, "BH"), [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    np.testing.assert_allclose(p_adjust(p, "bonferroni"), [0.04, 0.16, 0.12, 1.0])


def test_invalid_inputs() -> None:
    with pytest.raises(InvalidInputError) as err:
        logrank([1, 2, 3], [1, 0, 1], ["a", "a", "a"])
    assert err.value.field == "group"
    with pytest.raises(InvalidInputError) as err:
        logrank([1, 2, 3], [1, 0, 1], ["a", None, "b"])
    assert err.value.field == "group" and "index 1" in str(err.value)
    with pytest.raises(InvalidInputError) as err:
        logrank([1, 2, 3], [1, 0, 1], ["a", "b"])
    assert err.value.field == "group"
    with pytest.raises(InvalidInputError) as err:
        logrank([1, 2, 3], [1, 0, 1], ["a", "b", "a"], rho=-1)
    assert err.value.field == "rho"
    with pytest.raises(InvalidInputError) as err:
        pairwise_logrank([1, 2, 3], [1, 0, 1], ["a", "b", "a"], p_adjust="fdr2")
    assert err.value.field == "p_adjust"
    with pytest.raises(InvalidInputError) as err:
        logrank_trend([1, 2, 3], [1, 0, 1], ["a", "b", "a"], scores=[1])
    assert err.value.field == "scores"


def test_no_events_gives_zero_statistic() -> None:
    """All censored: chi2 0 and p NaN (R survdiff: chisq 0 when fewer than 2 groups have E > 0)."""
    res = logrank([1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 2, 2])
    assert res.chi2 == 0.0 and math.isnan(res.p)


def test_integer_string_and_float_labels_give_the_same_test() -> None:
    """Group codes are found by a fast path for integers (consecutive or not) and by factorize otherwise."""
    time, event, _ = load_dataset("veteran")
    rng = np.random.default_rng(3)
    g = rng.choice([0, 5, 9], size=time.size)
    results = [logrank(time, event, lab) for lab in (g, g.astype(float), g.astype(str), g - 5)]
    for res in results[1:]:
        assert res.chi2 == pytest.approx(results[0].chi2, rel=1e-12)
        np.testing.assert_allclose(res.observed, results[0].observed)
    assert results[0].groups.tolist() == [0, 5, 9]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("k", [2, 3, 5])
def test_untied_path_equals_grid_path(seed: int, k: int) -> None:
    """Continuous (untied) times take the per-group cumulative-count path; their ranks 1..n (the same
    order, so the same survdiff statistics: the tests depend on the times only through their order) take
    the integer-grid bincount path checked against R survdiff above. Both must agree."""
    rng = np.random.default_rng(seed)
    n = 400
    time = rng.exponential(10.0, n)
    assert np.unique(time).size == n
    event = (rng.random(n) < 0.7).astype(int)
    group = rng.integers(0, k, n)
    ranks = np.argsort(np.argsort(time)) + 1.0
    for fn in (lambda t: logrank(t, event, group), lambda t: logrank(t, event, group, rho=1),
               lambda t: wilcoxon(t, event, group)):
        a, b = fn(time), fn(ranks)
        np.testing.assert_allclose(a.observed, b.observed, rtol=1e-12)
        np.testing.assert_allclose(a.expected, b.expected, rtol=1e-12)
        np.testing.assert_allclose(a.variance, b.variance, rtol=1e-11, atol=1e-12)
        assert a.chi2 == pytest.approx(b.chi2, rel=1e-11)
    pa = pairwise_logrank(time, event, group)
    pb = pairwise_logrank(ranks, event, group)
    np.testing.assert_allclose(pa["chi2"], pb["chi2"], rtol=1e-11)
    ta = logrank_trend(time, event, group)
    tb = logrank_trend(ranks, event, group)
    assert ta.chi2 == pytest.approx(tb.chi2, rel=1e-11)


def test_untied_path_last_subject_alone() -> None:
    """An event at the largest time has n = 1 at risk: no variance contribution (survdiff's n > 1)."""
    a = logrank([0.5, 1.25, 2.75, 3.5], [1, 1, 0, 1], [0, 1, 0, 1])
    b = logrank([1, 2, 3, 4], [1, 1, 0, 1], [0, 1, 0, 1])
    np.testing.assert_allclose(a.variance, b.variance, rtol=1e-12)
    assert a.chi2 == pytest.approx(b.chi2, rel=1e-12)


def test_result_trend_equals_logrank_trend() -> None:
    """``logrank(...).trend(scores)`` reuses the survdiff O, E, V: the same numbers as logrank_trend."""
    time, event, groups = load_dataset("pbc_stage")
    group = groups["stage"]
    for rho in (0, 1):
        direct = logrank_trend(time, event, group, rho=rho)
        reused = logrank(time, event, group, rho=rho).trend()
        assert reused == direct
