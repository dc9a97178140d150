"""Vectorised Tokuhashi and SINS totals of a typed cohort frame, computed by ``spinemet.scores``.

Both scores are sums of independent items (Tokuhashi 2005; Fisher 2010), so the total of a row is the
total of a fixed baseline patient plus, for each item, the change that the row's value makes on its own.
The score functions are therefore called once per distinct value of each item (a few dozen calls),
never once per row, and the points come from ``spinemet.scores`` alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from spinemet.cohort.schema import COLUMN_BY_NAME, SINS_COMPONENTS, TOKUHASHI_COMPONENTS
from spinemet.errors import InvalidInputError

__all__ = ["compute"]

_BASELINES: dict[str, dict[str, Any]] = {
    "tokuhashi": {
        "kps": 50, "extraspinal_bone_mets": 0, "vertebral_mets": 1, "visceral_mets": "none",
        "primary_tumor": "lung", "frankel_pre": "E",
    },
    "sins": {
        "sins_location": "mobile", "sins_pain": "none", "sins_lesion": "mixed", "sins_alignment": "normal",
        "sins_collapse": "none", "sins_posterolateral": "none",
    },
}  # fmt: skip

_COMPONENTS = {"tokuhashi": TOKUHASHI_COMPONENTS, "sins": SINS_COMPONENTS}


def _py(name: str, value: Any) -> Any:
    col = COLUMN_BY_NAME[name]
    if col.kind == "integer":
        return int(value)
    return value


def _score_function(score: str) -> Callable[..., Any] | None:
    import spinemet.scores as scores

    return getattr(scores, score, None)


def _component_frame(score: str, t: pd.DataFrame) -> pd.DataFrame:
    data = {}
    for c in _COMPONENTS[score]:
        s = t[c] if c in t.columns else pd.Series(np.nan, index=t.index, dtype=object)
        if c == "sins_location" and "main_level" in t.columns:
            from spinemet.scores.levels import SINS_LOCATION_OF_LEVEL

            s = s.where(s.notna(), t["main_level"].map(dict(SINS_LOCATION_OF_LEVEL)))
        data[c] = s
    return pd.DataFrame(data, index=t.index)


def compute(
    score: str, t: pd.DataFrame, codes: Mapping[str, tuple[np.ndarray, list[Any]]] | None = None
) -> tuple[np.ndarray, Callable[[int], str], list[tuple[int, str]]]:
    """(totals, explain, failures) for ``score`` in ``"tokuhashi"`` | ``"sins"``.

    ``totals`` is NaN where a component is missing; ``explain(i)`` lists row ``i``'s components and their
    points; ``failures`` are (position, message) for values the score function refused. ``codes`` may
    give, per column, distinct-value codes already computed by the validator (saves hashing again).
    """
    n = len(t)
    fn = _score_function(score)
    comps = _component_frame(score, t)
    totals = np.full(n, np.nan)
    failures: list[tuple[int, str]] = []
    if fn is None or n == 0:
        return totals, lambda i: "", failures
    known = dict(codes or {})
    if "main_level" in t.columns:
        known.pop("sins_location", None)  # merged with the location derived from main_level
    factorized = {
        c: known[c] if c in known else pd.factorize(comps[c], use_na_sentinel=True)
        for c in _COMPONENTS[score]
    }
    complete = np.ones(n, dtype=bool)
    for codes, _ in factorized.values():
        complete &= codes >= 0
    if not complete.any():
        return totals, lambda i: "", failures
    baseline = _BASELINES[score]
    base_total = float(fn(**baseline).total)
    acc = np.full(n, base_total)
    failed = np.zeros(n, dtype=bool)
    points_of: dict[str, dict[Any, float | None]] = {}
    for c in _COMPONENTS[score]:
        codes, uniques = factorized[c]
        delta = np.zeros(len(uniques) + 1)
        points_of[c] = {}
        for k, u in enumerate(uniques):
            if isinstance(u, float) and np.isnan(u):
                continue  # an invalid or empty cell (its rows have code -1)
            try:
                result = fn(**{**baseline, c: _py(c, u)})
            except InvalidInputError as exc:
                rows = np.flatnonzero((codes == k) & complete)
                failed[rows] = True
                failures += [(int(i), f"{score}: cannot be checked: {exc}") for i in rows]
                continue
            delta[k] = float(result.total) - base_total
            points_of[c][u] = _points(result, _COMPONENTS[score].index(c))
        acc += delta[codes]
    totals = np.where(complete & ~failed, acc, np.nan)

    def explain(i: int) -> str:
        parts = []
        for c in _COMPONENTS[score]:
            v = comps[c].iat[i]
            pts = points_of[c].get(v)
            shown = int(v) if isinstance(v, float) and float(v).is_integer() else v
            parts.append(
                f"{c} {shown}"
                + (f" = {int(pts) if float(pts).is_integer() else pts}" if pts is not None else "")
            )
        return ", ".join(parts)

    return totals, explain, failures


def _points(result: Any, index: int) -> float | None:
    """The points of the ``index``-th item of a ScoreResult (items are listed in the columns' order)."""
    comps = getattr(result, "components", ())
    if len(comps) == 6:
        return float(comps[index].points)
    return None
