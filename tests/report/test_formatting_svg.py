"""Cell formats of the paper (n (%), mean (range), P values, CIs) and the inline SVG figures."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from spinemet.analysis.survival import kaplan_meier
from spinemet.report.formatting import count_percent, format_ci, format_p, p_text
from spinemet.report.km_axis import numbers_at_risk, tick_times
from spinemet.report.svg import before_after_svg, km_svg


@pytest.mark.parametrize(
    ("p", "text"), [(0.0004, "< 0.001"), (0.001, "0.001"), (0.0136, "0.014"), (0.05, "0.050"), (None, "NA")]
)
def test_format_p(p: float | None, text: str) -> None:
    assert format_p(p) == text


def test_p_text() -> None:
    assert p_text(0.0001) == "P < 0.001"
    assert p_text(0.0137) == "P = 0.014"


def test_format_ci() -> None:
    assert format_ci(11.97, (2.4225, 21.5175)) == "12.0 (2.4\u201321.5)"
    assert format_ci(-3.709, (-4.306, -3.112)) == "\u22123.7 (\u22124.3 to \u22123.1)"  # minus signs
    assert format_ci(float("nan"), (float("nan"), float("nan"))) == "not reached"


def test_infinite_limits() -> None:
    """An odds ratio with a zero cell has an infinite upper limit (R fisher.test prints Inf)."""
    assert format_ci(0.0, (0.0, float("inf")), 2) == "0.00 (0.00\u2013\u221e)"


def test_count_percent() -> None:
    """20/55 = 36.36 %: rounded 36.4, truncated 36.3 as the paper prints it (scores.md §13 #9)."""
    assert count_percent(20, 55) == "20 (36.4)"
    assert count_percent(20, 55, "truncate") == "20 (36.3)"
    assert count_percent(0, 0) == "0 (NA)"


def test_numbers_at_risk_and_ticks() -> None:
    time = np.array([0.5, 2.0, 6.0, 6.0, 13.0])
    assert numbers_at_risk(time, [0, 6, 12]) == [5, 3, 1]
    assert list(tick_times(31.0)) == [0, 6, 12, 18, 24, 30, 36]
    assert list(tick_times(20.0)) == [0, 3, 6, 9, 12, 15, 18, 21]


def test_km_svg() -> None:
    time = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 8.0])
    event = np.array([1, 0, 1, 1, 0, 1])
    km = kaplan_meier(time, event)
    ticks = [float(t) for t in tick_times(time.max())]
    svg = km_svg([("All", km.table, time)], ticks, annotation="Median 4.0")
    root = ET.fromstring(svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert "Number at risk" in texts and "Median 4.0" in texts
    # the numbers at risk under the axis, one per tick
    assert [int(x) for x in texts[-len(ticks) :]] == numbers_at_risk(time, ticks)
    # the step curve, its CI band and two censor ticks
    assert len(root.findall(f".//{ns}polygon")) == 1
    marks = [p.get("d") for p in root.iter(f"{ns}path") if p.get("d", "").count("v10")]
    assert marks and marks[0].count("v10") == 2
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_before_after_svg_skips_missing() -> None:
    svg = before_after_svg(
        {"All": (48.7, 74.5), "Empty": (float("nan"), float("nan"))}, ylabel="Barthel", ylim=(0, 100)
    )
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    circles = [c for c in root.iter(f"{ns}circle") if c.find(f"{ns}title") is not None]
    assert len(circles) == 2
    assert re.search(r"All: 48\.7", svg) and re.search(r"All: 74\.5", svg)


def test_km_table_columns_used_by_svg() -> None:
    km = kaplan_meier([1.0, 2.0], [1, 1])
    assert {"time", "survival", "lower", "upper", "n_censor"} <= set(pd.DataFrame(km.table).columns)
