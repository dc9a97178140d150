"""Cell formatting in the paper's style: "n (%)", "mean (range)", with SD or median [IQR] on request.

All rounding goes through ``spinemet.analysis.descriptive`` (half-up rounding of the shown decimal, or
truncated percentages as the paper prints them, scores.md §13 #9).
"""

from __future__ import annotations

import math
from typing import Any, Literal

from spinemet.analysis.descriptive import format_count_percent, format_number
from spinemet.errors import InvalidInputError

__all__ = [
    "STYLES",
    "Style",
    "check_style",
    "continuous_cell",
    "continuous_label",
    "count_percent",
    "format_ci",
    "format_p",
    "is_missing",
    "number",
    "p_text",
]

Style = Literal["paper", "sd", "iqr"]
STYLES: tuple[str, ...] = ("paper", "sd", "iqr")
"""How continuous variables are shown: ``paper`` = mean (range) as the study's tables; ``sd`` = mean ± SD;
``iqr`` = median [Q1–Q3] (quartiles as R's default type 7)."""

DASH = "\u2013"  # en dash, as printed ranges and intervals
MINUS = "\u2212"  # minus sign for negative numbers (not the hyphen-minus)


def check_style(style: str) -> str:
    """Validate a table style name."""
    if style not in STYLES:
        raise InvalidInputError("style", style, ", ".join(STYLES))
    return style


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas NA."""
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))
    except (TypeError, ValueError):
        return False


def number(value: Any, decimals: int = 1) -> str:
    """A number rounded half-up (``descriptive.format_number``); missing -> "NA"."""
    if is_missing(value):
        return "NA"
    x = float(value)
    if math.isinf(x):  # e.g. the upper limit of an odds ratio with a zero cell (R prints Inf)
        return "\u221e" if x > 0 else f"{MINUS}\u221e"
    return format_number(x, decimals).replace("-", MINUS)  # typographic minus, as journals print it


def _range_decimals(lo: float, hi: float) -> int:
    return 0 if float(lo).is_integer() and float(hi).is_integer() else 1


def continuous_cell(row: Any, style: str, decimals: int = 1) -> str:
    """One continuous summary row (``descriptive.SUMMARY_COLUMNS``) as a table cell in ``style``."""
    if int(row["n"]) == 0:
        return "NA"
    if style == "sd":
        sd = row["sd"]
        return (
            f"{number(row['mean'], decimals)} \u00b1 {number(sd, decimals)}"
            if not is_missing(sd)
            else (number(row["mean"], decimals))
        )
    if style == "iqr":
        return (
            f"{number(row['median'], decimals)} [{number(row['q1'], decimals)}{DASH}"
            f"{number(row['q3'], decimals)}]"
        )
    rd = _range_decimals(row["min"], row["max"])
    return f"{number(row['mean'], decimals)} ({number(row['min'], rd)}{DASH}{number(row['max'], rd)})"


def continuous_label(style: str) -> str:
    """What a continuous cell holds, for row labels: "mean (range)", "mean ± SD" or "median [IQR]"."""
    return {"paper": "mean (range)", "sd": "mean \u00b1 SD", "iqr": "median [IQR]"}[style]


def count_percent(count: int, denominator: int, percent_style: str = "round") -> str:
    """The paper's "n (%)" cell, or just "0" style "n (NA)" when the denominator is zero."""
    if denominator <= 0:
        return f"{int(count)} (NA)"
    return format_count_percent(int(count), int(denominator), percent_style=percent_style)  # type: ignore[arg-type]


def format_ci(estimate: Any, ci: Any, decimals: int = 1) -> str:
    """ "12.0 (2.4–21.5)"; with a negative limit "-3.7 (-4.3 to -3.1)" (a dash would read as a minus);
    a missing estimate (a median the curve never reaches) prints "not reached"."""
    if is_missing(estimate):
        return "not reached"
    lo, hi = ci if ci is not None else (None, None)
    a, b = number(lo, decimals), number(hi, decimals)
    sep = " to " if a.startswith(MINUS) or b.startswith(MINUS) else DASH
    return f"{number(estimate, decimals)} ({a}{sep}{b})"


def format_p(p: Any) -> str:
    """P value as journals print it: "< 0.001", else three decimals ("0.014"); missing -> "NA"."""
    if is_missing(p):
        return "NA"
    value = float(p)
    if value < 0.001:
        return "< 0.001"
    return format_number(value, 3)


def p_text(p: Any) -> str:
    """ "P < 0.001" or "P = 0.014" for sentences and figure annotations."""
    text = format_p(p)
    return f"P {text}" if text.startswith("<") else f"P = {text}"
