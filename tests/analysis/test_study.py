"""analyse_study: everything the paper reports, in one JSON-ready object."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.study import StudyResults, analyse_study
from spinemet.errors import InvalidInputError

REQUIRED = [
    ("n",),
    ("survival", "median_months"),
    ("survival", "median_ci95"),
    ("survival", "ci_method"),
    ("frankel", "transition"),
    ("frankel", "improved_or_e_maintained"),
    ("frankel", "aggravated"),
    ("barthel", "pre_mean"),
    ("barthel", "post_mean"),
    ("barthel", "p_paired_t"),
    ("barthel", "p_wilcoxon"),
    ("vas", "pre_mean"),
    ("vas", "post_mean"),
    ("vas", "p_paired_t"),
    ("vas", "p_wilcoxon"),
    ("discharge",),
    ("by_tokuhashi_band",),
]


@pytest.fixture(scope="module")
def demo_results() -> StudyResults:
    from spinemet.cohort import load_demo

    loaded = load_demo()
    return analyse_study(getattr(loaded, "frame", loaded), median_ci="spss")


def _get(d: dict, path: tuple[str, ...]) -> object:
    for key in path:
        d = d[key]
    return d


def test_required_keys_and_strict_json(demo_results: StudyResults) -> None:
    d = demo_results.to_dict()
    for path in REQUIRED:
        _get(d, path)  # KeyError names the missing key
    text = json.dumps(d, allow_nan=False)  # NaN has become null everywhere
    assert json.loads(text)["n"] == 55
    assert len(d["survival"]["median_ci95"]) == 2
    for band in ("0-8", "9-11", "12-15"):
        row = d["by_tokuhashi_band"][band]
        keys = {"n", "barthel_pre_mean", "barthel_post_mean", "home_discharges", "lived_beyond_prediction"}
        assert keys <= set(row)


def test_demo_numbers_as_paper(demo_results: StudyResults) -> None:
    """Uei 2018: KM median 12.0 months, 95% CI 2.4-21.5 (SPSS; abstract and text); Table 3 35 and 4;
    Barthel 48.7 -> 74.5; VAS 4.6 -> 0.9; discharge 37 home / 11 hospice / 7 in-hospital death;
    Tokuhashi bands 40 / 9 / 6; radiotherapy 38 / 47."""
    d = demo_results.to_dict()
    assert round(d["survival"]["median_months"], 1) == 12.0
    assert [round(x, 1) for x in d["survival"]["median_ci95"]] == [2.4, 21.5]
    assert d["survival"]["ci_method"] == "spss"
    assert d["frankel"]["improved_or_e_maintained"] == 35 and d["frankel"]["aggravated"] == 4
    assert d["frankel"]["transition"]["C"]["E"] == 6
    assert (round(d["barthel"]["pre_mean"], 1), round(d["barthel"]["post_mean"], 1)) == (48.7, 74.5)
    assert (round(d["vas"]["pre_mean"], 1), round(d["vas"]["post_mean"], 1)) == (4.6, 0.9)
    assert d["barthel"]["p_paired_t"] < 0.001 and d["vas"]["p_wilcoxon"] < 0.001
    assert d["discharge"] == {"home": 37, "hospice": 11, "in_hospital_death": 7, "transfer": 0}
    assert [d["by_tokuhashi_band"][b]["n"] for b in ("0-8", "9-11", "12-15")] == [40, 9, 6]
    assert sum(d["by_tokuhashi_band"][b]["home_discharges"] for b in ("0-8", "9-11", "12-15")) == 37
    assert d["by_tokuhashi_band"]["12-15"]["home_discharges"] == 6  # paper: 100% of the 12-15 group
    assert (d["radiotherapy"]["n_radiotherapy"], d["radiotherapy"]["n_known"]) == (38, 47)
    assert set(d["barthel"]["by_procedure"]) == {"conventional", "mist"}
    assert d["tables"]["table1"][0]["variable"] == "sex"


def test_median_ci_method_is_passed_and_checked(demo_results: StudyResults) -> None:
    with pytest.raises(InvalidInputError, match="median_ci"):
        analyse_study(pd.DataFrame({"patient_id": ["a"]}), median_ci="wald")


def test_small_frame_without_scores() -> None:
    """A frame with few columns still runs; absent variables are reported as missing, not invented."""
    frame = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c", "d"],
            "tokuhashi_band": ["0-8", "0-8", "9-11", None],
            "barthel_pre": [20.0, 50.0, 40.0, 60.0],
            "barthel_post": [60.0, 70.0, 90.0, np.nan],
            "discharge": ["home", "hospice", "home", "home"],
            "survival_months": [3.0, 8.0, 12.0, 1.0],
            "dead": [1.0, 1.0, 0.0, 1.0],
        }
    )
    res = analyse_study(frame, add_scores=False)
    d = res.to_dict()
    assert d["n"] == 4
    assert d["barthel"]["n_pairs"] == 3 and d["barthel"]["n_missing"] == 1
    assert d["by_tokuhashi_band"]["0-8"]["barthel_pre_mean"] == 35.0
    assert d["by_tokuhashi_band"]["0-8"]["home_discharges"] == 1
    assert d["by_tokuhashi_band"]["0-8"]["lived_beyond_prediction"] == 1  # 8 > 6 months
    assert d["vas"]["n_pairs"] == 0 and d["vas"]["pre_mean"] is None
    assert d["frankel"]["n_pairs"] == 0
    assert d["survival"]["median_months"] == 5.5  # S = 0.5 from 3 to 8 months: R takes the midpoint
    # a: home with Barthel 60 and no family_care recorded -> listed; d: Barthel unknown -> not listed
    assert [c["patient_id"] for c in d["discharge_contradictions"]] == ["a"]


def test_demo_overall_median_log_ci_matches_r() -> None:
    """R: quantile(survfit(Surv(survival_months, dead) ~ 1, data = demo), probs = 0.5) (conf.type log)."""
    from pathlib import Path

    from spinemet.cohort import load_demo

    path = Path(__file__).resolve().parents[1] / "data" / "r" / "outcomes_demo.json"
    ref = json.loads(path.read_text(encoding="utf-8"))["survival_overall"]
    loaded = load_demo()
    surv = analyse_study(getattr(loaded, "frame", loaded)).survival
    assert surv.ci_method == "log"
    assert surv.median_months == pytest.approx(ref["median"], rel=1e-12)
    assert surv.median_ci95 == pytest.approx((ref["lower"], ref["upper"]), rel=1e-12)
