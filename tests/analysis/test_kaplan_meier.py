"""Kaplan-Meier estimates against R's survival 3.5-3 (fixtures written by tests/r/km_logrank.R).

Every number compared here was printed by R: ``survfit(Surv(time, event) ~ 1, conf.type=ct)`` (table),
``summary(fit)$std.err`` (SE of S), ``quantile(fit, probs=c(.25, .5, .75))`` (median and quartiles with CIs),
``summary(fit, times=times, extend=TRUE)`` (survival at times) and ``summary(fit, rmean=tau)$table``
(restricted mean and its SE). Datasets: tests/data/datasets/*.csv, exported from R by export_datasets.R.
"""

from __future__ import annotations

import importlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.survival import kaplan_meier
from spinemet.errors import InvalidInputError

DATA = Path(__file__).resolve().parents[1] / "data"
survival = importlib.import_module("spinemet.analysis.survival")
_validate = importlib.import_module("spinemet.analysis._validate")
DATASETS = ("lung", "lung_ecog", "veteran", "ovarian", "pbc", "pbc_stage", "demo", "spssmac")
DEMO_CSV = Path(__file__).resolve().parents[2] / "src/spinemet/cohort/data/demo_cohort.csv"
CI_TYPES = ("log", "plain", "log-log")
RTOL = 1e-9
ATOL = 1e-12


def _num(values: list) -> np.ndarray:
    """R numbers from jsonlite (NA/NaN/Inf written as strings) as float64."""
    conv = {"NA": math.nan, "NaN": math.nan, "Inf": math.inf, "-Inf": -math.inf}
    items = values if isinstance(values, list) else [values]
    return np.array([conv[v] if isinstance(v, str) else v for v in items], dtype=float)


def load_dataset(name: str) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(time, event, {grouping variable: values}) exactly as tests/r/km_logrank.R builds them."""
    if name == "demo":  # the demo cohort's inputs as R read them, embedded in the fixture
        d = json.loads((DATA / "r/km_demo.json").read_text())["data"]
        groups = {"tokuhashi_band": np.array(d["tokuhashi_band"]), "procedure": np.array(d["procedure"])}
        return np.array(d["time"], dtype=float), np.array(d["event"], dtype=float), groups
    if name.startswith("lung"):
        d = pd.read_csv(DATA / "datasets/lung.csv")
        if name == "lung":
            return d["time"].to_numpy(), (d["status"] - 1).to_numpy(), {"sex": d["sex"].to_numpy()}
        d = d[d["ph.ecog"].notna()]
        return d["time"].to_numpy(), (d["status"] - 1).to_numpy(), {"ph.ecog": d["ph.ecog"].to_numpy()}
    if name == "spssmac":  # continuous times (17 significant digits)
        d = pd.read_csv(DATA / "spss/spssmac_cluster_survival.csv")
        return d["time"].to_numpy(), d["event"].to_numpy(), {"grp": d["grp"].to_numpy()}
    if name == "veteran":
        d = pd.read_csv(DATA / "datasets/veteran.csv")
        groups = {"trt": d["trt"].to_numpy(), "celltype": d["celltype"].to_numpy()}
        return d["time"].to_numpy(), d["status"].to_numpy(), groups
    if name == "ovarian":
        d = pd.read_csv(DATA / "datasets/ovarian.csv")
        return d["futime"].to_numpy(), d["fustat"].to_numpy(), {"rx": d["rx"].to_numpy()}
    d = pd.read_csv(DATA / "datasets/pbc.csv")
    col = "trt" if name == "pbc" else "stage"
    d = d[d[col].notna()]
    return d["time"].to_numpy(), (d["status"] == 2).astype(int).to_numpy(), {col: d[col].to_numpy()}


def _label(v: object) -> str:
    return f"{v:g}" if isinstance(v, int | float | np.number) else str(v)


def _curve_data(name: str, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    time, event, groups = load_dataset(name)
    if key == "overall":
        return time, event, None
    if key == "weighted":
        i = np.arange(1, time.size + 1)
        return time, event, 0.5 + (i % 5) / 4
    var, level = key.split("=", 1)
    sel = np.array([_label(v) == level for v in groups[var]])
    return time[sel], event[sel], None


def _fixture_cases() -> list:
    cases = []
    for name in DATASETS:
        fx = json.loads((DATA / f"r/km_{name}.json").read_text())
        for key, value in fx.items():
            if isinstance(value, dict) and "log" in value:
                cases.extend(pytest.param(name, key, ct, id=f"{name}-{key}-{ct}") for ct in CI_TYPES)
    return cases


CASES = _fixture_cases()


@pytest.fixture(scope="module")
def fixtures() -> dict[str, dict]:
    return {name: json.loads((DATA / f"r/km_{name}.json").read_text()) for name in DATASETS}


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    got = np.asarray(actual, dtype=float)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, equal_nan=True)


@pytest.mark.parametrize("grid", [True, False], ids=["grid-path", "sort-path"])
@pytest.mark.parametrize(("name", "key", "ct"), CASES)
def test_table_matches_survfit(
    fixtures: dict, name: str, key: str, ct: str, grid: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """R: survfit(Surv(time, event) ~ 1, conf.type=ct) -> $time, $n.risk, $n.event, $n.censor, $surv,
    $std.err, $lower, $upper; summary(fit, censored=TRUE)$std.err (SE of S). Weighted curves:
    survfit(..., weights=w, robust=FALSE). Run through both counting paths (integer grid and sort)."""
    if not grid:
        monkeypatch.setattr(survival, "_discrete_keys", lambda t, k=1, events=None: None)
    exp = fixtures[name][key][ct]["table"]
    time, event, w = _curve_data(name, key)
    fit = kaplan_meier(time, event, ci_method=ct, weights=w)
    tab = fit.table
    _close(tab["time"], _num(exp["time"]))
    _close(tab["n_risk"], _num(exp["n.risk"]))
    _close(tab["n_event"], _num(exp["n.event"]))
    _close(tab["n_censor"], _num(exp["n.censor"]))
    _close(tab["survival"], _num(exp["surv"]))
    _close(fit.se_log, _num(exp["std.err"]))
    _close(tab["std_err"], _num(exp["std.err.surv"]))
    _close(tab["lower"], _num(exp["lower"]))
    _close(tab["upper"], _num(exp["upper"]))
    assert fit.n == fixtures[name][key][ct]["n"]


@pytest.mark.parametrize(("name", "key", "ct"), CASES)
def test_median_and_quartiles_match_quantile_survfit(fixtures: dict, name: str, key: str, ct: str) -> None:
    """R: quantile(survfit(Surv(time, event) ~ 1, conf.type=ct), probs=c(.25, .5, .75)) -> quantile, lower,
    upper (NA = not reached)."""
    exp = fixtures[name][key][ct]["quantile"]
    time, event, w = _curve_data(name, key)
    fit = kaplan_meier(time, event, ci_method=ct, weights=w)
    got = np.array([fit.quantile(p) for p in exp["probs"]])
    _close(got[:, 0], _num(exp["quantile"]))
    _close(got[:, 1], _num(exp["lower"]))
    _close(got[:, 2], _num(exp["upper"]))
    _close([fit.median, *fit.median_ci], _num([exp["quantile"][1], exp["lower"][1], exp["upper"][1]]))


@pytest.mark.parametrize(("name", "key", "ct"), CASES)
def test_survival_at_times_matches_summary(fixtures: dict, name: str, key: str, ct: str) -> None:
    """R: summary(survfit(..., conf.type=ct), times=times, extend=TRUE) -> n.risk, n.event, surv, std.err,
    lower, upper."""
    exp = fixtures[name][key][ct]["at"]
    time, event, w = _curve_data(name, key)
    got = kaplan_meier(time, event, ci_method=ct, weights=w).survival_at(fixtures[name]["times"])
    _close(got["time"], _num(exp["time"]))
    _close(got["n_risk"], _num(exp["n.risk"]))
    _close(got["n_event"], _num(exp["n.event"]))
    _close(got["survival"], _num(exp["surv"]))
    _close(got["std_err"], _num(exp["std.err"]))
    _close(got["lower"], _num(exp["lower"]))
    _close(got["upper"], _num(exp["upper"]))


@pytest.mark.parametrize(("name", "key", "ct"), [c for c in CASES if c.values[2] == "log"])
def test_rmst_matches_print_rmean(fixtures: dict, name: str, key: str, ct: str) -> None:
    """R: summary(survfit(...), rmean=tau)$table[c("rmean", "se(rmean)")] (= print(fit, rmean=tau))."""
    exp = fixtures[name][key][ct]["rmean"]
    time, event, w = _curve_data(name, key)
    got = kaplan_meier(time, event, weights=w).rmst(exp["tau"])
    assert got.tau == exp["tau"]
    _close([got.estimate, got.se], _num([exp["rmean"], exp["se"]]))


def test_demo_fixture_inputs_equal_current_demo_cohort() -> None:
    """km_demo.json embeds the demo cohort R read; if this fails, rerun Rscript tests/r/km_logrank.R."""
    demo = pd.read_csv(DEMO_CSV)
    time, event, groups = load_dataset("demo")
    np.testing.assert_array_equal(demo["survival_months"].to_numpy(dtype=float), time)
    np.testing.assert_array_equal(demo["dead"].to_numpy(dtype=float), event)
    band = np.where(demo["tokuhashi"] <= 8, 1, np.where(demo["tokuhashi"] <= 11, 2, 3))
    np.testing.assert_array_equal(band, groups["tokuhashi_band"])
    np.testing.assert_array_equal(demo["procedure"].to_numpy(), groups["procedure"])


def test_lung_overall_median_known_value(fixtures: dict) -> None:
    """R: quantile(survfit(Surv(time, status - 1) ~ 1, data=lung), 0.5) -> 310 (CI 285, 363)."""
    time, event, _ = load_dataset("lung")
    fit = kaplan_meier(time, event)
    assert fit.median == 310.0
    assert fit.median_ci == (285.0, 363.0)
    assert fit.n == 228 and fit.n_events == 165


def test_median_not_reached_gives_nan() -> None:
    """Curve that never falls to 0.5: the median and its upper limit are NaN (R prints NA)."""
    fit = kaplan_meier([1, 2, 3, 4, 5, 6], [1, 0, 0, 0, 0, 0])
    assert math.isnan(fit.median)
    assert math.isnan(fit.median_ci[1])
    assert fit.table["survival"].iloc[-1] == pytest.approx(5 / 6)


def test_flat_stretch_at_half_gives_midpoint() -> None:
    """S = 0.5 exactly on [2, 3): the median is the midpoint 2.5 (R quantile.survfit / print.survfit)."""
    fit = kaplan_meier([1, 2, 3, 4], [1, 1, 1, 1])
    assert fit.median == 2.5


def test_accepts_bool_event_and_pandas() -> None:
    a = kaplan_meier(pd.Series([5.0, 3, 9, 2]), pd.Series([True, False, True, True]))
    b = kaplan_meier([5, 3, 9, 2], [1, 0, 1, 1])
    np.testing.assert_array_equal(a.surv, b.surv)
    d = a.to_dict()
    assert d["n"] == 4 and d["n_events"] == 3 and len(d["table"]) == 4


def test_negative_zero_time_is_zero() -> None:
    """-0.0 is a valid time (>= 0), counted as 0.0 on both counting paths."""
    for t in ([-0.0, 1.0, 0.0], [-0.0, 1.25, 0.0]):
        km = kaplan_meier(t, [1, 0, 1])
        np.testing.assert_array_equal(km.time, [0.0, t[1]])
        np.testing.assert_array_equal(km.n_event, [2, 0])
        assert not np.signbit(km.time).any()


@pytest.mark.parametrize(
    ("kwargs", "field", "fragment"),
    [
        ({"time": [1, 2, -1, 3], "event": [1, 0, 1, 1]}, "time", "index 2"),
        ({"time": [1, 2, np.nan], "event": [1, 0, 1]}, "time", "index 2"),
        ({"time": [1, np.inf, 3], "event": [1, 0, 1]}, "time", "index 1"),
        ({"time": [1, -np.inf, 3], "event": [1, 0, 1]}, "time", "index 1"),
        ({"time": [1, 2, -1e-300], "event": [1, 0, 1]}, "time", "index 2"),
        ({"time": [1, 2, 3], "event": np.array([1, -1, 0], dtype=np.int8)}, "event", "index 1"),
        ({"time": [1, 2, 3], "event": np.array([0, 1, 2], dtype=np.uint16)}, "event", "index 2"),
        ({"time": [1, 2, 3], "event": [1, 2, 1]}, "event", "index 1"),
        ({"time": [1, 2, 3], "event": [1, 0]}, "event", "length 2"),
        ({"time": [], "event": []}, "time", "at least one"),
        ({"time": ["a", 1], "event": [1, 1]}, "time", "index 0"),
        ({"time": [1, 2], "event": [1, 1], "ci_method": "arcsin"}, "ci_method", "log-log"),
        ({"time": [1, 2], "event": [1, 1], "conf_level": 95}, "conf_level", "between 0 and 1"),
        ({"time": [1, 2], "event": [1, 1], "weights": [1, 0]}, "weights", "index 1"),
    ],
)
def test_invalid_input_names_the_argument(kwargs: dict, field: str, fragment: str) -> None:
    with pytest.raises(InvalidInputError) as err:
        kaplan_meier(kwargs.pop("time"), kwargs.pop("event"), **kwargs)
    assert err.value.field == field
    assert str(err.value).startswith(f"{field}: ")
    assert fragment in str(err.value)


def test_quantile_and_rmst_validate_arguments() -> None:
    fit = kaplan_meier([1, 2, 3], [1, 1, 0])
    with pytest.raises(InvalidInputError, match=r"^p: "):
        fit.quantile(1.5)
    with pytest.raises(InvalidInputError, match=r"^tau: "):
        fit.rmst(-1)
    with pytest.raises(InvalidInputError, match=r"^times: "):
        fit.survival_at([1, -2])


@pytest.mark.parametrize("seed", range(20))
def test_counting_paths_agree_with_unique(seed: int) -> None:
    """Sort path (one sort of bit keys) and grid path give np.unique's counts, zeros and ties included."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 300))
    t = np.round(rng.exponential(5, n), int(rng.integers(0, 3)))
    t[rng.random(n) < (0.1 if seed < 15 else 1.0)] = 0.0  # some zeros; all zeros for seeds 15-19
    e = (rng.random(n) < (0.0, 0.6, 1.0)[seed % 3]).astype(float)  # none, some, all events
    ut, inv = np.unique(t, return_inverse=True)
    n_total = np.bincount(inv).astype(float)
    n_event = np.bincount(inv, weights=e)
    paths = [survival._counts_sorted(t, e > 0), survival._counts_sorted(t, e.astype(np.int64))]
    grid = survival._discrete_keys(t, events=e.astype(np.int64))
    if grid is not None:
        paths.append(survival._counts_binned(*grid, e, None))
    for got in paths:
        np.testing.assert_array_equal(got[0], ut)
        np.testing.assert_array_equal(got[1], n_total)
        np.testing.assert_array_equal(got[2], n_event)
        np.testing.assert_array_equal(got[3], np.cumsum(n_total[::-1])[::-1])


def test_sort_path_keeps_every_double_apart() -> None:
    """The bit-key sort orders any non-negative doubles as the doubles (subnormals, 1 ulp apart, huge,
    -0.0 counted as 0.0) and returns each time bit for bit."""
    tiny = np.nextafter(0.0, 1.0)
    t = np.array([1e300, 2.0, np.nextafter(2.0, 3.0), tiny, -0.0, 0.0, 2.0, 5e-324 * 3, 1.5, 1e300])
    e = np.array([1, 0, 1, 1, 1, 0, 1, 0, 0, 0], dtype=bool)
    ut, n_total, n_event, n_risk = survival._counts_sorted(t, e)
    want_t, inv = np.unique(t + 0.0, return_inverse=True)
    np.testing.assert_array_equal(ut, want_t)
    assert not np.signbit(ut).any()
    np.testing.assert_array_equal(n_total, np.bincount(inv))
    np.testing.assert_array_equal(n_event, np.bincount(inv, weights=e))
    np.testing.assert_array_equal(n_risk, [10, 8, 7, 6, 5, 3, 2])  # 0 twice, tiny, 3 tiny, 1.5, 2 twice
    assert ut[-2] == np.nextafter(2.0, 3.0)


def test_grid_detection_is_exact() -> None:
    """Grid keys reproduce every time exactly; a value with more decimals later on moves to a finer grid,
    and times off any 0.001 grid fall back to the sort path."""
    t = np.array([1.0, 2.0, 3.0] * 500 + [2.25])  # head looks integral, one value needs 2 decimals
    keys, scale, offset = survival._discrete_keys(t)
    assert scale == 100.0
    np.testing.assert_array_equal((keys + offset) / scale, t)
    assert survival._discrete_keys(np.array([0.1, 0.2, 1 / 3])) is None
    assert survival._discrete_keys(np.array([1e300, 1.0])) is None
    # with event flags the keys are key * 2 + event, on the same grid and offset
    e = np.arange(t.size) % 2
    cells, scale2, offset2 = survival._discrete_keys(t, events=e)
    assert (scale2, offset2) == (scale, offset)
    np.testing.assert_array_equal(cells, keys * 2 + e)


@pytest.mark.parametrize("seed", range(6))
def test_timefix_merge_sums_each_run_in_order(seed: int) -> None:
    """Merging the tied times (runs of 2 and more, at the start and at the end too) sums each run's counts
    left to right, as R's survfit C code accumulates them, weighted (fractional) counts included, bit for
    bit; whole counts equal np.add.reduceat's; n_risk is that of the run's first time."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    tied_mask = rng.random(n) < (0.05, 0.3, 0.9)[seed % 3]
    tied_mask[0] = False
    if seed == 4:
        tied_mask[1:] = True  # everything ties to the first time
    ut = np.cumsum(np.where(tied_mask, 1e-12, 1.0)) + 1.0  # ties: gaps of rounding size
    tied = _validate.timefix_tied(ut)
    first = _validate.timefix_clusters(ut)
    if not tied_mask.any():
        assert tied is None and first is None
        return
    np.testing.assert_array_equal(tied, np.flatnonzero(tied_mask))
    runs = np.split(np.arange(n), first[1:])
    for counts in (rng.uniform(0.1, 3.0, (2, n)), rng.integers(0, 5, (2, n)).astype(float)):
        n_total, n_event = counts[0] + counts[1], counts[1]
        n_risk = np.cumsum(n_total[::-1])[::-1]
        got = survival._merge_tied(tied, ut, n_total, n_event, n_risk)
        np.testing.assert_array_equal(got[0], ut[first])
        np.testing.assert_array_equal(got[3], n_risk[first])
        for g, c in ((got[1], n_total), (got[2], n_event)):
            in_order = []
            for run in runs:
                total = c[run[0]]
                for i in run[1:]:
                    total += c[i]
                in_order.append(total)
            np.testing.assert_array_equal(g, in_order)
        if counts.dtype == float and np.all(counts == np.round(counts)):
            np.testing.assert_array_equal(got[1], np.add.reduceat(n_total, first))
