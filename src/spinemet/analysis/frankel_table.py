"""Neurological recovery on the modified Frankel scale: the study's Table 3 as numbers.

Rule (scores.md §4): grades are ordered A < B < C < D1 < D2 < D3 < E and one sub-grade step counts as one
grade (D1 -> D2 is +1). Each patient with both grades is ``improved`` (post > pre), ``aggravated``
(post < pre), ``e_maintained`` (E -> E) or ``unchanged`` (any other same-grade pair). The paper's
"improved by >= 1 grade or grade E maintained" is improved + e_maintained (35/55 in the paper).
"C or lower" means A, B or C.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from spinemet.analysis.descriptive import jsonable
from spinemet.errors import InvalidInputError

__all__ = ["FRANKEL_SCALES", "FrankelTable", "frankel_change_series", "frankel_table"]

FRANKEL_SCALES: dict[str, tuple[str, ...]] = {
    "modified": ("A", "B", "C", "D1", "D2", "D3", "E"),
    "original": ("A", "B", "C", "D", "E"),
}
_C_OR_LOWER = ("A", "B", "C")


@dataclass(frozen=True)
class FrankelTable:
    """Table 3: pre x post counts and the outcome categories.

    ``matrix`` is a DataFrame indexed by the preoperative grade (plus "Total"), with one column per
    postoperative grade (plus "Total"); only patients with both grades are counted (``n_pairs``).
    """

    scale: str
    grades: tuple[str, ...]
    matrix: pd.DataFrame
    n: int
    n_pairs: int
    n_missing: int
    improved: int
    e_maintained: int
    unchanged: int
    aggravated: int
    improved_or_e_maintained: int
    c_or_lower_pre: int
    c_or_lower_post: int
    n_pre: int
    n_post: int
    post_e: int
    rule: str = (
        "modified Frankel A<B<C<D1<D2<D3<E, one sub-grade step = one grade (scores.md §4); "
        "improved post>pre, aggravated post<pre, e_maintained E->E, unchanged other equal pairs"
    )

    @property
    def transition(self) -> dict[str, dict[str, int]]:
        """pre grade -> post grade -> count (grades only, no totals)."""
        core = self.matrix.loc[list(self.grades), list(self.grades)]
        return {pre: {post: int(core.at[pre, post]) for post in self.grades} for pre in self.grades}

    def to_dict(self) -> dict[str, Any]:
        return jsonable(
            {
                "scale": self.scale,
                "rule": self.rule,
                "n": self.n,
                "n_pairs": self.n_pairs,
                "n_missing": self.n_missing,
                "transition": self.transition,
                "pre_totals": {g: int(self.matrix.at[g, "Total"]) for g in self.grades},
                "post_totals": {g: int(self.matrix.at["Total", g]) for g in self.grades},
                "improved": self.improved,
                "e_maintained": self.e_maintained,
                "unchanged": self.unchanged,
                "aggravated": self.aggravated,
                "improved_or_e_maintained": self.improved_or_e_maintained,
                "c_or_lower_pre": self.c_or_lower_pre,
                "c_or_lower_post": self.c_or_lower_post,
                "n_pre": self.n_pre,
                "n_post": self.n_post,
                "post_e": self.post_e,
            }
        )


def _ranks(values: pd.Series, field: str, grades: tuple[str, ...]) -> np.ndarray:
    """Ordinal rank 0..k-1 of each grade; NaN when missing. Unknown grades raise InvalidInputError."""
    s = pd.Series(values, dtype="object")
    # position of each value among the grades, -1 for missing and for unknown labels (a Categorical built
    # from values outside its categories is deprecated in pandas 3)
    codes = pd.Index(list(grades)).get_indexer(s)
    unknown = (codes == -1) & s.notna().to_numpy()
    if unknown.any():
        raise InvalidInputError(field, s.to_numpy()[unknown][0], ", ".join(grades))
    return np.where(codes == -1, np.nan, codes.astype(float))


def frankel_change_series(
    pre: pd.Series, post: pd.Series, *, scale: Literal["modified", "original"] = "modified"
) -> pd.Series:
    """Vectorised ``scores.frankel_change``: improved | e_maintained | unchanged | aggravated; NaN when either
    grade is missing."""
    grades = _scale(scale)
    r_pre = _ranks(pre, "frankel_pre", grades)
    r_post = _ranks(post, "frankel_post", grades)
    top = float(len(grades) - 1)
    out = np.select(
        [
            np.isnan(r_pre) | np.isnan(r_post),
            r_post > r_pre,
            r_post < r_pre,
            (r_pre == top) & (r_post == top),
        ],
        [None, "improved", "aggravated", "e_maintained"],
        default="unchanged",
    )
    result = pd.Series(out, index=pd.Series(pre).index, dtype="object")
    return result.where(result.notna(), np.nan)


def _scale(scale: str) -> tuple[str, ...]:
    if scale not in FRANKEL_SCALES:
        raise InvalidInputError("scale", scale, ", ".join(FRANKEL_SCALES))
    return FRANKEL_SCALES[scale]


def frankel_table(
    frame: pd.DataFrame, *, scale: Literal["modified", "original"] = "modified"
) -> FrankelTable:
    """Table 3 from ``frankel_pre`` and ``frankel_post`` (scores.md §4 rule; see module docstring)."""
    grades = _scale(scale)
    n = len(frame)
    pre = frame["frankel_pre"] if "frankel_pre" in frame.columns else pd.Series(np.nan, index=frame.index)
    post = frame["frankel_post"] if "frankel_post" in frame.columns else pd.Series(np.nan, index=frame.index)
    r_pre = _ranks(pre, "frankel_pre", grades)
    r_post = _ranks(post, "frankel_post", grades)
    both = ~np.isnan(r_pre) & ~np.isnan(r_post)
    k = len(grades)
    idx = r_pre[both].astype(int) * k + r_post[both].astype(int)
    counts = np.bincount(idx, minlength=k * k).reshape(k, k)
    matrix = pd.DataFrame(counts, index=list(grades), columns=list(grades))
    matrix["Total"] = matrix.sum(axis=1)
    matrix.loc["Total"] = matrix.sum(axis=0)
    matrix = matrix.astype("int64")
    matrix.index.name = "pre"
    matrix.columns.name = "post"

    a, b = r_pre[both], r_post[both]
    top = k - 1
    improved = int((b > a).sum())
    aggravated = int((b < a).sum())
    e_maintained = int(((a == top) & (b == top)).sum())
    unchanged = int(both.sum()) - improved - aggravated - e_maintained
    c_rank = grades.index("C")
    return FrankelTable(
        scale=scale,
        grades=grades,
        matrix=matrix,
        n=n,
        n_pairs=int(both.sum()),
        n_missing=n - int(both.sum()),
        improved=improved,
        e_maintained=e_maintained,
        unchanged=unchanged,
        aggravated=aggravated,
        improved_or_e_maintained=improved + e_maintained,
        c_or_lower_pre=int((r_pre <= c_rank).sum()),
        c_or_lower_post=int((r_post <= c_rank).sum()),
        n_pre=int((~np.isnan(r_pre)).sum()),
        n_post=int((~np.isnan(r_post)).sum()),
        post_e=int((r_post == top).sum()),
    )
