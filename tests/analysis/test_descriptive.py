"""Tables 1, 4 and 5 as tidy rows, and the paper-style formatting helpers.

Expected numbers are either hand-countable from the small frames written here or printed in Uei et al.,
JOSR 2018 (Tables 1, 4, 5), which the demo cohort reproduces.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.descriptive import (
    SUMMARY_COLUMNS,
    categorical_summary,
    complication_summary,
    continuous_summary,
    format_cell,
    format_count_percent,
    format_mean_range,
    format_mean_sd,
    format_median_iqr,
    format_number,
    format_percent,
    jsonable,
    table1,
    table4,
    table5,
)
from spinemet.errors import InvalidInputError


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    from spinemet.cohort.demo import load_demo

    loaded = load_demo()
    return getattr(loaded, "frame", loaded)


def _row(table: pd.DataFrame, variable: str, level: str = "") -> pd.Series:
    hit = table[(table["variable"] == variable) & (table["level"] == level)]
    assert len(hit) == 1, (variable, level)
    return hit.iloc[0]


# ------------------------------------------------------------------------------------------ formatting
@pytest.mark.parametrize(
    ("count", "n", "rounded", "truncated"),
    [
        (20, 55, "36.4", "36.3"),  # scores.md §13 #9: paper prints 36.3
        (5, 55, "9.1", "9.0"),  # paper prints 9.0
        (38, 55, "69.1", "69.0"),  # paper prints 69.0
        (37, 55, "67.3", "67.2"),  # paper prints 67.2
        (1, 8, "12.5", "12.5"),  # exact
        (1, 16, "6.3", "6.2"),  # 6.25: half-up gives 6.3 (banker's rounding would give 6.2)
        (55, 55, "100.0", "100.0"),
        (0, 55, "0.0", "0.0"),
    ],
)
def test_percent_round_half_up_and_truncate(count: int, n: int, rounded: str, truncated: str) -> None:
    assert format_percent(count, n) == rounded
    assert format_percent(count, n, percent_style="truncate") == truncated


def test_count_percent_cell_and_bad_style() -> None:
    assert format_count_percent(20, 55, percent_style="truncate") == "20 (36.3)"
    assert format_count_percent(39, 55) == "39 (70.9)"  # the paper's 70.2 is a typo (scores.md §13 #7)
    assert format_percent(1, 0) == "NA"
    with pytest.raises(InvalidInputError, match="percent_style"):
        format_percent(1, 2, percent_style="floor")  # type: ignore[arg-type]


def test_number_formatting_half_up() -> None:
    assert format_number(2.45) == "2.5"  # float 2.45 is 2.4500000000000002; the user sees 2.45
    assert format_number(0.05) == "0.1"
    assert format_number(2.25) == "2.3"
    assert format_number(-0.04) == "0.0"
    assert format_number(float("nan")) == "NA"
    assert format_mean_sd(48.727, 23.5155) == "48.7 (23.5)"
    assert format_median_iqr(50, 30, 65) == "50.0 [30.0-65.0]"
    assert format_mean_range(66.8, 26, 92) == "66.8 (26-92)"


# ------------------------------------------------------------------------------------------- summaries
def test_continuous_summary_hand_computed() -> None:
    """1, 2, 3, 4 and a missing value: mean 2.5, SD sqrt(5/3), quartiles 1.75/3.25 (R quantile type 7)."""
    out = continuous_summary([1, 2, np.nan, 3, 4], "x")
    assert list(out.columns) == list(SUMMARY_COLUMNS)
    row = out.iloc[0]
    assert (row["n"], row["n_missing"]) == (4, 1)
    assert row["mean"] == 2.5
    assert row["sd"] == pytest.approx(math.sqrt(5 / 3), rel=1e-15)
    assert (row["median"], row["q1"], row["q3"], row["min"], row["max"]) == (2.5, 1.75, 3.25, 1, 4)


def test_categorical_summary_counts_order_and_missing() -> None:
    out = categorical_summary(["M", "F", "M", None, "M"], "sex", ("M", "F"))
    assert list(out["level"]) == ["M", "F"]
    assert list(out["n"]) == [3, 1]
    assert set(out["denominator"]) == {4} and set(out["n_missing"]) == {1}
    assert out["proportion"].tolist() == [0.75, 0.25]
    # values outside the given levels are appended, never dropped
    extra = categorical_summary(["a", "b", "zz"], "v", ("a", "b"))
    assert list(extra["level"]) == ["a", "b", "zz"]
    dropped = categorical_summary(["a", "a"], "v", ("a", "b"), drop_empty=True)
    assert list(dropped["level"]) == ["a"]


def test_complications_each_and_any() -> None:
    out = complication_summary(
        pd.Series(["massive_bleeding;early_death", "", None, "other", "early_death;early_death"])
    )
    assert _row(out, "massive_bleeding", "yes")["n"] == 1
    assert _row(out, "early_death", "yes")["n"] == 2  # listed twice for one patient: counted once
    assert _row(out, "other", "yes")["n"] == 1
    anyc = _row(out, "any_complication", "yes")
    assert (anyc["n"], anyc["denominator"], anyc["n_missing"]) == (3, 5, 0)
    with pytest.raises(InvalidInputError, match="complications"):
        complication_summary(pd.Series(["bleeding"]))


def test_tables_on_hand_built_frame() -> None:
    frame = pd.DataFrame(
        {
            "patient_id": ["a", "b", "c"],
            "sex": ["M", "F", None],
            "main_level": ["T4", "L2", "C5"],
            "tokuhashi": [3.0, 9.0, np.nan],
            "sins": [6.0, 7.0, 13.0],
            "procedure": ["mist", "conventional", "mist"],
            "discharge": ["home", "hospice", np.nan],
        }
    )
    t1 = table1(frame)
    assert _row(t1, "sex", "M")["n_missing"] == 1
    assert [_row(t1, "region", r)["n"] for r in ("cervical", "thoracic", "lumbar", "sacral")] == [1, 1, 1, 0]
    assert [_row(t1, "tokuhashi_band", b)["n"] for b in ("0-8", "9-11", "12-15")] == [1, 1, 0]
    assert _row(t1, "tokuhashi_band", "0-8")["n_missing"] == 1
    sins = [_row(t1, "sins_band", b)["n"] for b in ("stable", "potentially_unstable", "unstable")]
    assert sins == [1, 1, 1]  # 0-6 stable, 7-12 potentially unstable, 13-18 unstable (Fisher 2010)
    assert _row(t1, "age")["n_missing"] == 3  # absent column: all missing
    t5 = table5(frame)
    assert _row(t5, "discharge", "home")["percent"] == 50.0
    assert _row(table4(frame), "procedure", "mist")["n"] == 2


def test_jsonable_converts_nan_numpy_and_frames() -> None:
    value = {"a": np.float64("nan"), "b": np.int64(3), "c": (1.5, None), "d": pd.DataFrame({"x": [1]})}
    out = jsonable(value)
    assert out == {"a": None, "b": 3, "c": [1.5, None], "d": [{"x": 1}]}


# ------------------------------------------------------------------------------------ demo vs the paper
def test_table1_demo_matches_paper(demo: pd.DataFrame) -> None:
    """Uei 2018 Table 1 (thoracic 32, not the text's 34: scores.md §13 #3)."""
    t1 = table1(demo)
    assert _row(t1, "sex", "M")["n"] == 37 and _row(t1, "sex", "F")["n"] == 18
    primaries = {
        "lung": 11, "liver": 9, "prostate": 6, "myeloma": 5, "kidney": 4, "thyroid": 4, "lymphoma": 3,
        "gallbladder": 3, "breast": 2, "sarcoma": 2, "other": 5, "unknown": 1,
    }  # fmt: skip
    assert {lvl: _row(t1, "primary_tumor", lvl)["n"] for lvl in primaries} == primaries
    assert [_row(t1, "region", r)["n"] for r in ("cervical", "thoracic", "lumbar")] == [9, 32, 14]
    grades = ("A", "B", "C", "D1", "D2", "D3", "E")
    assert [_row(t1, "frankel_pre", g)["n"] for g in grades] == [2, 1, 19, 15, 1, 10, 7]
    assert [_row(t1, "tokuhashi_band", b)["n"] for b in ("0-8", "9-11", "12-15")] == [40, 9, 6]
    sins = [_row(t1, "sins_band", b)["n"] for b in ("stable", "potentially_unstable", "unstable")]
    assert sins == [6, 48, 1]
    assert [_row(t1, "escc", g)["n"] for g in ("0", "1a", "1b", "1c", "2", "3")] == [1, 4, 4, 3, 23, 20]
    age = _row(t1, "age")
    assert format_mean_range(age["mean"], age["min"], age["max"]) == "66.8 (26-92)"
    bar = _row(t1, "barthel_pre")
    assert format_mean_range(bar["mean"], bar["min"], bar["max"]) == "48.7 (0-100)"
    vas = _row(t1, "vas_pre")
    assert format_mean_range(vas["mean"], vas["min"], vas["max"]) == "4.6 (1-10)"
    assert format_number(_row(t1, "tokuhashi")["mean"]) == "7.1"
    assert format_number(_row(t1, "sins")["mean"]) == "9.4"
    escc3 = _row(t1, "escc", "3")
    assert format_count_percent(escc3["n"], escc3["denominator"], percent_style="truncate") == "20 (36.3)"


def test_table4_demo_matches_paper(demo: pd.DataFrame) -> None:
    """Uei 2018 Table 4: procedures, levels fused, operative time, blood loss, complications."""
    t4 = table4(demo)
    assert _row(t4, "procedure", "conventional")["n"] == 31 and _row(t4, "procedure", "mist")["n"] == 24
    for var, text in (
        ("levels_fused", "5.5 (2-11)"),
        ("operative_time_min", "201 (63-371)"),
        ("blood_loss_ml", "474 (5-4140)"),
    ):
        r = _row(t4, var)
        decimals = 1 if var == "levels_fused" else 0
        assert format_mean_range(r["mean"], r["min"], r["max"], decimals=decimals) == text
    expected = {
        "massive_bleeding": 5, "early_death": 3, "epidural_hematoma": 2, "wound_dehiscence": 2,
        "upper_airway_obstruction": 1, "acute_renal_failure": 1, "surgical_site_infection": 1,
        "deep_vein_thrombosis": 1,
    }  # fmt: skip
    assert {k: _row(t4, k, "yes")["n"] for k in expected} == expected


def test_table5_demo_matches_paper(demo: pd.DataFrame) -> None:
    """Uei 2018 Table 5: VAS post 0.9 (0-4), Barthel post 74.5 (0-100), discharge 37/11/7, adjuvants."""
    t5 = table5(demo)
    vas = _row(t5, "vas_post")
    assert format_mean_range(vas["mean"], vas["min"], vas["max"]) == "0.9 (0-4)"
    bar = _row(t5, "barthel_post")
    assert format_mean_range(bar["mean"], bar["min"], bar["max"]) == "74.5 (0-100)"
    home = _row(t5, "discharge", "home")
    assert format_count_percent(home["n"], home["denominator"], percent_style="truncate") == "37 (67.2)"
    assert _row(t5, "discharge", "hospice")["n"] == 11
    assert _row(t5, "discharge", "in_hospital_death")["n"] == 7
    assert _row(t5, "chemotherapy", "yes")["n"] == 31
    rt = _row(t5, "radiotherapy", "yes")
    assert format_count_percent(rt["n"], rt["denominator"], percent_style="truncate") == "38 (69.0)"
    assert _row(t5, "bone_modifying_agent", "yes")["n"] == 39


def test_format_cell_paper_style(demo: pd.DataFrame) -> None:
    """Table 1 cells as printed: "Male 37 (67.2)", "Age 66.8 (26-92)" (truncated percentages)."""
    t1 = table1(demo)
    assert format_cell(_row(t1, "sex", "M"), percent_style="truncate") == "37 (67.2)"
    assert format_cell(_row(t1, "sex", "F"), percent_style="truncate") == "18 (32.7)"
    assert format_cell(_row(t1, "age")) == "66.8 (26-92)"
    assert format_cell(_row(t1, "region", "thoracic"), percent_style="truncate") == "32 (58.1)"
    age = format_cell(_row(t1, "age"), continuous="mean_sd")
    assert age.startswith("66.8 (")
    with pytest.raises(InvalidInputError, match="continuous"):
        format_cell(_row(t1, "age"), continuous="mode")  # type: ignore[arg-type]
