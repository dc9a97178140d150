"""Vectorised Tokuhashi and SINS totals of a typed cohort frame, computed by ``spinemet.scores``.

Both scores are sums of independent items (Tokuhashi 2005; Fisher 2010), so the total of a row is the
total of a fixed baseline patient plus, for each item, the change that the row's value makes on its own.
The score functions are therefore called once per distinct value of each item (a few dozen calls),
never once per row, and the points come from ``spinemet.scores`` alone. :func:`item_points` is that
per-value step, in pure Python: the one-patient validator (``cohort/patient_values.py``) adds the same
changes in the same order, so both give the same total and the same messages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from spinemet.cohort.schema import COLUMN_BY_NAME, SINS_COMPONENTS, TOKUHASHI_COMPONENTS
from spinemet.errors import InvalidInputError

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["COMPONENTS", "baseline_total", "compute", "explain_part", "item_points"]

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
COMPONENTS = _COMPONENTS
"""Score -> its component columns, in the order of the score's items."""


def _py(name: str, value: Any) -> Any:
    col = COLUMN_BY_NAME[name]
    if col.kind == "integer":
        return int(value)
    return value


def _score_function(score: str) -> Callable[..., Any] | None:
    import spinemet.scores as scores

    return getattr(scores, score, None)


def baseline_total(score: str) -> float | None:
    """The total of the fixed baseline patient of ``score`` (``None``: no such score function)."""
    fn = _score_function(score)
    return None if fn is None else float(fn(**_BASELINES[score]).total)


def item_points(score: str, component: str, value: Any, base_total: float) -> tuple[float, float | None]:
    """(the change that ``value`` of ``component`` makes to the baseline total, the item's points).

    Raises:
        InvalidInputError: the score function refuses the value.
    """
    fn = _score_function(score)
    assert fn is not None
    result = fn(**{**_BASELINES[score], component: _py(component, value)})
    return float(result.total) - base_total, _points(result, _COMPONENTS[score].index(component))


def explain_part(component: str, value: Any, points: float | None) -> str:
    """One component in a totals message: ``kps 70 = 2`` (the value, then its points when known)."""
    shown = int(value) if isinstance(value, float) and float(value).is_integer() else value
    return f"{component} {shown}" + (
        f" = {int(points) if float(points).is_integer() else points}" if points is not None else ""
    )


def _component_frame(score: str, t: pd.DataFrame) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

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
    import numpy as np
    import pandas as pd

    n = len(t)
    base_total = baseline_total(score)
    comps = _component_frame(score, t)
    totals = np.full(n, np.nan)
    failures: list[tuple[int, str]] = []
    if base_total is None or n == 0:
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
                delta[k], points_of[c][u] = item_points(score, c, u, base_total)
            except InvalidInputError as exc:
                rows = np.flatnonzero((codes == k) & complete)
                failed[rows] = True
                failures += [(int(i), f"{score}: cannot be checked: {exc}") for i in rows]
                continue
        acc += delta[codes]
    totals = np.where(complete & ~failed, acc, np.nan)

    def explain(i: int) -> str:
        parts = []
        for c in _COMPONENTS[score]:
            v = comps[c].iat[i]
            parts.append(explain_part(c, v, points_of[c].get(v)))
        return ", ".join(parts)

    return totals, explain, failures


def _points(result: Any, index: int) -> float | None:
    """The points of the ``index``-th item of a ScoreResult (items are listed in the columns' order)."""
    comps = getattr(result, "components", ())
    if len(comps) == 6:
        return float(comps[index].points)
    return None
