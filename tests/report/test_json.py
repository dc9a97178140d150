"""The JSON output: every required key, and on the demo cohort the values the study (Uei et al., JOSR 2018)
prints where the demo reproduces them (docs/demo-cohort.md lists which are exact)."""

from __future__ import annotations

import hashlib
from typing import Any

import pandas as pd
import pytest

from spinemet.cohort.demo import demo_path
from spinemet.report.formatting import number
from tests.paper_figures import FRANKEL_GRADES as GRADES
from tests.paper_figures import PAPER_TABLE3

REQUIRED = [
    "n",
    "survival.median_months",
    "survival.median_ci95",
    "survival.ci_method",
    "frankel.transition",
    "frankel.improved_or_e_maintained",
    "frankel.aggravated",
    "barthel.pre_mean",
    "barthel.post_mean",
    "barthel.p_paired_t",
    "barthel.p_wilcoxon",
    "vas.pre_mean",
    "vas.post_mean",
    "vas.p_paired_t",
    "vas.p_wilcoxon",
    "discharge",
    "by_tokuhashi_band",
    "meta.spinemet_version",
    "meta.input_sha256",
    "meta.source",
    "meta.generated_at",
    "meta.ci_method",
]
BAND_KEYS = ("n", "barthel_pre_mean", "barthel_post_mean", "home_discharges", "lived_beyond_prediction")


def _get(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        assert isinstance(node, dict) and part in node, f"missing key {dotted!r} (at {part!r})"
        node = node[part]
    return node


@pytest.mark.parametrize("key", REQUIRED)
def test_required_key_present(demo_out: dict[str, Any], key: str) -> None:
    assert _get(demo_out["data"], key) is not None


def test_band_keys(demo_out: dict[str, Any]) -> None:
    bands = demo_out["data"]["by_tokuhashi_band"]
    assert set(bands) == {"0-8", "9-11", "12-15"}
    for band in bands.values():
        for key in BAND_KEYS:
            assert key in band


def test_meta(demo_out: dict[str, Any]) -> None:
    meta = demo_out["data"]["meta"]
    assert meta["input_sha256"] == hashlib.sha256(demo_path().read_bytes()).hexdigest()
    assert meta["ci_method"] == "spss" == demo_out["data"]["survival"]["ci_method"]
    assert meta["source"] == "demo_cohort.csv"
    assert meta["source_kind"] == "cohort file"
    assert meta["versions"]["numpy"] and meta["versions"]["scipy"] and meta["versions"]["pandas"]


def test_demo_counts_match_the_paper(demo_out: dict[str, Any]) -> None:
    """n = 55 (Methods), Table 3 cell by cell, 35 improved or E maintained, 4 aggravated (Table 3; the text's
    "2" contradicts the table), discharge 37 / 11 / 7 (Table 5)."""
    d = demo_out["data"]
    assert d["n"] == 55
    for pre, row in PAPER_TABLE3.items():
        assert [d["frankel"]["transition"][pre][post] for post in GRADES] == row
    assert d["frankel"]["improved_or_e_maintained"] == 35
    assert d["frankel"]["aggravated"] == 4
    assert d["discharge"]["home"] == 37
    assert d["discharge"]["hospice"] == 11
    assert d["discharge"]["in_hospital_death"] == 7


def test_demo_median_matches_the_paper(demo_out: dict[str, Any]) -> None:
    """Median 12.0 months, 95% CI 2.4-21.5 by SPSS's method (Abstract, Results)."""
    s = demo_out["data"]["survival"]
    assert number(s["median_months"], 1) == "12.0"
    lo, hi = s["median_ci95"]
    assert (number(lo, 1), number(hi, 1)) == ("2.4", "21.5")
    assert s["km"]["groups"][0]["median_months"] == s["median_months"]


def test_demo_means_match_the_paper(demo_out: dict[str, Any]) -> None:
    """Barthel 48.7 -> 74.5, VAS 4.6 -> 0.9, both P < 0.001 (Tables 1 and 5, Results)."""
    d = demo_out["data"]
    assert number(d["barthel"]["pre_mean"], 1) == "48.7"
    assert number(d["barthel"]["post_mean"], 1) == "74.5"
    assert number(d["vas"]["pre_mean"], 1) == "4.6"
    assert number(d["vas"]["post_mean"], 1) == "0.9"
    for var in ("barthel", "vas"):
        assert d[var]["p_paired_t"] < 0.001
        assert d[var]["p_wilcoxon"] < 0.001


def test_demo_bands(demo_out: dict[str, Any]) -> None:
    """Bands 40 / 9 / 6 (Table 1); home discharge 6/9 and 6/6 (Results; 0-8 is 25/40 in the demo, see
    docs/demo-cohort.md #5); Barthel band means within 0.5 of the paper's (Results, Fig. 4)."""
    b = demo_out["data"]["by_tokuhashi_band"]
    assert [b[k]["n"] for k in ("0-8", "9-11", "12-15")] == [40, 9, 6]
    assert [b[k]["home_discharges"] for k in ("0-8", "9-11", "12-15")] == [25, 6, 6]
    paper = {"0-8": (47.5, 65.9), "9-11": (52.5, 98.5), "12-15": (48.0, 92.0)}
    for band, (pre, post) in paper.items():
        assert abs(b[band]["barthel_pre_mean"] - pre) <= 0.5
        assert abs(b[band]["barthel_post_mean"] - post) <= 0.5


def test_lived_beyond_prediction_counted_from_the_file(demo_out: dict[str, Any]) -> None:
    """Lived beyond = survival longer than the band's prediction (6, 6, 12 months), counted here with pandas
    straight from the demo CSV."""
    frame = pd.read_csv(demo_path())
    band = pd.cut(frame["tokuhashi"], [-1, 8, 11, 15], labels=["0-8", "9-11", "12-15"])
    threshold = band.map({"0-8": 6.0, "9-11": 6.0, "12-15": 12.0}).astype(float)
    beyond = frame["survival_months"] > threshold
    b = demo_out["data"]["by_tokuhashi_band"]
    for name in ("0-8", "9-11", "12-15"):
        assert b[name]["lived_beyond_prediction"] == int(beyond[band == name].sum())


def test_every_table_in_json(demo_out: dict[str, Any]) -> None:
    tables = demo_out["data"]["report_tables"]
    assert {"table1", "table2", "table3", "table4", "table5", "barthel_vas", "survival_by_procedure"} <= set(
        tables
    )
    t1 = tables["table1"]
    assert t1["rows"][0]["cells"] == ["Patients, n", "55"]


def test_numbers_at_risk_in_json(demo_out: dict[str, Any]) -> None:
    km = demo_out["data"]["survival"]["km"]
    at_risk = km["groups"][0]["numbers_at_risk"]
    assert at_risk["0"] == 55
    frame = pd.read_csv(demo_path())
    for t, n in at_risk.items():
        assert n == int((frame["survival_months"] >= float(t)).sum())
    assert demo_out["data"]["by"]["variable"] == "procedure"
    assert [g["n"] for g in demo_out["data"]["by"]["groups"]] == [31, 24]
