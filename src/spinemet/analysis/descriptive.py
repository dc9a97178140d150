"""Descriptive statistics for the study's Tables 1, 4 and 5 (Uei et al., JOSR 2018), as tidy data.

Every summary row has the stable columns of :data:`SUMMARY_COLUMNS`:

- ``table``: "table1" | "table4" | "table5" (empty for ad-hoc summaries);
- ``variable``: the cohort column (or a derived name such as ``region`` or ``any_complication``);
- ``level``: the category for categorical rows; empty (``""``) for continuous rows;
- ``n``: patients in the row (the level's count, or the number of non-missing values for a continuous row);
- ``denominator``: non-missing values of the variable (the base of ``percent``);
- ``n_missing``: missing values of the variable;
- ``proportion`` (exact ``n / denominator``) and ``percent`` (``100 * proportion``), unrounded;
- ``mean``, ``sd`` (sample SD, ddof = 1), ``median``, ``q1``, ``q3`` (quantiles by R's default type 7,
  i.e. linear interpolation), ``min``, ``max`` for continuous rows; NaN elsewhere.

Numbers are stored unrounded; :func:`format_percent`, :func:`format_count_percent`, :func:`format_number`
and the other ``format_*`` helpers round **half-up** (0.05 -> 0.1), or, with ``percent_style="truncate"``,
drop the digits the way the paper prints its percentages (20/55 = 36.36 % printed "36.3"; scores.md §13 #9).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, is_dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import pandas as pd

from spinemet.cohort.schema import PRIMARY_TUMORS as _PRIMARY_TUMORS
from spinemet.errors import InvalidInputError
from spinemet.scores.levels import region_of_level
from spinemet.scores.sins import sins_band
from spinemet.scores.tokuhashi import tokuhashi_band

__all__ = [
    "COMPLICATIONS",
    "DISCHARGE_LEVELS",
    "ESCC_LEVELS",
    "FRANKEL_MODIFIED",
    "PRIMARY_TUMORS",
    "REGIONS",
    "SINS_BANDS",
    "SUMMARY_COLUMNS",
    "TOKUHASHI_BANDS",
    "PercentStyle",
    "categorical_summary",
    "complication_summary",
    "continuous_summary",
    "format_cell",
    "format_count_percent",
    "format_mean_range",
    "format_mean_sd",
    "format_median_iqr",
    "format_number",
    "format_percent",
    "jsonable",
    "numeric_column",
    "region_series",
    "sins_band_series",
    "table1",
    "table4",
    "table5",
    "tokuhashi_band_series",
]

PercentStyle = Literal["round", "truncate"]

SUMMARY_COLUMNS: tuple[str, ...] = (
    "table",
    "variable",
    "level",
    "n",
    "denominator",
    "n_missing",
    "proportion",
    "percent",
    "mean",
    "sd",
    "median",
    "q1",
    "q3",
    "min",
    "max",
)

# Vocabularies, in the order of cohort-format.md (which is also the order of the paper's tables).
PRIMARY_TUMORS: tuple[str, ...] = _PRIMARY_TUMORS
REGIONS: tuple[str, ...] = ("cervical", "thoracic", "lumbar", "sacral")
FRANKEL_MODIFIED: tuple[str, ...] = ("A", "B", "C", "D1", "D2", "D3", "E")
TOKUHASHI_BANDS: tuple[str, ...] = ("0-8", "9-11", "12-15")
SINS_BANDS: tuple[str, ...] = ("stable", "potentially_unstable", "unstable")
ESCC_LEVELS: tuple[str, ...] = ("0", "1a", "1b", "1c", "2", "3")
DISCHARGE_LEVELS: tuple[str, ...] = ("home", "hospice", "in_hospital_death", "transfer")
COMPLICATIONS: tuple[str, ...] = (
    "massive_bleeding", "early_death", "epidural_hematoma", "wound_dehiscence", "upper_airway_obstruction",
    "acute_renal_failure", "surgical_site_infection", "deep_vein_thrombosis", "other",
)  # fmt: skip

_PERCENT_STYLES = ("round", "truncate")


# --------------------------------------------------------------------------------------------- formatting
def _check_style(percent_style: str) -> None:
    if percent_style not in _PERCENT_STYLES:
        raise InvalidInputError("percent_style", percent_style, "round, truncate")


def _quantize(value: Decimal, decimals: int, mode: str) -> str:
    if decimals < 0:
        raise InvalidInputError("decimals", decimals, "integer >= 0")
    step = Decimal(1).scaleb(-decimals)
    out = value.quantize(step, rounding=mode)
    if out == 0:
        out = abs(out)  # never print "-0.0"
    return f"{out:.{decimals}f}"


def format_number(value: float | None, decimals: int = 1) -> str:
    """``value`` rounded half-up to ``decimals`` places (2.45 -> "2.5"); missing -> "NA".

    The float's shortest decimal representation is rounded, so 2.45 (stored as 2.4500000000000002 or
    2.4499999999999997) is treated as the 2.45 the user sees.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "NA"
    return _quantize(Decimal(repr(float(value))), decimals, ROUND_HALF_UP)


def format_percent(
    count: int, denominator: int, *, decimals: int = 1, percent_style: PercentStyle = "round"
) -> str:
    """``100 * count / denominator`` computed exactly, rounded half-up or truncated (scores.md §13 #9).

    >>> format_percent(20, 55), format_percent(20, 55, percent_style="truncate")
    ('36.4', '36.3')
    """
    _check_style(percent_style)
    if denominator <= 0:
        return "NA"
    exact = Fraction(int(count) * 100, int(denominator))
    value = Decimal(exact.numerator) / Decimal(exact.denominator)
    # Decimal division is exact to 28 digits, far beyond any printed precision.
    mode = ROUND_HALF_UP if percent_style == "round" else ROUND_DOWN
    return _quantize(value, decimals, mode)


def format_count_percent(
    count: int, denominator: int, *, decimals: int = 1, percent_style: PercentStyle = "round"
) -> str:
    """The paper's "n (%)" cell: ``"20 (36.4)"``, or ``"20 (36.3)"`` with ``percent_style="truncate"``."""
    pct = format_percent(count, denominator, decimals=decimals, percent_style=percent_style)
    return f"{int(count)} ({pct})"


def format_mean_sd(mean: float, sd: float, decimals: int = 1) -> str:
    """``"mean (SD)"`` rounded half-up."""
    return f"{format_number(mean, decimals)} ({format_number(sd, decimals)})"


def format_median_iqr(median: float, q1: float, q3: float, decimals: int = 1) -> str:
    """``"median [q1-q3]"`` rounded half-up."""
    return f"{format_number(median, decimals)} [{format_number(q1, decimals)}-{format_number(q3, decimals)}]"


def format_mean_range(mean: float, lo: float, hi: float, decimals: int = 1, range_decimals: int = 0) -> str:
    """The paper's ``"mean (min-max)"`` cell, e.g. ``"66.8 (26-92)"``."""
    return (
        f"{format_number(mean, decimals)} "
        f"({format_number(lo, range_decimals)}-{format_number(hi, range_decimals)})"
    )


def format_cell(
    row: Mapping[str, Any],
    *,
    continuous: Literal["mean_range", "mean_sd", "median_iqr"] = "mean_range",
    decimals: int = 1,
    percent_style: PercentStyle = "round",
) -> str:
    """The paper-style cell of one summary row: ``"n (%)"`` for a level row, otherwise the chosen
    continuous summary (the paper's Tables 1, 4 and 5 use mean (range))."""
    if isinstance(row.get("level"), str) and row.get("level") != "":
        return format_count_percent(
            int(row["n"]), int(row["denominator"]), decimals=decimals, percent_style=percent_style
        )
    if continuous == "mean_range":
        return format_mean_range(row["mean"], row["min"], row["max"], decimals)
    if continuous == "mean_sd":
        return format_mean_sd(row["mean"], row["sd"], decimals)
    if continuous == "median_iqr":
        return format_median_iqr(row["median"], row["q1"], row["q3"], decimals)
    raise InvalidInputError("continuous", continuous, "mean_range, mean_sd, median_iqr")


# ------------------------------------------------------------------------------------------ JSON helper
def jsonable(value: Any) -> Any:
    """Convert results (dataclasses, DataFrames, numpy scalars, NaN) to JSON-ready Python values.

    NaN, NA and +/-infinity become ``None`` (strict JSON has neither; an infinite value is e.g. the upper
    limit of an odds ratio with a zero cell, which the result object still holds as ``inf``); tuples become
    lists; DataFrames become lists of row dicts.
    """
    if is_dataclass(value) and not isinstance(value, type):
        if hasattr(value, "to_dict"):
            return value.to_dict()
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, pd.DataFrame):
        return [jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(float(value)) else None
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


# ------------------------------------------------------------------------------------------- summaries
def _empty_row(table: str, variable: str, level: str) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(SUMMARY_COLUMNS, math.nan)
    row.update(table=table, variable=variable, level=level)
    return row


def continuous_summary(
    values: pd.Series | Sequence[float], variable: str, *, table: str = ""
) -> pd.DataFrame:
    """One row: n, n_missing, mean, SD (ddof 1), median, quartiles (R type 7), min, max of ``values``."""
    s = pd.to_numeric(pd.Series(values), errors="coerce").astype("float64")
    x = s.to_numpy()
    ok = x[~np.isnan(x)]
    row = _empty_row(table, variable, "")
    row.update(n=int(ok.size), denominator=int(ok.size), n_missing=int(x.size - ok.size))
    if ok.size:
        q1, med, q3 = np.quantile(ok, [0.25, 0.5, 0.75])  # numpy "linear" == R type 7
        row.update(
            mean=float(ok.mean()),
            sd=float(ok.std(ddof=1)) if ok.size > 1 else math.nan,
            median=float(med),
            q1=float(q1),
            q3=float(q3),
            min=float(ok.min()),
            max=float(ok.max()),
        )
    return _frame([row])


def categorical_summary(
    values: pd.Series | Sequence[Any],
    variable: str,
    levels: Iterable[str] | None = None,
    *,
    table: str = "",
    drop_empty: bool = False,
) -> pd.DataFrame:
    """One row per level: count, exact proportion of the non-missing values, n_missing.

    ``levels`` fixes the order (vocabulary order); values outside ``levels`` are appended in sorted order so
    nothing is silently lost. ``drop_empty`` removes levels with a count of zero.
    """
    s = pd.Series(values, dtype="object")
    missing = s.isna()
    present = s[~missing].astype(str)
    counts = present.value_counts(sort=False)
    order = list(levels) if levels is not None else []
    extra = sorted(set(counts.index) - set(order))
    denominator = int(present.size)
    rows = []
    for level in [*order, *extra]:
        count = int(counts.get(level, 0))
        if drop_empty and count == 0:
            continue
        row = _empty_row(table, variable, level)
        row.update(
            n=count,
            denominator=denominator,
            n_missing=int(missing.sum()),
            proportion=count / denominator if denominator else math.nan,
        )
        row["percent"] = 100.0 * row["proportion"]
        rows.append(row)
    return _frame(rows)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Summary rows -> DataFrame with typed columns, built column by column in one constructor call (a
    per-column ``astype`` after construction cost ~6 ms per table, most of ``analyse_study`` on 55 rows)."""
    data: dict[str, np.ndarray] = {}
    for col in SUMMARY_COLUMNS:
        values = [r.get(col, np.nan) for r in rows]
        if col in ("table", "variable", "level"):
            arr = np.empty(len(values), dtype=object)
            arr[:] = values
            data[col] = arr
        elif col in ("n", "denominator", "n_missing"):
            data[col] = np.asarray(values, dtype=np.int64)
        else:
            data[col] = np.asarray([np.nan if v is None else v for v in values], dtype=np.float64)
    return pd.DataFrame(data, columns=list(SUMMARY_COLUMNS))


def complication_summary(complications: pd.Series, *, table: str = "") -> pd.DataFrame:
    """Count patients with each complication (Table 4) plus ``any_complication``.

    The cohort stores ``complications`` as a ';'-separated string where missing or empty means none
    (ARCHITECTURE.md, cohort frame types), so every patient is in the denominator and n_missing is 0.
    """
    s = pd.Series(complications, dtype="object")
    n = int(s.size)
    # parse each distinct string once (a cohort has few distinct combinations), weighted by its count
    distinct = s.fillna("").astype(str).value_counts()
    counts: dict[str, int] = dict.fromkeys(COMPLICATIONS, 0)
    any_count = 0
    for text, k in distinct.items():
        names = {tok.strip() for tok in str(text).split(";")} - {""}
        unknown = sorted(names - set(COMPLICATIONS))
        if unknown:
            raise InvalidInputError("complications", unknown[0], ", ".join(COMPLICATIONS))
        for name in names:  # a patient counts once per complication even if it is listed twice
            counts[name] += int(k)
        any_count += int(k) if names else 0
    rows = []
    for name in COMPLICATIONS:
        count = int(counts.get(name, 0))
        row = _empty_row(table, name, "yes")
        row.update(n=count, denominator=n, n_missing=0, proportion=count / n if n else math.nan)
        row["percent"] = 100.0 * row["proportion"]
        rows.append(row)
    row = _empty_row(table, "any_complication", "yes")
    row.update(n=any_count, denominator=n, n_missing=0, proportion=any_count / n if n else math.nan)
    row["percent"] = 100.0 * row["proportion"]
    rows.append(row)
    return _frame(rows)


# ------------------------------------------------------------------------------------- derived columns
def _map_unique(s: pd.Series, func: Any) -> pd.Series:
    """Apply a scalar score function once per distinct value (fast on 1e5 rows)."""
    s = pd.Series(s)
    uniq = s.dropna().unique()
    mapping = {u: func(u) for u in uniq}
    return s.map(mapping).astype("object").where(s.notna(), np.nan)


def region_series(frame: pd.DataFrame) -> pd.Series:
    """Region of the main level (cervical | thoracic | lumbar | sacral), from ``main_level``.

    Uses ``spinemet.scores.levels.region_of_level`` (one call per distinct level).
    """
    if "region" in frame.columns:
        return frame["region"].astype("object")
    if "main_level" not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="object")
    return _map_unique(frame["main_level"], region_of_level)


def _band_from_total(frame: pd.DataFrame, band_col: str, total_col: str, func_name: str) -> pd.Series:
    if band_col in frame.columns:
        return frame[band_col].astype("object")
    if total_col not in frame.columns:
        return pd.Series(np.nan, index=frame.index, dtype="object")
    band = {"tokuhashi_band": tokuhashi_band, "sins_band": sins_band}[func_name]
    totals = pd.to_numeric(frame[total_col], errors="coerce")

    def code(total: float) -> str:
        out = band(int(total))
        return out[0] if isinstance(out, tuple) else str(out)

    return _map_unique(totals, code)


def tokuhashi_band_series(frame: pd.DataFrame) -> pd.Series:
    """Tokuhashi band ("0-8" | "9-11" | "12-15"): ``tokuhashi_band`` if present, else from ``tokuhashi``."""
    return _band_from_total(frame, "tokuhashi_band", "tokuhashi", "tokuhashi_band")


def sins_band_series(frame: pd.DataFrame) -> pd.Series:
    """SINS band (stable 0-6 | potentially_unstable 7-12 | unstable 13-18; Fisher 2010, not the paper's
    inverted labels, scores.md §13 #1): ``sins_band`` if present, else from ``sins``."""
    return _band_from_total(frame, "sins_band", "sins", "sins_band")


def numeric_column(frame: pd.DataFrame, col: str) -> np.ndarray:
    """Column ``col`` as float64 with NaN for missing or non-numeric values; all NaN when the column is
    absent (an optional cohort column such as ``barthel_post`` or ``survival_months``)."""
    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


# ------------------------------------------------------------------------------------------ the tables
def _col(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(np.nan, index=frame.index, dtype="object")


def table1(frame: pd.DataFrame) -> pd.DataFrame:
    """Table 1, baseline characteristics: sex, age, primary tumour, region of the main level, preoperative
    modified Frankel grade, VAS, Tokuhashi total and band, SINS total and band, ESCC grade, Barthel pre."""
    t = "table1"
    parts = [
        categorical_summary(_col(frame, "sex"), "sex", ("M", "F"), table=t),
        continuous_summary(_col(frame, "age"), "age", table=t),
        categorical_summary(_col(frame, "primary_tumor"), "primary_tumor", PRIMARY_TUMORS, table=t,
                            drop_empty=True),
        categorical_summary(region_series(frame), "region", REGIONS, table=t),
        categorical_summary(_col(frame, "frankel_pre"), "frankel_pre", FRANKEL_MODIFIED, table=t),
        continuous_summary(_col(frame, "vas_pre"), "vas_pre", table=t),
        continuous_summary(_col(frame, "tokuhashi"), "tokuhashi", table=t),
        categorical_summary(tokuhashi_band_series(frame), "tokuhashi_band", TOKUHASHI_BANDS, table=t),
        continuous_summary(_col(frame, "sins"), "sins", table=t),
        categorical_summary(sins_band_series(frame), "sins_band", SINS_BANDS, table=t),
        categorical_summary(_col(frame, "escc"), "escc", ESCC_LEVELS, table=t),
        continuous_summary(_col(frame, "barthel_pre"), "barthel_pre", table=t),
    ]  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def table4(frame: pd.DataFrame) -> pd.DataFrame:
    """Table 4, intraoperative parameters: procedure, levels fused, operative time, blood loss, and each
    perioperative complication (plus any complication)."""
    t = "table4"
    parts = [
        categorical_summary(_col(frame, "procedure"), "procedure", ("conventional", "mist"), table=t),
        continuous_summary(_col(frame, "levels_fused"), "levels_fused", table=t),
        continuous_summary(_col(frame, "operative_time_min"), "operative_time_min", table=t),
        continuous_summary(_col(frame, "blood_loss_ml"), "blood_loss_ml", table=t),
        complication_summary(_col(frame, "complications"), table=t),
    ]
    return pd.concat(parts, ignore_index=True)


def table5(frame: pd.DataFrame) -> pd.DataFrame:
    """Table 5, outcomes after surgery: VAS post, highest postoperative Barthel, discharge course and
    adjuvant therapies (chemotherapy, radiotherapy, bone-modifying agent; yes/no)."""
    t = "table5"
    parts = [
        continuous_summary(_col(frame, "vas_post"), "vas_post", table=t),
        continuous_summary(_col(frame, "barthel_post"), "barthel_post", table=t),
        categorical_summary(_col(frame, "discharge"), "discharge", DISCHARGE_LEVELS, table=t),
        categorical_summary(_col(frame, "chemotherapy"), "chemotherapy", ("yes", "no"), table=t),
        categorical_summary(_col(frame, "radiotherapy"), "radiotherapy", ("yes", "no"), table=t),
        categorical_summary(_col(frame, "bone_modifying_agent"), "bone_modifying_agent", ("yes", "no"),
                            table=t),
    ]  # fmt: skip
    return pd.concat(parts, ignore_index=True)
