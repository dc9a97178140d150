"""SPSS's median survival time, its SE and 95% CI against real IBM SPSS output.

Expected numbers: tests/data/spss/spss_reference.json = the "Means and Medians for Survival Time" rows that
two independent IBM SPSS Statistics runs stored (OMS/OXML):
``KM time BY sex /STATUS=status EVENT(1) /PRINT TABLE MEAN /TEST=LOGRANK.`` (SPSS 31, Windows) on
statedu_survival_validation.csv and ``KM time BY true_segment /STATUS=event(1) /PRINT TABLE MEAN /COMPARE
OVERALL POOLED.`` (SPSS for macOS) on spssmac_cluster_survival.csv. Copies of the shared reference
``spss-km`` (provenance in tests/data/spss/README.md, checksums in tests/data/spss/SHA256SUMS).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.median_ci import spss_quantile
from spinemet.analysis.survival import kaplan_meier

HERE = Path(__file__).resolve()
SPSS = HERE.parents[1] / "data/spss"
SHARED = HERE.parents[2].parent / "shared/reference/spss-km"
FILES = ("spss_reference.json", "statedu_survival_validation.csv", "spssmac_cluster_survival.csv")
SOURCES = {
    "statedu": ("statedu_survival_validation.csv", "time", "status", "sex"),
    "spssmac": ("spssmac_cluster_survival.csv", "time", "event", "grp"),
}
REF = json.loads((SPSS / "spss_reference.json").read_text())["median"]
ROWS = [
    pytest.param(src, grp, row, id=f"{src}-{grp}") for src, rows in REF.items() for grp, row in rows.items()
]


@pytest.mark.parametrize(("source", "group", "row"), ROWS)
def test_spss_median_estimate_se_ci(source: str, group: str, row: dict) -> None:
    """SPSS KM /PRINT MEAN: Median Estimate, Std. Error, 95% CI lower and upper bound, all 7 rows."""
    fname, tcol, ecol, gcol = SOURCES[source]
    data = pd.read_csv(SPSS / fname)
    if group != "Overall":
        data = data[data[gcol].astype(str) == group]
    fit = kaplan_meier(data[tcol], data[ecol] == 1, ci_method="spss")
    assert fit.n == row["n"]
    assert fit.n_events == row["events"]
    assert fit.median == pytest.approx(row["estimate"], abs=1e-9)
    assert fit.median_se == pytest.approx(row["se"], abs=1e-9)
    assert fit.median_ci[0] == pytest.approx(row["lower"], abs=1e-9)
    assert fit.median_ci[1] == pytest.approx(row["upper"], abs=1e-9)
    assert fit.quantile(0.5) == (fit.median, *fit.median_ci)


def test_spss_z_is_exactly_1_96() -> None:
    """SPSS prints estimate +/- 1.96 SE; the exact normal quantile would move the third decimal."""
    row = REF["statedu"]["1"]
    assert (row["upper"] - row["estimate"]) / row["se"] == pytest.approx(1.96, abs=1e-10)


def test_spss_median_is_first_time_at_or_below_half_not_the_midpoint() -> None:
    """S = 0.5 exactly on [2, 3): SPSS takes 2 (first event time with S <= 0.5); R takes the midpoint 2.5."""
    spss = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1], ci_method="spss")
    r = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1], ci_method="log")
    assert spss.median == 2.0
    assert r.median == 2.5


def test_spss_threshold_tolerance() -> None:
    """40 deaths at t = i**1.5 (i = 1..40), no censoring: S at i = 18 is 22/40 = 0.55 but computes as
    0.5499999999999999, yet SPSS's inclusive rule takes u = t(18) and l = t(22) (S = 0.45):
    f = 0.1 / (t(22) - t(18)) and SE = sqrt(0.5 * 0.5 / 40) / f (Greenwood without censoring is binomial)."""
    t = np.arange(1.0, 41.0) ** 1.5
    fit = kaplan_meier(t, np.ones(40), ci_method="spss")
    assert fit.table["survival"].iloc[17] < 0.55
    assert fit.median == t[19]
    expected_se = np.sqrt(0.25 / 40) / (0.1 / (t[21] - t[17]))
    assert fit.median_se == pytest.approx(expected_se, rel=1e-12)
    ci = (t[19] - 1.96 * expected_se, t[19] + 1.96 * expected_se)
    assert fit.median_ci == pytest.approx(ci, rel=1e-12)
    ev = fit.table
    _, se_strict, _, _ = spss_quantile(t, ev["survival"].to_numpy(), ev["std_err"].to_numpy(), 0.5, tol=0.0)
    assert se_strict != pytest.approx(expected_se, rel=1e-6)  # without the tolerance u would be t(17)


def test_spss_median_not_reached() -> None:
    fit = kaplan_meier([1, 2, 3, 4, 5], [1, 0, 0, 0, 0], ci_method="spss")
    assert np.isnan(fit.median) and np.isnan(fit.median_se) and np.isnan(fit.median_ci[0])


@pytest.mark.parametrize("fname", FILES)
def test_copies_equal_the_reference(fname: str) -> None:
    """tests/data/spss/ holds byte-identical copies of the shared reference spss-km/ (with its README.md):
    their SHA-256 sums, recorded from the reference in tests/data/spss/SHA256SUMS, are checked in a clone
    alone; beside the shared reference the files are also compared byte for byte."""
    import hashlib

    sums = dict(reversed(line.split()) for line in (SPSS / "SHA256SUMS").read_text().splitlines() if line)
    assert hashlib.sha256((SPSS / fname).read_bytes()).hexdigest() == sums[fname]
    if SHARED.is_dir():
        assert (SPSS / fname).read_bytes() == (SHARED / fname).read_bytes()
