"""Paired pre/post comparisons against R (tests/r/outcomes.R -> tests/data/r/outcomes_tests.json)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.paired import paired_by_group, paired_comparison, wilcoxon_signed_rank
from spinemet.errors import InvalidInputError

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "r" / "outcomes_tests.json"
CASES = json.loads(FIXTURE.read_text(encoding="utf-8"))["paired"]


def _arr(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_paired_t_matches_r(case: dict) -> None:
    """R: t.test(post, pre, paired = TRUE) -> statistic, parameter, p.value, estimate, conf.int."""
    res = paired_comparison(_arr(case["pre"]), _arr(case["post"]), variable="x")
    assert res.n_pairs == case["n_pairs"]
    assert res.n_missing == len(case["pre"]) - case["n_pairs"]
    assert res.t == pytest.approx(case["t"], rel=1e-10)
    assert res.df == case["df"]
    assert res.p_paired_t == pytest.approx(case["p_t"], rel=1e-8)
    assert res.mean_difference == pytest.approx(case["mean_difference"], rel=1e-12)
    assert res.ci95[0] == pytest.approx(case["ci_low"], rel=1e-10)
    assert res.ci95[1] == pytest.approx(case["ci_high"], rel=1e-10)
    assert res.pre_mean == pytest.approx(case["pre_mean"], rel=1e-12)
    assert res.post_mean == pytest.approx(case["post_mean"], rel=1e-12)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["name"])
def test_wilcoxon_matches_r(case: dict) -> None:
    """R: wilcox.test(post, pre, paired = TRUE) (exact = NULL, correct = TRUE) -> V and p.value."""
    res = paired_comparison(_arr(case["pre"]), _arr(case["post"]))
    assert res.wilcoxon.statistic_v == case["v"]
    assert res.p_wilcoxon == pytest.approx(case["p_wilcoxon"], rel=1e-9)


def test_wilcoxon_method_choice_follows_r() -> None:
    """R picks exact only for n < 50 non-zero differences without ties or zeros."""
    by_name = {c["name"]: c for c in CASES}
    exact = wilcoxon_signed_rank(_arr(by_name["exact_small"]["post"]), _arr(by_name["exact_small"]["pre"]))
    assert exact.exact and "exact" in exact.method
    ties = wilcoxon_signed_rank(
        _arr(by_name["barthel_ties_zeros"]["post"]), _arr(by_name["barthel_ties_zeros"]["pre"])
    )
    assert not ties.exact and ties.n_zero == 4 and "ties, zeros" in ties.method
    big = wilcoxon_signed_rank(
        _arr(by_name["large_continuous"]["post"]), _arr(by_name["large_continuous"]["pre"])
    )
    assert not big.exact and "n>=50" in big.method


def test_all_positive_exact_p_is_two_over_two_to_the_n() -> None:
    """Five positive differences: exact two-sided p = 2 / 2^5 = 0.0625 (R wilcox.test gives 0.0625)."""
    res = wilcoxon_signed_rank([11, 22, 33, 44, 55], [10, 20, 30, 40, 50])
    assert res.statistic_v == 15
    assert res.p == 0.0625


def test_all_zero_differences_not_computable() -> None:
    res = paired_comparison([50, 60], [50, 60])
    assert math.isnan(res.p_wilcoxon) and math.isnan(res.p_paired_t)
    assert res.mean_difference == 0
    assert res.notes


def test_unequal_lengths_rejected() -> None:
    with pytest.raises(InvalidInputError, match="post"):
        paired_comparison([1, 2, 3], [1, 2])


def test_by_group_hand_counted() -> None:
    frame = pd.DataFrame(
        {
            "barthel_pre": [40, 50, 30, 20, np.nan, 60],
            "barthel_post": [70, 80, 30, 50, 45, 90],
            "band": ["0-8", "0-8", "9-11", "9-11", "9-11", None],
        }
    )
    out = paired_by_group(frame, "barthel_pre", "barthel_post", "band", levels=("0-8", "9-11", "12-15"))
    assert list(out) == ["0-8", "9-11", "12-15"]
    assert out["0-8"].n_pairs == 2 and out["0-8"].pre_mean == 45 and out["0-8"].post_mean == 75
    assert out["9-11"].n_pairs == 2 and out["9-11"].n_missing == 1
    assert out["9-11"].mean_difference == 15
    assert out["12-15"].n_pairs == 0 and math.isnan(out["12-15"].pre_mean)
    assert out["0-8"].to_dict()["difference"] == "post - pre"


# ------------------------------------------------------------------------------------------ demo cohort
DEMO_R = json.loads((FIXTURE.parent / "outcomes_demo.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    from spinemet.cohort import add_score_columns
    from spinemet.cohort.demo import load_demo

    loaded = load_demo()
    return add_score_columns(getattr(loaded, "frame", loaded))


@pytest.mark.parametrize("variable", ["barthel", "vas"])
def test_demo_paired_by_band_and_procedure_match_r(demo: pd.DataFrame, variable: str) -> None:
    """R (tests/r/outcomes.R on the demo cohort): t.test(post, pre, paired = TRUE) and
    wilcox.test(post, pre, paired = TRUE), overall, per Tokuhashi band and per procedure."""
    ref = DEMO_R[variable]
    pre, post = f"{variable}_pre", f"{variable}_post"
    results = {"all": paired_comparison(demo[pre], demo[post])}
    bands = paired_by_group(demo, pre, post, "tokuhashi_band", levels=("0-8", "9-11", "12-15"))
    for band, res in bands.items():
        results[f"band_{band}"] = res
    for proc, res in paired_by_group(demo, pre, post, "procedure", levels=("conventional", "mist")).items():
        results[f"procedure_{proc}"] = res
    assert set(results) == set(ref)
    for key, res in results.items():
        r = ref[key]
        assert res.n_pairs == r["n_pairs"], key
        assert res.pre_mean == pytest.approx(r["pre_mean"], rel=1e-12), key
        assert res.post_mean == pytest.approx(r["post_mean"], rel=1e-12), key
        assert res.p_paired_t == pytest.approx(r["p_t"], rel=1e-8), key
        assert res.ci95 == pytest.approx((r["ci_low"], r["ci_high"]), rel=1e-10), key
        assert res.wilcoxon.statistic_v == r["v"], key
        assert res.p_wilcoxon == pytest.approx(r["p_wilcoxon"], rel=1e-9), key


def test_demo_barthel_means_as_paper(demo: pd.DataFrame) -> None:
    """Uei 2018: Barthel 48.7 before (Table 1; the Results' "48.5" is scores.md §13 #4) -> 74.5 after,
    P < 0.001; VAS 4.6 -> 0.9, P < 0.001."""
    bar = paired_comparison(demo["barthel_pre"], demo["barthel_post"])
    assert (round(bar.pre_mean, 1), round(bar.post_mean, 1)) == (48.7, 74.5)
    assert bar.p_paired_t < 0.001 and bar.p_wilcoxon < 0.001
    vas = paired_comparison(demo["vas_pre"], demo["vas_post"])
    assert (round(vas.pre_mean, 1), round(vas.post_mean, 1)) == (4.6, 0.9)
    assert vas.p_paired_t < 0.001 and vas.p_wilcoxon < 0.001
