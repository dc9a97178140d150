"""Prognostic accuracy of the scores: Harrell's C (direction), time-dependent AUC, Tokuhashi calibration."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.prognostic import prognostic_accuracy, score_accuracy, tokuhashi_calibration
from spinemet.errors import InvalidInputError

DEMO_R = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "r" / "outcomes_demo.json").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    from spinemet.cohort import add_score_columns
    from spinemet.cohort.demo import load_demo

    loaded = load_demo()
    return add_score_columns(getattr(loaded, "frame", loaded))


def _frame() -> pd.DataFrame:
    # deaths at 1, 2, 3, 4; one patient censored at 5; one score missing
    return pd.DataFrame(
        {
            "survival_months": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "dead": [1.0, 1.0, 1.0, 1.0, 0.0, 1.0],
            "tokuhashi": [2.0, 5.0, 8.0, 10.0, 13.0, np.nan],  # higher = longer: perfectly ordered
            "tomita": [10.0, 8.0, 6.0, 4.0, 2.0, 1.0],  # higher = worse: perfectly ordered
        }
    )


def test_direction_higher_better_and_higher_worse() -> None:
    """Every comparable pair is concordant in the score's intended direction, so C = 1 for both."""
    tok = score_accuracy(_frame(), "tokuhashi")
    assert (tok.n, tok.n_used, tok.n_missing, tok.events) == (6, 5, 1, 4)
    assert tok.c_index == 1.0 and tok.direction == "higher_better"
    tom = score_accuracy(_frame(), "tomita")
    assert tom.c_index == 1.0 and tom.direction == "higher_worse"
    assert "reverse=TRUE" in tom.methods["c_index"]


def test_reversed_ordering_gives_zero() -> None:
    frame = _frame()
    frame["tokuhashi"] = -frame["tokuhashi"] + 15
    assert score_accuracy(frame, "tokuhashi").c_index == 0.0


def test_absent_column_and_unknown_score() -> None:
    out = score_accuracy(_frame(), "katagiri")
    assert not out.computable and math.isnan(out.c_index) and out.n_missing == 6
    with pytest.raises(InvalidInputError, match="score"):
        score_accuracy(_frame(), "karnofsky")
    assert list(prognostic_accuracy(_frame())) == ["tokuhashi", "tomita"]


def test_demo_tokuhashi_c_matches_r(demo: pd.DataFrame) -> None:
    """R: concordance(Surv(survival_months, dead) ~ tokuhashi, data = demo) -> concordance, sqrt(var)."""
    ref = DEMO_R["concordance"]["tokuhashi"]
    out = score_accuracy(demo, "tokuhashi")
    assert out.n_used == ref["n"]
    assert out.c_index == pytest.approx(ref["c"], rel=1e-10)
    assert out.c_se == pytest.approx(ref["se"], rel=1e-8)


def test_demo_all_default_scores_computable(demo: pd.DataFrame) -> None:
    out = prognostic_accuracy(demo)
    assert list(out) == ["tokuhashi", "tomita", "katagiri", "bauer_modified", "nesms"]
    for name, acc in out.items():
        assert acc.computable, name
        assert acc.n_used + acc.n_missing == 55
        assert 0.0 <= acc.c_index <= 1.0


def test_calibration_hand_counted() -> None:
    """0-8: deaths at 1, 2, 3 and one censored at 10 -> KM S(6) = 0.25 < 0.5: "< 6 months" holds.
    9-11: deaths at 2, 4 of 2 patients -> S(6) = 0: ">= 6 months" does not hold. 12-15: empty -> None."""
    frame = pd.DataFrame(
        {
            "tokuhashi": [5, 5, 5, 5, 10, 10],
            "survival_months": [1, 2, 3, 10, 2, 4],
            "dead": [1, 1, 1, 0, 1, 1],
        },
        dtype=float,
    )
    cal = tokuhashi_calibration(frame)
    assert cal["0-8"].km_survival == {"6": 0.25, "12": 0.25}
    assert cal["0-8"].consistent is True and cal["0-8"].n == 4 and cal["0-8"].events == 3
    assert cal["9-11"].km_survival["6"] == 0.0 and cal["9-11"].consistent is False
    assert cal["12-15"].n == 0 and cal["12-15"].consistent is None


def test_time_dependent_auc_hand_counted() -> None:
    """At t = 2.5: cases = deaths at 1, 2; controls = alive after 2.5 (3, 4, 5); perfect order -> AUC 1.
    Reversing the Tokuhashi order makes every case-control pair discordant -> AUC 0."""
    out = score_accuracy(_frame(), "tokuhashi", times=(2.5, 4.5))
    assert out.auc == {"2.5": 1.0, "4.5": 1.0}
    assert (out.auc_cases["2.5"], out.auc_controls["2.5"]) == (2, 3)
    frame = _frame()
    frame["tokuhashi"] = 15 - frame["tokuhashi"]
    assert score_accuracy(frame, "tokuhashi", times=(2.5,)).auc == {"2.5": 0.0}
    assert score_accuracy(_frame(), "tomita", times=(2.5,)).auc == {"2.5": 1.0}


def test_demo_calibration_matches_r(demo: pd.DataFrame) -> None:
    """R: summary(survfit(Surv(survival_months, dead) ~ band), times = c(6, 12), extend = TRUE) ->
    surv, lower, upper per band (conf.type "log")."""
    ref = DEMO_R["calibration_by_band"]
    cal = tokuhashi_calibration(demo)
    for band, t, s, lo, hi in zip(ref["strata"], ref["time"], ref["surv"], ref["lower"], ref["upper"],
                                  strict=True):
        key = f"{t:g}"
        assert cal[band].km_survival[key] == pytest.approx(s, rel=1e-12), (band, t)
        assert cal[band].km_lower[key] == pytest.approx(lo, rel=1e-10), (band, t)
        assert cal[band].km_upper[key] == pytest.approx(hi, rel=1e-10), (band, t)
