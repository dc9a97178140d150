"""spinemet.analysis.time_auc against timeROC's marginal-IPCW AUC written out in base R.

timeROC is not installable here, so tests/r/cox_concordance.R computes the same estimator by hand
(``timeauc_by_hand``: survfit() for the censoring Kaplan-Meier, then the weighted case/control sum).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.time_auc import time_dependent_auc
from spinemet.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
R_DIR = ROOT / "tests" / "data" / "r"
DS = ROOT / "tests" / "data" / "datasets"
REF = json.loads((R_DIR / "timeauc_datasets.json").read_text())


def _inputs(key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if key.startswith("lung"):
        d = pd.read_csv(DS / "lung.csv")
        col = {"lung_ecog": "ph.ecog", "lung_age": "age"}[key]
        return d["time"].to_numpy(), (d["status"] - 1).to_numpy(), d[col].to_numpy()
    if key == "veteran_karno":
        d = pd.read_csv(DS / "veteran.csv")
        return d["time"].to_numpy(), d["status"].to_numpy(), d["karno"].to_numpy()
    if key == "ovarian_age":
        d = pd.read_csv(DS / "ovarian.csv")
        return d["futime"].to_numpy(), d["fustat"].to_numpy(), d["age"].to_numpy()
    d = pd.read_csv(DS / "pbc.csv")
    return d["time"].to_numpy(), (d["status"] == 2).astype(int).to_numpy(), np.log(d["bili"].to_numpy())


def _check(res, rows: list[dict]) -> None:
    assert list(res.times) == [r["time"] for r in rows]
    for got, ref in zip(res.table.to_dict(orient="records"), rows, strict=True):
        assert got["auc"] == pytest.approx(ref["auc"], rel=1e-9)
        assert got["n_cases"] == ref["n_cases"]
        assert got["n_controls"] == ref["n_controls"]
        assert got["cumulative_incidence"] == pytest.approx(ref["cumulative_incidence"], rel=1e-9)
        assert got["survival"] == pytest.approx(ref["survival"], rel=1e-9)


@pytest.mark.parametrize("key", sorted(REF))
def test_time_auc_matches_r(key: str) -> None:
    """AUC(t), cases, controls, IPCW cumulative incidence and survival at 2-3 times per data set.

    R (tests/r/cox_concordance.R): timeauc_by_hand(lung$time, lung$status - 1, lung$ph.ecog,
    c(180, 365, 540)); (..., lung$age, c(180, 365)); timeauc_by_hand(veteran$time, veteran$status,
    -veteran$karno, c(30, 90, 180)); timeauc_by_hand(ovarian$futime, ovarian$fustat, ovarian$age,
    c(365, 730)); timeauc_by_hand(pbc$time, pbc$status == 2, log(pbc$bili), c(1000, 2000, 3000)).
    """
    ref = REF[key]
    t, e, m = _inputs(key)
    times = [r["time"] for r in ref["rows"]]
    res = time_dependent_auc(t, e, m, times, higher_is_better=ref["higher_is_better"])
    _check(res, ref["rows"])


def test_demo_tokuhashi_auc() -> None:
    """R: timeauc_by_hand(demo$survival_months, demo$dead, -demo$tokuhashi, c(6, 12))."""
    path = R_DIR / "concordance_demo.json"
    if not path.exists():
        pytest.skip("demo fixture not generated")
    demo = json.loads(path.read_text())
    d = demo["data"]
    res = time_dependent_auc(d["time"], d["event"], d["tokuhashi"], [6, 12], higher_is_better=True)
    _check(res, demo["tokuhashi_auc"]["rows"])


def test_no_censoring_is_plain_mann_whitney() -> None:
    """Without censoring the weights are 1 and AUC(t) is the Mann-Whitney AUC of cases vs controls."""
    t = np.array([1, 2, 3, 4, 5, 6, 7, 8], dtype=float)
    e = np.ones(8)
    m = np.array([9, 7, 8, 3, 4, 4, 1, 2], dtype=float)
    res = time_dependent_auc(t, e, m, [3.5])
    cases, ctrls = m[t < 3.5], m[t > 3.5]
    expected = np.mean([(a > b) + 0.5 * (a == b) for a in cases for b in ctrls])
    assert res.auc[0] == pytest.approx(expected)


def test_no_cases_gives_nan_and_bad_times_rejected() -> None:
    res = time_dependent_auc([5, 6, 7], [1, 0, 1], [1, 2, 3], [1.0])
    assert np.isnan(res.auc[0])
    with pytest.raises(InvalidInputError, match="times"):
        time_dependent_auc([5, 6, 7], [1, 0, 1], [1, 2, 3], [0])
    with pytest.raises(InvalidInputError, match="method"):
        time_dependent_auc([5, 6, 7], [1, 0, 1], [1, 2, 3], [1.0], method="incident_dynamic")
