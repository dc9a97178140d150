"""table1_by_group against base R (fixture from tests/r/table1_by_group.R).

R calls (gtsummary's add_p() defaults reproduced with base R): ``quantile(x, type = 2)``,
``wilcox.test(a, b)``, ``kruskal.test(x, g)``, ``t.test(a, b)``, ``oneway.test(x ~ g, var.equal = TRUE)``,
``chisq.test(tab, correct = FALSE)`` / ``fisher.test(tab)`` when an expected count is < 5, and the SMD
formulas of the smd package.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.descriptive import format_number
from spinemet.analysis.table1_by_group import fisher_exact, table1_by_group
from spinemet.errors import InvalidInputError

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "data" / "r" / "table1_by_group.json").read_text())
DS = ROOT / "tests" / "data" / "datasets"


def _frame(name: str) -> pd.DataFrame:
    if name == "demo":
        return pd.DataFrame(REF["demo"])
    if name == "lung_ecog0to2":
        d = pd.read_csv(DS / "lung.csv")
        return d[d["ph.ecog"].notna() & (d["ph.ecog"] <= 2)]
    return pd.read_csv(DS / f"{name}.csv")


def _rows_for(case: dict, row: dict):
    d = _frame(case["data"])
    kind = row["kind"]
    res = table1_by_group(
        d, [row["variable"]], case["by"], statistic=row["statistic"],
        categorical=[row["variable"]] if kind == "categorical" else (), smd="smd" in row,
    )
    return res, [r for r in res.rows if r.variable == row["variable"]]


CASES = [(c, i) for c in REF["cases"] for i in range(len(REF["cases"][c]["rows"]))]


@pytest.mark.parametrize(("case_name", "i"), CASES)
def test_matches_r(case_name: str, i: int) -> None:
    case = REF["cases"][case_name]
    row = case["rows"][i]
    res, rows = _rows_for(case, row)
    head = rows[0]
    assert head.test == row["test"]
    assert head.p == pytest.approx(row["p"], rel=1e-9)
    if "smd" in row:
        assert head.smd == pytest.approx(row["smd"], rel=1e-9, abs=1e-12)
    groups = list(res.groups)
    if row["kind"] == "continuous":
        def cell(s: dict) -> str:
            if row["statistic"] == "mean_sd":
                return f"{format_number(s['mean'])} ({format_number(s['sd'])})"
            return f"{format_number(s['median'])} ({format_number(s['q1'])}, {format_number(s['q3'])})"
        assert head.overall == cell(row["overall"])
        assert [head.groups[g] for g in groups] == [cell(row["groups"][g]) for g in groups]
    else:
        levels = [r.level for r in rows[1:] if r.level != "Unknown"]
        assert [str(lv) for lv in levels] == [str(lv) for lv in row["levels"]]
        for r, counts in zip(rows[1:], row["counts"], strict=False):
            assert [int(r.groups[g].split(" ")[0]) for g in groups] == counts
    if row["n_missing"]:
        assert rows[-1].level == "Unknown"
        assert int(rows[-1].overall) == row["n_missing"]
    else:
        assert rows[-1].level != "Unknown"


def test_cells_footnotes_and_order() -> None:
    d = _frame("ovarian")
    res = table1_by_group(d, ["age", "resid.ds"], "rx", labels={"age": "Age, years"},
                          categorical=["resid.ds"], percent_decimals=0)
    assert res.groups == ("1", "2") and res.n_by_group == {"1": 13, "2": 13}
    assert res.rows[0].label == "Age, years, Median (Q1, Q3)"
    # resid.ds 1 in rx 1: 5 of 13 = 38 %
    assert res.rows[2].groups["1"] == "5 (38%)"
    assert res.footnotes() == ["Wilcoxon rank-sum test", "Pearson's chi-square test"]
    frame = res.to_frame()
    assert list(frame.columns[:6]) == ["variable", "label", "level", "Overall", "1", "2"]


def test_fisher_exact_2x2_and_rxc() -> None:
    # R: fisher.test(matrix(c(3, 1, 1, 3), 2))$p.value == 0.4857142857142857
    assert fisher_exact([[3, 1], [1, 3]]) == pytest.approx(0.4857142857142857, rel=1e-12)
    # R: print(fisher.test(matrix(c(1, 2, 3, 4, 5, 0), 2))$p.value, digits = 16): 0.1468531468531471
    assert fisher_exact(np.array([[1, 3, 5], [2, 4, 0]])) == pytest.approx(0.1468531468531471, rel=1e-12)


def test_errors_name_the_problem() -> None:
    d = _frame("ovarian")
    with pytest.raises(InvalidInputError, match="exactly two groups"):
        table1_by_group(d, ["age"], "ecog.ps", smd=True, group_order=[1, 2, 3])
    with pytest.raises(InvalidInputError, match="columns of the cohort"):
        table1_by_group(d, ["nope"], "rx")
    with pytest.raises(InvalidInputError, match=r"resid\.ds"):
        table1_by_group(d, ["resid.ds"], "rx", levels={"resid.ds": [1]})


def test_fisher_too_large_falls_back_to_chi_square_and_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import spinemet.analysis.table1_by_group as mod

    monkeypatch.setattr(mod, "_MAX_TABLES", 10)
    d = _frame("demo")
    res = table1_by_group(d, ["primary_tumor"], "procedure")
    assert res.rows[0].test == "chisq_large"
    assert "too large" in res.footnotes()[0]
    with pytest.raises(InvalidInputError, match="Fisher"):
        fisher_exact([[1, 3, 5], [2, 4, 0], [3, 3, 3]])
