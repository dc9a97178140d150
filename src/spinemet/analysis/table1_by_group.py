"""Table 1 by group with P values, as gtsummary's ``tbl_summary(by = ...) |> add_p()`` does.

Clinical meaning: the baseline characteristics of the patients in each group (e.g. MISt against
conventional surgery) side by side with the whole cohort, and whether the groups differ more than chance
would explain. P values describe imbalance; in a non-randomised cohort they do not test a hypothesis of
the study, which is why the standardised mean difference (SMD) is offered as well.

Rules (gtsummary 1.7 defaults, Sjoberg et al., *R Journal* 2021;13:570-80):

* Continuous variables: "median (Q1, Q3)" with quantiles of R's ``quantile(type = 2)`` (gtsummary's
  choice), or "mean (SD)". P: Wilcoxon rank-sum for two groups (R ``wilcox.test``: exact when both groups
  have < 50 values and no ties, else the normal approximation with continuity correction), Kruskal-Wallis
  for more; for "mean (SD)" Welch's t-test (``t.test``) or one-way ANOVA (``oneway.test(var.equal = TRUE)``).
* Categorical variables: "n (%)" of the non-missing values. P: Pearson's chi-square without continuity
  correction (``chisq.test(correct = FALSE)``), or Fisher's exact test (``fisher.test``) when any expected
  count is < 5.
* Missing values: an "Unknown" row with the count per group (only when some are missing); P values use
  the non-missing values. Patients with a missing grouping value are left out of the table (counted in
  ``n_group_missing``).
* SMD (two groups only): continuous |m1 - m2| / sqrt((s1^2 + s2^2) / 2); categorical the multivariate
  SMD of Yang & Dalton (SAS Global Forum 2012, paper 335), as R's ``smd`` package.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from spinemet.analysis.descriptive import PercentStyle, format_number, format_percent
from spinemet.errors import InvalidInputError

__all__ = ["TESTS", "ByGroupRow", "Table1ByGroup", "fisher_exact", "table1_by_group"]

Statistic = Literal["median_iqr", "mean_sd"]

TESTS: dict[str, str] = {
    "wilcoxon": "Wilcoxon rank-sum test",
    "kruskal": "Kruskal-Wallis test",
    "welch": "Welch two-sample t-test",
    "anova": "one-way ANOVA",
    "chisq": "Pearson's chi-square test",
    "fisher": "Fisher's exact test",
    "chisq_large": "Pearson's chi-square test (an expected count < 5, but the table is too large for "
                   "Fisher's exact test by enumeration)",
}
_MAX_TABLES = 3_000_000
_TOO_BIG = "a table small enough for Fisher's exact test"


@dataclass(frozen=True)
class ByGroupRow:
    """One row: a variable's header (level ``""``), a level, or its ``"Unknown"`` (missing) row."""

    variable: str
    label: str
    level: str
    overall: str
    groups: dict[str, str]
    p: float | None = None
    test: str | None = None
    smd: float | None = None


@dataclass(frozen=True)
class Table1ByGroup:
    """The table: ``rows`` in order, the group labels with their n, and the tests used (footnotes)."""

    by: str | None
    groups: tuple[str, ...]
    n_overall: int
    n_by_group: dict[str, int]
    n_group_missing: int
    rows: tuple[ByGroupRow, ...]
    tests_used: tuple[str, ...] = field(default=())

    def footnotes(self) -> list[str]:
        """One footnote per test used, e.g. "P: Wilcoxon rank-sum test"."""
        return [TESTS[t] for t in self.tests_used]

    def to_frame(self) -> pd.DataFrame:
        """Rows as a DataFrame: variable, label, level, Overall, one column per group, p, test, smd."""
        recs = []
        for r in self.rows:
            rec: dict[str, Any] = {"variable": r.variable, "label": r.label, "level": r.level,
                                   "Overall": r.overall}
            rec.update(r.groups)
            rec.update({"p": r.p, "test": r.test, "smd": r.smd})
            recs.append(rec)
        return pd.DataFrame(recs)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON dictionary."""
        return {
            "by": self.by, "groups": list(self.groups), "n_overall": self.n_overall,
            "n_by_group": self.n_by_group, "n_group_missing": self.n_group_missing,
            "tests": {t: TESTS[t] for t in self.tests_used},
            "rows": [r.__dict__ for r in self.rows],
        }


# ---------------------------------------------------------------------------------------------- tests
def _wilcoxon(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    from scipy import stats

    ties = len(np.unique(np.concatenate((a, b)))) < len(a) + len(b)
    exact = len(a) < 50 and len(b) < 50 and not ties
    res = stats.mannwhitneyu(a, b, alternative="two-sided", use_continuity=True,
                             method="exact" if exact else "asymptotic")
    return float(res.pvalue)


def _fisher_columns(rows: NDArray[np.int64], total: int) -> NDArray[np.int64]:
    """Every vector with entries <= ``rows`` (elementwise) summing to ``total``, one per row."""
    parts = np.zeros((1, 0), dtype=np.int64)
    sums = np.zeros(1, dtype=np.int64)
    rest = np.concatenate((np.cumsum(rows[::-1])[::-1][1:], [0]))
    for i, r in enumerate(rows):
        v = np.arange(int(r) + 1, dtype=np.int64)
        new_sums = (sums[:, None] + v[None, :]).ravel()
        keep = (new_sums <= total) & (new_sums + rest[i] >= total)
        parts = np.column_stack((np.repeat(parts, len(v), axis=0), np.tile(v, len(sums))))[keep]
        sums = new_sums[keep]
        if len(sums) > _MAX_TABLES:
            raise InvalidInputError("table", f"{int(rows.sum())} patients", _TOO_BIG)
    return parts


def _fisher_two_columns(x: NDArray[np.int64]) -> float:
    """r x 2 tables: depth-first over rows with two shortcuts of the network algorithm (Mehta & Patel,
    *JASA* 1983;78:427-34): when even the most probable completion is no more probable than the observed
    table, all completions count and their total is one binomial coefficient (Vandermonde's identity);
    when even the least probable completion (bounded below by 1) is more probable, none counts."""
    from scipy.special import gammaln

    rows = np.sort(x.sum(axis=1))[::-1]
    c1 = int(x[:, 0].sum())
    n = int(x.sum())

    def lchoose(a: float, b: float) -> float:
        return float(gammaln(a + 1) - gammaln(b + 1) - gammaln(a - b + 1))

    lc = [np.array([lchoose(r, v) for v in range(int(r) + 1)]) for r in rows]
    obs = sum(lchoose(int(r), int(v)) for r, v in zip(x.sum(axis=1), x[:, 0], strict=True))
    tol = obs + math.log1p(1e-7)
    rest = np.concatenate((np.cumsum(rows[::-1])[::-1], [0]))
    denom = lchoose(n, c1)
    r_len = len(rows)
    best: dict[tuple[int, int], float] = {}

    def most_probable(k: int, t: int) -> float:
        """max of sum_{i>=k} log C(R_i, x_i) with sum x_i = t (greedy: each term is concave)."""
        key = (k, t)
        if key not in best:
            alloc = np.zeros(r_len - k, dtype=np.int64)
            total = 0.0
            for _ in range(t):
                gains = [lc[k + i][alloc[i] + 1] - lc[k + i][alloc[i]] if alloc[i] < rows[k + i] else -np.inf
                         for i in range(r_len - k)]
                j = int(np.argmax(gains))
                total += gains[j]
                alloc[j] += 1
            best[key] = total
        return best[key]

    acc = 0.0
    visited = 0

    def walk(k: int, t: int, partial: float) -> None:
        nonlocal acc, visited
        visited += 1
        if visited > _MAX_TABLES:
            raise InvalidInputError("table", f"{n} patients", _TOO_BIG)
        if k == r_len:
            if t == 0 and partial <= tol:
                acc += math.exp(partial - denom)
            return
        if partial > tol:  # every completion adds log C >= 0: all more probable than observed
            return
        if partial + most_probable(k, t) <= tol:
            acc += math.exp(partial + lchoose(int(rest[k]), t) - denom)
            return
        lo = max(0, t - int(rest[k + 1]))
        for v in range(lo, min(int(rows[k]), t) + 1):
            walk(k + 1, t - v, partial + lc[k][v])

    walk(0, c1, 0.0)
    return min(1.0, acc)


def fisher_exact(table: Any) -> float:
    """Two-sided P of Fisher's exact test for an r x c table, as R's ``fisher.test`` (tables with
    probability <= the observed one times 1 + 1e-7 are summed); exact, by enumeration.

    Raises ``InvalidInputError`` when the table has too many tables with its margins to enumerate.
    """
    from scipy.special import gammaln

    x = np.asarray(table, dtype=np.int64)
    x = x[x.sum(axis=1) > 0][:, x.sum(axis=0) > 0]
    if x.shape[0] < 2 or x.shape[1] < 2:
        return 1.0
    if x.shape[0] < x.shape[1]:
        x = x.T
    if x.shape[1] == 2:
        return _fisher_two_columns(x)
    rsum, csum = x.sum(axis=1), x.sum(axis=0)
    n = int(x.sum())
    const = float(gammaln(rsum + 1).sum() + gammaln(csum + 1).sum() - gammaln(n + 1))
    obs = const - float(gammaln(x + 1).sum())
    total = 0.0
    count = 0

    def walk(remaining: NDArray[np.int64], j: int, acc: float) -> None:
        nonlocal total, count
        cols = _fisher_columns(remaining, int(csum[j]))
        lw = acc - gammaln(cols + 1).sum(axis=1)
        if j == x.shape[1] - 2:  # the last column is what remains
            lp = lw - gammaln(remaining[None, :] - cols + 1).sum(axis=1)
            count += len(lp)
            if count > _MAX_TABLES:
                raise InvalidInputError("table", f"{n} patients", _TOO_BIG)
            keep = lp <= obs + math.log1p(1e-7)
            total += float(np.exp(lp[keep]).sum())
            return
        for col, w in zip(cols, lw, strict=True):
            walk(remaining - col, j + 1, float(w))

    walk(rsum.copy(), 0, const)
    return float(min(1.0, total))


def _categorical_p(tab: NDArray[np.int64]) -> tuple[float | None, str | None]:
    from scipy import stats

    tab = tab[tab.sum(axis=1) > 0][:, tab.sum(axis=0) > 0]
    if tab.shape[0] < 2 or tab.shape[1] < 2:
        return None, None
    expected = np.outer(tab.sum(axis=1), tab.sum(axis=0)) / tab.sum()
    if (expected < 5).any():
        try:
            return fisher_exact(tab), "fisher"
        except InvalidInputError:  # too many tables to enumerate: say so in the footnote
            return float(stats.chi2_contingency(tab, correction=False).pvalue), "chisq_large"
    res = stats.chi2_contingency(tab, correction=False)
    return float(res.pvalue), "chisq"


def _continuous_p(values: list[NDArray[np.float64]], statistic: Statistic) -> tuple[float | None, str | None]:
    from scipy import stats

    values = [v for v in values if len(v) > 0]
    if len(values) < 2:
        return None, None
    if statistic == "mean_sd":
        if len(values) == 2:
            return float(stats.ttest_ind(values[0], values[1], equal_var=False).pvalue), "welch"
        return float(stats.f_oneway(*values).pvalue), "anova"
    if len(values) == 2:
        return _wilcoxon(values[0], values[1]), "wilcoxon"
    return float(stats.kruskal(*values).pvalue), "kruskal"


def _smd_continuous(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    return float(abs(a.mean() - b.mean()) / math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2))


def _smd_categorical(tab: NDArray[np.int64]) -> float:
    """Yang & Dalton's multivariate SMD; ``tab`` levels x 2 groups."""
    p = tab / tab.sum(axis=0)
    t = (p[1:, 0] - p[1:, 1])
    s = [np.diag(p[1:, k]) - np.outer(p[1:, k], p[1:, k]) for k in (0, 1)]
    sm = (s[0] + s[1]) / 2
    return float(math.sqrt(max(0.0, t @ np.linalg.pinv(sm) @ t)))


# ---------------------------------------------------------------------------------------------- table
def _quantiles(v: NDArray[np.float64]) -> tuple[float, float, float]:
    q = np.quantile(v, [0.5, 0.25, 0.75], method="averaged_inverted_cdf")  # R type 2
    return float(q[0]), float(q[1]), float(q[2])


def _continuous_cell(v: NDArray[np.float64], statistic: Statistic, decimals: int) -> str:
    if len(v) == 0:
        return "NA"
    if statistic == "mean_sd":
        sd = float(np.std(v, ddof=1)) if len(v) > 1 else float("nan")
        return f"{format_number(float(v.mean()), decimals)} ({format_number(sd, decimals)})"
    med, q1, q3 = _quantiles(v)
    return f"{format_number(med, decimals)} ({format_number(q1, decimals)}, {format_number(q3, decimals)})"


def _order_key(value: Any) -> tuple[int, float, str]:
    """Numbers in numeric order, then text in code-point order (R's factor() default for each)."""
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _label(value: Any) -> str:
    """A level or group as text: whole floats without ".0" (ECOG 1.0 -> "1")."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _is_continuous(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and s.dropna().nunique() > 10


def table1_by_group(
    frame: pd.DataFrame,
    variables: Sequence[str],
    by: str | None,
    *,
    labels: Mapping[str, str] | None = None,
    levels: Mapping[str, Sequence[Any]] | None = None,
    statistic: Mapping[str, Statistic] | Statistic = "median_iqr",
    categorical: Sequence[str] = (),
    group_order: Sequence[Any] | None = None,
    smd: bool = False,
    decimals: int = 1,
    percent_decimals: int = 1,
    percent_style: PercentStyle = "round",
) -> Table1ByGroup:
    """Summarise ``variables`` of ``frame`` overall and by ``by`` with P values (see the module doc).

    Args:
        variables: columns in the order of the table.
        by: the grouping column (at least two groups with patients); ``None`` for the whole cohort only.
        labels: display label per variable (default the column name).
        levels: category order per categorical variable (default sorted values); unknown values are
            reported as an error naming the variable.
        statistic: "median_iqr" (default) or "mean_sd", for all continuous variables or per variable.
        categorical: numeric columns to treat as categories (numeric columns with <= 10 distinct
            values are categorical anyway, as gtsummary).
        group_order: order of the groups (default sorted).
        smd: add the standardised mean difference (two groups only).
        decimals, percent_decimals, percent_style: rounding of statistics and percentages.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError("frame", type(frame).__name__, "a pandas DataFrame")
    missing_cols = [c for c in [*([by] if by is not None else []), *variables] if c not in frame.columns]
    if missing_cols:
        raise InvalidInputError("variables", ", ".join(missing_cols), "columns of the cohort")
    if by is not None and by in variables:
        raise InvalidInputError("variables", by, "variables other than the grouping variable")
    labels = dict(labels or {})
    levels = dict(levels or {})
    if by is None:  # the whole cohort only: no group columns, no P values
        groups: list[Any] = []
        data = frame
    else:
        known = frame[by].dropna()
        groups = list(group_order) if group_order is not None else sorted(known.unique(), key=_order_key)
        unknown_groups = set(known.unique()) - set(groups)
        if unknown_groups:
            raise InvalidInputError(by, str(sorted(map(str, unknown_groups))[0]), ", ".join(map(str, groups)))
        if len(groups) < 2:
            raise InvalidInputError(by, f"{len(groups)} group", "a grouping column with at least two groups")
        data = frame.loc[frame[by].notna()]
    if smd and len(groups) != 2:
        raise InvalidInputError("smd", f"{len(groups)} groups", "exactly two groups for the SMD")
    masks = [(data[by] == g).to_numpy() for g in groups]
    gnames = [_label(g) for g in groups]
    rows: list[ByGroupRow] = []
    used: list[str] = []
    for var in variables:
        s = data[var]
        label = labels.get(var, var)
        stat: Statistic = statistic if isinstance(statistic, str) else statistic.get(var, "median_iqr")
        if stat not in ("median_iqr", "mean_sd"):
            raise InvalidInputError("statistic", stat, "median_iqr, mean_sd")
        miss = s.isna().to_numpy()
        if var not in categorical and var not in levels and _is_continuous(s):
            v = pd.to_numeric(s).to_numpy(dtype=np.float64)
            parts = [v[m & ~miss] for m in masks]
            p, test = _continuous_p(parts, stat)
            d = _smd_continuous(parts[0], parts[1]) if smd else None
            name = "Median (Q1, Q3)" if stat == "median_iqr" else "Mean (SD)"
            rows.append(ByGroupRow(var, f"{label}, {name}", "", _continuous_cell(v[~miss], stat, decimals),
                                   {g: _continuous_cell(x, stat, decimals) for g, x in zip(gnames, parts,
                                                                                            strict=True)},
                                   p, test, d))
        else:
            vals = s.astype(object)
            present = sorted(vals.dropna().unique(), key=_order_key)
            order = list(levels.get(var, present))
            extra = set(present) - set(order)
            if extra:
                raise InvalidInputError(var, str(sorted(map(str, extra))[0]), ", ".join(map(str, order)))
            tab = np.array([[int(((vals == lev).to_numpy() & m).sum()) for m in masks] for lev in order],
                           dtype=np.int64).reshape(len(order), len(masks))
            overall = np.array([int((vals == lev).sum()) for lev in order], dtype=np.int64)
            p, test = _categorical_p(tab)
            d = _smd_categorical(tab[tab.sum(axis=1) > 0]) if smd and tab.sum() > 0 else None
            rows.append(ByGroupRow(var, label, "", "", {g: "" for g in gnames}, p, test, d))
            den_all = int(overall.sum())
            dens = tab.sum(axis=0)
            for lev, n_all, counts in zip(order, overall, tab, strict=True):
                def cell(c: int, den: int) -> str:
                    pct = format_percent(c, den, decimals=percent_decimals, percent_style=percent_style)
                    return f"{c} ({pct}%)" if den else "0"
                rows.append(ByGroupRow(var, _label(lev), _label(lev), cell(int(n_all), den_all),
                                       {g: cell(int(c), int(dn)) for g, c, dn in zip(gnames, counts, dens,
                                                                                     strict=True)}))
        if miss.any():
            per_group = {g: str(int((miss & m).sum())) for g, m in zip(gnames, masks, strict=True)}
            rows.append(ByGroupRow(var, "Unknown", "Unknown", str(int(miss.sum())), per_group))
        if test and test not in used:
            used.append(test)
    return Table1ByGroup(by=by, groups=tuple(gnames), n_overall=len(data),
                         n_by_group={g: int(m.sum()) for g, m in zip(gnames, masks, strict=True)},
                         n_group_missing=0 if by is None else int(frame[by].isna().sum()), rows=tuple(rows),
                         tests_used=tuple(used))
