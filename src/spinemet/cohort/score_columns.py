"""Score columns of a cohort frame, vectorised with the point tables that ``spinemet.scores`` exports.

``add_score_columns(df)`` returns a copy of a typed cohort frame (``Cohort.frame``) with, per row:

- ``tokuhashi`` (revised, Tokuhashi 2005), ``tokuhashi_band`` ("0-8", "9-11", "12-15"),
  ``tokuhashi_survival`` ("< 6 months", ">= 6 months", ">= 1 year");
- ``sins`` (Fisher 2010), ``sins_band`` (stable, potentially_unstable, unstable);
- ``escc_high_grade`` (Bilsky 2010: grade 2 or 3);
- ``tomita`` (Tomita 2001), ``katagiri`` (new Katagiri 2014), ``bauer_modified`` (Leithner 2008),
  ``nesms`` (Ghori 2015; cut-offs UNCONFIRMED, see ``spinemet.scores.nesms``);
- ``frankel_change`` (improved, e_maintained, unchanged, aggravated; modified Frankel, Uei 2018);
- ``barthel_pre`` / ``barthel_post`` filled from the ten Barthel item columns when those are present
  (and checked against them when the total is given).

A cell is empty (NaN / ``pd.NA``) wherever the row's inputs do not allow the score; the rule for every
score is the one of the per-patient function in ``spinemet.scores`` (a test checks equality on random
patients). A given ``tokuhashi`` / ``sins`` total is kept and banded; given with all its components it must
equal their sum. Values that the per-patient function would reject (contradictions, codes outside the
vocabulary) raise ``ScoreColumnError`` naming the column, the row (the frame's index label), the value
and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from spinemet.cohort.schema import BARTHEL_ITEM_SETS, PRIMARY_TUMORS
from spinemet.errors import InvalidInputError
from spinemet.scores.barthel import BARTHEL_ITEMS
from spinemet.scores.bauer import BAUER_FAVOURABLE_PRIMARIES
from spinemet.scores.escc import ESCC_HIGH_GRADES, ESCC_RANKS
from spinemet.scores.frankel import FRANKEL_SCALES
from spinemet.scores.katagiri import (
    KATAGIRI_ABNORMAL,
    KATAGIRI_CRITICAL,
    KATAGIRI_LAB_POINTS,
    KATAGIRI_PRIMARY_POINTS,
    KATAGIRI_VISCERAL_POINTS,
)
from spinemet.scores.levels import SINS_LOCATION_OF_LEVEL
from spinemet.scores.nesms import NESMS_ALBUMIN_CUTOFF_G_DL, NESMS_CAP, NESMS_MBAUER_CUTOFF
from spinemet.scores.sins import SINS_BANDS, SINS_LOCATION_POINTS, SINS_POINTS
from spinemet.scores.tokuhashi import (
    TOKUHASHI_BANDS,
    TOKUHASHI_EXTRASPINAL_POINTS,
    TOKUHASHI_KPS_POINTS,
    TOKUHASHI_PALSY_POINTS,
    TOKUHASHI_PRIMARY_POINTS,
    TOKUHASHI_VERTEBRAL_POINTS,
    TOKUHASHI_VISCERAL_POINTS,
)
from spinemet.scores.tomita import TOMITA_BONE_POINTS, TOMITA_PRIMARY_POINTS, TOMITA_VISCERAL_POINTS

__all__ = ["SCORE_COLUMNS", "ScoreColumnError", "add_score_columns"]

SCORE_COLUMNS = (
    "tokuhashi",
    "tokuhashi_band",
    "tokuhashi_survival",
    "sins",
    "sins_band",
    "escc_high_grade",
    "tomita",
    "katagiri",
    "bauer_modified",
    "nesms",
    "frankel_change",
)
"""The columns ``add_score_columns`` adds (or, for ``tokuhashi`` and ``sins``, completes)."""

_YES_NO = {"yes": 1.0, "no": 0.0}


class ScoreColumnError(InvalidInputError):
    """A cell that prevents a score column; ``row`` is the frame's index label of the first such row."""

    def __init__(self, field: str, value: Any, allowed: str, row: Any, detail: str | None = None) -> None:
        self.row = row
        where = f"row {row}"
        super().__init__(field, value, allowed, f"{where}: {detail}" if detail else where)


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    if name in df.columns:
        return df[name]
    return pd.Series(np.nan, index=df.index, dtype=object)


def _fail(df: pd.DataFrame, name: str, bad: pd.Series, allowed: str, detail: str | None = None) -> None:
    """Raise for the first row flagged in ``bad``."""
    if bad.any():
        label = bad.index[np.argmax(bad.to_numpy())]
        value = df.at[label, name] if name in df.columns else None
        if isinstance(value, np.generic):
            value = value.item()
        raise ScoreColumnError(name, value, allowed, label, detail)


def _agreed(
    df: pd.DataFrame, name: str, first: pd.Series, second: pd.Series, allowed: str, detail: str
) -> pd.Series:
    """``first``, filled from ``second`` where missing; raises (for column ``name``) at the first row where
    both are present and differ (a value given together with what it can be derived from must agree)."""
    _fail(df, name, first.notna() & second.notna() & (first != second), allowed, detail)
    return first.where(first.notna(), second)


def _factorized(df: pd.DataFrame, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a column (code -1 = missing)."""
    codes, uniques = pd.factorize(_column(df, name))
    return codes, np.asarray(uniques, dtype=object)


def _points(df: pd.DataFrame, name: str, table: Mapping[Any, float], allowed: str | None = None) -> pd.Series:
    """Points of a coded column (NaN where missing); a present value outside ``table`` raises.

    Each distinct value is looked up once (as ``Series.map(dict)`` would look up each cell)."""
    codes, uniques = _factorized(df, name)
    lookup = dict(table)
    points = np.array([lookup.get(u, np.nan) for u in uniques] + [np.nan], dtype=float)
    pts = pd.Series(points[codes], index=df.index)  # code -1 (missing) takes the appended NaN
    _fail(df, name, pd.Series((codes >= 0) & np.isnan(pts.to_numpy()), index=df.index),
          allowed or ", ".join(str(k) for k in table))  # fmt: skip
    return pts


def _number(df: pd.DataFrame, name: str, low: float | None = None, allowed: str = "number") -> pd.Series:
    s = _column(df, name)
    num = pd.to_numeric(s, errors="coerce").astype(float)
    bad = s.notna() & num.isna()
    if low is not None:
        bad |= num < low
    _fail(df, name, bad, allowed)
    return num


def _count(df: pd.DataFrame, name: str, low: int) -> pd.Series:
    """A whole-number count >= ``low`` (NaN where missing)."""
    num = _number(df, name, low, f"integer >= {low}")
    _fail(df, name, num.notna() & (num % 1 != 0), f"integer >= {low}")
    return num


def _total(parts: Sequence[pd.Series]) -> pd.Series:
    """Row sums, NaN unless every part is present (a missing part's NaN carries into the sum)."""
    total = parts[0].to_numpy(dtype=float, na_value=np.nan).copy()
    for part in parts[1:]:
        total += part.to_numpy(dtype=float, na_value=np.nan)
    return pd.Series(total, index=parts[0].index)


def _with_given(
    df: pd.DataFrame,
    name: str,
    parts: Sequence[pd.Series],
    lows: Sequence[float],
    highs: Sequence[float],
    high: int,
) -> pd.Series:
    """Computed total where all parts are present, else the given total; checks as ``scores._combine``."""
    frame = pd.concat(parts, axis=1)
    present = frame.notna()
    computed = _total(parts)
    given = _number(df, name, 0, f"integer 0-{high}")
    _fail(df, name, given.notna() & ((given % 1 != 0) | (given > high)), f"integer 0-{high}")
    both = computed.notna() & given.notna()
    _fail(
        df,
        name,
        both & (computed != given),
        "the sum of its components",
        "a total given together with all components must equal their sum",
    )
    partial = given.notna() & computed.isna() & present.any(axis=1)
    if partial.any():
        reach_low = frame.fillna(pd.Series(lows, index=frame.columns)).sum(axis=1)
        reach_high = frame.fillna(pd.Series(highs, index=frame.columns)).sum(axis=1)
        _fail(
            df,
            name,
            partial & ((given < reach_low) | (given > reach_high)),
            "a total reachable from the components given",
            "the total contradicts the components given",
        )
    return computed.where(computed.notna(), given)


def _band(total: pd.Series, bands: Sequence[tuple[Any, ...]], field: int) -> pd.Series:
    """Band text (``bands[i][field]``) of each total; NaN where the total is missing."""
    conditions = [(total >= b[0]) & (total <= b[1]) for b in bands]
    out = np.select(conditions, [b[field] for b in bands], default=None)
    return pd.Series(out, index=total.index, dtype=object).where(total.notna(), np.nan)


def _tokuhashi(df: pd.DataFrame) -> pd.Series:
    parts = [
        _points(df, "kps", TOKUHASHI_KPS_POINTS, "10-100 in steps of 10"),
        _count(df, "extraspinal_bone_mets", 0).clip(upper=3).map(dict(TOKUHASHI_EXTRASPINAL_POINTS)),
        _count(df, "vertebral_mets", 1).clip(upper=3).map(dict(TOKUHASHI_VERTEBRAL_POINTS)),
        _points(df, "visceral_mets", TOKUHASHI_VISCERAL_POINTS),
        _points(df, "primary_tumor", TOKUHASHI_PRIMARY_POINTS),
        _points(df, "frankel_pre", TOKUHASHI_PALSY_POINTS),
    ]
    lows = [min(TOKUHASHI_KPS_POINTS.values()), 0, 0, 0, 0, 0]
    highs = [2, 2, 2, 2, max(TOKUHASHI_PRIMARY_POINTS.values()), 2]
    return _with_given(df, "tokuhashi", parts, lows, highs, 15)


def _sins(df: pd.DataFrame) -> pd.Series:
    by_level = {lvl: SINS_LOCATION_POINTS[loc] for lvl, loc in SINS_LOCATION_OF_LEVEL.items()}
    level_pts = _points(df, "main_level", by_level, "C1..C7, T1..T12, L1..L5, S1..S5")
    location = _points(df, "sins_location", SINS_LOCATION_POINTS)
    parts = [location.where(location.notna(), level_pts)]
    parts += [_points(df, name, table) for name, table in SINS_POINTS.items() if name != "sins_location"]
    lows = [min(t.values()) for t in SINS_POINTS.values()]
    highs = [max(t.values()) for t in SINS_POINTS.values()]
    return _with_given(df, "sins", parts, lows, highs, 18)


def _escc_high(df: pd.DataFrame) -> pd.Series:
    s = _column(df, "escc")
    codes, uniques = _factorized(df, "escc")
    labels = [v if isinstance(v, str) else (str(int(v)) if float(v) in (0, 2, 3) else v) for v in uniques]
    label = pd.Series(np.array([*labels, np.nan], dtype=object)[codes], index=df.index)  # -1: missing
    _fail(df, "escc", s.notna() & ~label.isin(list(ESCC_RANKS)), ", ".join(ESCC_RANKS))
    return label.isin(list(ESCC_HIGH_GRADES)).astype("boolean").where(s.notna(), pd.NA)


def _tomita(df: pd.DataFrame) -> pd.Series:
    return _total(
        [
            _points(df, "tomita_primary_growth", TOMITA_PRIMARY_POINTS),
            _points(df, "tomita_visceral", TOMITA_VISCERAL_POINTS),
            _points(df, "tomita_bone_mets", TOMITA_BONE_POINTS),
        ]
    )


def _katagiri_lab(df: pd.DataFrame) -> pd.Series:
    order = list(KATAGIRI_LAB_POINTS)
    raw: dict[str, pd.Series] = {}
    for name in (*KATAGIRI_ABNORMAL, *KATAGIRI_CRITICAL):
        raw[name] = _number(df, name, 0, "number >= 0")
    plt = raw["platelets_per_ul"]
    _fail(
        df, "platelets_per_ul", plt < 1000, "count per µL (e.g. 250000)", "below 1000/µL: looks like 10^3/µL"
    )

    def hits(rules: Mapping[str, tuple[str, float]]) -> pd.Series:
        out = pd.Series(False, index=df.index)
        for name, (op, threshold) in rules.items():
            v = raw[name]
            out |= (v >= threshold) if op == ">=" else (v < threshold)
        return out

    measured = pd.concat(raw.values(), axis=1).notna()
    raw_tier = pd.Series(
        np.select([hits(KATAGIRI_CRITICAL), hits(KATAGIRI_ABNORMAL)], [2.0, 1.0], default=0.0), index=df.index
    ).where(measured.any(axis=1))
    given = _points(df, "katagiri_lab", {k: order.index(k) for k in order})
    contradiction = (
        given.notna() & raw_tier.notna() & ((raw_tier > given) | (measured.all(axis=1) & (raw_tier != given)))
    )
    _fail(
        df,
        "katagiri_lab",
        contradiction,
        "the tier shown by the laboratory values",
        "katagiri_lab contradicts the raw laboratory values",
    )
    # a tier from incomplete raw values that a missing value could still raise is not known: the total
    # is left empty (the score card gives its possible range, scores.katagiri)
    crit_missing = pd.concat([raw[n] for n in KATAGIRI_CRITICAL], axis=1).isna().any(axis=1)
    abn_missing = pd.concat([raw[n] for n in KATAGIRI_ABNORMAL], axis=1).isna().any(axis=1)
    could_rise = ((raw_tier < 2) & crit_missing) | ((raw_tier == 0) & abn_missing)
    raw_tier = raw_tier.where(~could_rise)
    tier = given.where(given.notna(), raw_tier)
    return tier.map({i: KATAGIRI_LAB_POINTS[k] for i, k in enumerate(order)})


def _katagiri(df: pd.DataFrame) -> pd.Series:
    ecog = _number(df, "ecog", 0, "integer 0-4")
    _fail(df, "ecog", ecog.notna() & ((ecog % 1 != 0) | (ecog > 4)), "integer 0-4")
    return _total(
        [
            _points(df, "katagiri_primary_growth", KATAGIRI_PRIMARY_POINTS),
            _points(df, "katagiri_visceral", KATAGIRI_VISCERAL_POINTS),
            _katagiri_lab(df),
            (ecog >= 3).astype(float).where(ecog.notna()),
            _points(df, "previous_chemotherapy", _YES_NO),
            _points(df, "multiple_skeletal_mets", _YES_NO),
        ]
    )


def _modified_bauer(df: pd.DataFrame) -> pd.Series:
    """Leithner 2008; NaN where an input is missing or the primary is ``unknown`` ("not lung" undecidable)."""
    visceral = _points(df, "visceral_mets", {"none": 1.0, "removable": 0.0, "unremovable": 0.0})
    _points(df, "primary_tumor", {c: 0.0 for c in PRIMARY_TUMORS})  # vocabulary check
    primary = _column(df, "primary_tumor")
    known = {c: c for c in PRIMARY_TUMORS if c != "unknown"}
    code = primary.map(known)
    not_lung = (code != "lung").astype(float).where(code.notna())
    favourable = code.isin(list(BAUER_FAVOURABLE_PRIMARIES)).astype(float).where(code.notna())
    extra = _count(df, "extraspinal_bone_mets", 0)
    vert = _count(df, "vertebral_mets", 1)
    counted = ((extra + vert) == 1).astype(float).where(extra.notna() & vert.notna())
    given = _points(df, "solitary_skeletal_met", _YES_NO)
    solitary = _agreed(
        df,
        "solitary_skeletal_met",
        given,
        counted,
        "agreeing with extraspinal_bone_mets + vertebral_mets",
        "contradicts the metastasis counts",
    )
    return _total([visceral, not_lung, favourable, solitary])


def _nesms(df: pd.DataFrame, mbauer: pd.Series) -> pd.Series:
    """Ghori 2015 as read in ``spinemet.scores.nesms`` (cut-offs UNCONFIRMED there)."""
    given = _number(df, "modified_bauer", 0, "integer 0-4")
    _fail(df, "modified_bauer", given.notna() & ((given % 1 != 0) | (given > 4)), "integer 0-4")
    bauer = _agreed(
        df,
        "modified_bauer",
        mbauer,
        given,
        "the modified Bauer score computed from its components",
        "given and computed disagree",
    )
    walk = _points(df, "ambulatory", {"independent": 1.0, "dependent": 0.0, "non_ambulatory": 0.0})
    albumin = _number(df, "albumin_g_dl", 0, "number >= 0 (g/dL)")
    from_raw = (albumin >= NESMS_ALBUMIN_CUTOFF_G_DL).astype(float).where(albumin.notna())
    flag = _points(df, "albumin_normal", _YES_NO)
    alb = _agreed(
        df,
        "albumin_normal",
        flag,
        from_raw,
        "agreeing with albumin_g_dl",
        f"normal albumin is >= {NESMS_ALBUMIN_CUTOFF_G_DL} g/dL",
    )
    high = (bauer >= NESMS_MBAUER_CUTOFF).astype(float).where(bauer.notna()) * 2
    return _total([high, walk, alb]).clip(upper=NESMS_CAP)


def _frankel_change(df: pd.DataFrame) -> pd.Series:
    scale = _column(df, "frankel_scale").fillna("modified")
    _fail(df, "frankel_scale", ~scale.isin(list(FRANKEL_SCALES)), ", ".join(FRANKEL_SCALES))
    ranks = {}
    for name in ("frankel_pre", "frankel_post"):
        s = _column(df, name)
        rank = pd.Series(np.nan, index=df.index)
        for scale_name, labels in FRANKEL_SCALES.items():
            rows = scale == scale_name
            rank = rank.where(~rows, s.map({g: float(i) for i, g in enumerate(labels)}))
        _fail(df, name, s.notna() & rank.isna(), "A, B, C, D1, D2, D3, E (A-E when frankel_scale = original)")
        ranks[name] = rank
    pre, post = ranks["frankel_pre"], ranks["frankel_post"]
    top = scale.map({k: float(len(v) - 1) for k, v in FRANKEL_SCALES.items()})
    out = np.select(
        [post > pre, post < pre, (post == pre) & (pre == top), post == pre],
        ["improved", "aggravated", "e_maintained", "unchanged"],
        default=None,
    )
    return pd.Series(out, index=df.index, dtype=object).where(pre.notna() & post.notna(), np.nan)


def _barthel_totals(df: pd.DataFrame, out: pd.DataFrame) -> None:
    """Fill (or check) ``barthel_pre`` / ``barthel_post`` from complete sets of the ten item columns."""
    for suffix, (items, target) in BARTHEL_ITEM_SETS.items():
        if not all(c in df.columns for c in items):
            continue
        parts = []
        for col in items:
            allowed = BARTHEL_ITEMS[col.removesuffix(suffix) if suffix else col]
            parts.append(_points(df, col, {v: float(v) for v in allowed}, ", ".join(map(str, allowed))))
        summed = _total(parts)
        current = _number(out, target, 0, "0-100 in steps of 5")
        out[target] = _agreed(
            out,
            target,
            current,
            summed,
            "the sum of the ten Barthel items",
            "Barthel total disagrees with its items",
        )


def add_score_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of a typed cohort frame with the score columns added (see the module docstring).

    Raises:
        ScoreColumnError: a value the score would reject; names the column, the row (index label), the
            value and what is allowed.
    """
    out = df.copy()
    _barthel_totals(df, out)
    tokuhashi = _tokuhashi(df)
    out["tokuhashi"] = tokuhashi
    out["tokuhashi_band"] = _band(tokuhashi, TOKUHASHI_BANDS, 2)
    out["tokuhashi_survival"] = _band(tokuhashi, TOKUHASHI_BANDS, 3)
    sins = _sins(df)
    out["sins"] = sins
    out["sins_band"] = _band(sins, SINS_BANDS, 2)
    out["escc_high_grade"] = _escc_high(df)
    out["tomita"] = _tomita(df)
    out["katagiri"] = _katagiri(df)
    mbauer = _modified_bauer(df)
    out["bauer_modified"] = mbauer
    out["nesms"] = _nesms(df, mbauer)
    out["frankel_change"] = _frankel_change(df)
    return out
