"""The tables a study file asks for (see :mod:`spinemet.report.study_file`): Table 1 (by group, with P
values), survival at chosen times with the median follow-up, the multivariable Cox model with its
proportional-hazards check, outcomes as pre/post pairs, and survival by subgroup.

Each is a :class:`~spinemet.report.tables.ReportTable` in the section ``"study"``, so the HTML, Word, CSV
and JSON writers show them as they show the paper's tables. Numbers come from ``spinemet.analysis``
(``table1_by_group``, ``followup``, ``cox``, ``cox_zph``, ``paired``), all checked against R.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from spinemet.analysis.cox import cox
from spinemet.analysis.cox_zph import cox_zph
from spinemet.analysis.descriptive import (
    ESCC_LEVELS,
    FRANKEL_MODIFIED,
    SINS_BANDS,
    TOKUHASHI_BANDS,
    numeric_column,
)
from spinemet.analysis.followup import median_follow_up, survival_at_times
from spinemet.analysis.paired import paired_comparison
from spinemet.analysis.survival import kaplan_meier
from spinemet.analysis.table1_by_group import TESTS, table1_by_group
from spinemet.errors import InvalidInputError
from spinemet.report.formatting import DASH, format_ci, format_p, number
from spinemet.report.study_file import StudyConfig
from spinemet.report.tables import ReportTable, Row, _level_label

__all__ = ["ORDERED_LEVELS", "study_tables"]

#: Category order of spinemet's ordered columns (the first is the Cox reference level).
ORDERED_LEVELS: dict[str, tuple[str, ...]] = {
    "tokuhashi_band": TOKUHASHI_BANDS,
    "sins_band": SINS_BANDS,
    "escc": ESCC_LEVELS,
    "frankel_pre": FRANKEL_MODIFIED,
    "frankel_post": FRANKEL_MODIFIED,
}
MINUS = "\u2212"


_DERIVED_LABELS = {
    "tokuhashi_band": "Revised Tokuhashi score",
    "sins_band": "Spinal instability neoplastic score (SINS)",
    "region": "Region of the main lesion",
    "procedure": "Procedure",
    "sex": "Sex",
}


def _label(config: StudyConfig, column: str) -> str:
    """The study file's label, else the cohort format's meaning, else the column name in words."""
    from spinemet.cohort.schema import COLUMN_BY_NAME

    if column in config.labels:
        return config.labels[column]
    if column in _DERIVED_LABELS:
        return _DERIVED_LABELS[column]
    col = COLUMN_BY_NAME.get(column)
    text = col.meaning if col is not None else column.replace("_", " ")
    return text[:1].upper() + text[1:]


def _short(config: StudyConfig, column: str) -> str:
    """A column in a title: the study file's label, else its name in words ("sins band")."""
    return config.labels.get(column, column.replace("_", " "))


def _pct_ci(s: float, lo: float, hi: float) -> str:
    if np.isnan(s):
        return "not estimable"
    return f"{number(100 * s, 0)}% ({number(100 * lo, 0)}{DASH}{number(100 * hi, 0)})"


def _table1(frame: pd.DataFrame, config: StudyConfig, number_: str, percent_style: str) -> ReportTable:
    variables = list(config.table1_variables)
    levels = {}
    for v in variables:
        if v in ORDERED_LEVELS:  # clinical order; values outside it (e.g. original Frankel D) after
            present = set(frame[v].dropna())
            known = [lev for lev in ORDERED_LEVELS[v] if lev in present]
            levels[v] = known + sorted(map(str, present - set(known)))
    stat = config.table1_statistic
    res = table1_by_group(
        frame, variables, config.table1_by, labels={v: _label(config, v) for v in variables}, levels=levels,
        statistic=stat, smd=config.table1_smd and config.table1_by is not None,
        percent_decimals=config.percent_decimals, percent_style=percent_style,  # type: ignore[arg-type]
    )
    by = config.table1_by
    columns = ["Characteristic", f"Overall (n = {res.n_overall})"]
    columns += [f"{_level_label(by, g) if by else g} (n = {res.n_by_group[g]})" for g in res.groups]
    if by:
        columns.append("P")
    if config.table1_smd and by:
        columns.append("SMD")
    marks = {t: "abcdefghij"[i] for i, t in enumerate(res.tests_used)}
    rows = []
    for r in res.rows:
        header = r.level == ""
        label = r.label if header else _level_label(r.variable, r.label)
        if r.level == "Unknown":
            label = "Unknown (missing)"
        cells = [label, r.overall, *[r.groups[g] for g in res.groups]]
        if by:
            cells.append(f"{format_p(r.p)}{marks[r.test]}" if r.p is not None and r.test else "")
        if config.table1_smd and by:
            cells.append(number(r.smd, 2) if r.smd is not None else "")
        categorical_head = header and r.overall == ""
        rows.append(Row(tuple(cells), kind="section" if categorical_head and not by else "data",
                        indent=0 if header else 1))
    notes = ["Continuous variables: " + ("median (first quartile, third quartile; R quantile type 2)"
                                         if stat == "median_iqr" else "mean (SD)")
             + "; categorical variables: n (% of patients with a known value)."]
    notes += [f"{marks[t]} {TESTS[t]}." for t in res.tests_used]
    if any(t == "fisher" for t in res.tests_used):
        notes.append("Fisher's exact test is used when an expected count is below 5.")
    if config.table1_smd and by:
        notes.append("SMD: standardised mean difference (Yang and Dalton's multivariate SMD for "
                     "categorical variables).")
    if res.n_group_missing:
        notes.append(f"{res.n_group_missing} patient(s) with no recorded {_label(config, by or '')} are not "
                     "included.")
    title = "Baseline characteristics" + (f" by {_short(config, by)}" if by else "")
    return ReportTable("study_table1", number_, title, tuple(columns), tuple(rows), tuple(notes),
                       section="study")


def _survival_times(frame: pd.DataFrame, config: StudyConfig, number_: str, ci_method: str,
                    ci_name: str) -> ReportTable:
    t = numeric_column(frame, config.survival_time)
    e = numeric_column(frame, config.survival_event)
    ok = ~np.isnan(t) & ~np.isnan(e)
    if not ok.any():
        raise InvalidInputError("study file: survival.time", config.survival_time,
                                "a column with survival times for at least one patient")
    km = kaplan_meier(t[ok], e[ok], ci_method=ci_method)
    at = survival_at_times(t[ok], e[ok], list(config.survival_times), ci_method=ci_method)
    fu = median_follow_up(t[ok], e[ok])
    rows = [Row((f"{number(tt, 0) if float(tt).is_integer() else number(tt, 1)}-month survival",
                 str(int(n)), _pct_ci(s, lo, hi)))
            for tt, n, s, lo, hi in zip(at["time"], at["n_risk"], at["survival"], at["lower"], at["upper"],
                                         strict=True)]
    rows.append(Row(("Median survival, months", str(int(ok.sum())), format_ci(km.median, km.median_ci, 1))))
    rows.append(Row(("Median follow-up, months (reverse Kaplan\u2013Meier)", str(int(fu.n_censored)),
                     format_ci(fu.median, (fu.lower, fu.upper), 1))))
    notes = [f"Kaplan\u2013Meier estimates with 95% CI ({ci_name}). Number: patients at risk at that time; "
             "for the median, patients analysed; for the follow-up, patients censored (alive).",
             "Median follow-up: the median of the reverse Kaplan\u2013Meier curve (censoring as the event), "
             "Schemper and Smith 1996."]
    if int((~ok).sum()):
        notes.append(f"{int((~ok).sum())} patient(s) without survival time or status are not included.")
    if at["survival"].isna().any():
        notes.append("not estimable: the time lies beyond the longest follow-up.")
    if np.isnan(km.median) or np.isnan(fu.median):
        notes.append("not reached: the curve does not fall to 50%.")
    if any("NA" in r.cells[2] for r in rows):
        notes.append("NA: the confidence limit is not estimable (the curve does not fall far enough).")
    return ReportTable("study_survival_times", number_, "Survival at chosen times and follow-up",
                       ("Estimate", "n", "Estimate (95% CI)"), tuple(rows), tuple(notes), section="study")


def _cox_frame(frame: pd.DataFrame, covariates: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for c in covariates:
        if c in ORDERED_LEVELS:
            out[c] = pd.Categorical(out[c], categories=ORDERED_LEVELS[c])
        elif out[c].dtype == object:
            out[c] = out[c].astype(object)
    return out


def _cox_table(frame: pd.DataFrame, config: StudyConfig, number_: str) -> ReportTable:
    covs = list(config.cox_covariates)
    data = _cox_frame(frame, covs)
    with warnings.catch_warnings():  # non-convergence is reported in a footnote, not as a warning
        warnings.simplefilter("ignore", RuntimeWarning)
        fit = cox(data, config.survival_time, config.survival_event, covs, ties=config.cox_ties)
    zph = cox_zph(fit, data, config.survival_time, config.survival_event)
    s = fit.summary
    rows: list[Row] = []
    for term in fit._terms:
        ph = zph.table.loc[term.column]
        ph_p = format_p(ph["p"])
        if term.kind == "numeric":
            r = s.loc[term.column]
            rows.append(Row((f"{_label(config, term.column)} (per 1 unit)",
                             format_ci(r["hr"], (r["hr_lower"], r["hr_upper"]), 2), format_p(r["p"]), ph_p)))
            continue
        rows.append(Row((_label(config, term.column), "", "", ph_p)))
        rows.append(Row((f"{_level_label(term.column, str(term.levels[0]))}", "1 (reference)", "", ""),
                        indent=1))
        for lev in term.levels[1:]:
            r = s.loc[f"{term.column}{lev}"]
            rows.append(Row((_level_label(term.column, str(lev)),
                             format_ci(r["hr"], (r["hr_lower"], r["hr_upper"]), 2), format_p(r["p"]), ""),
                            indent=1))
    lr, wald, score = fit.lr_test, fit.wald_test, fit.score_test
    notes = [
        f"Multivariable Cox proportional hazards model ({fit.ties} ties); n = {fit.n}, {fit.n_events} deaths"
        + (f"; {fit.n_dropped} patient(s) with a missing value are not included." if fit.n_dropped else "."),
        "HR: hazard ratio with 95% CI (Wald). Likelihood ratio test "
        f"\u03c7\u00b2 = {number(lr.statistic, 2)}, "
        f"df = {lr.df}, P = {format_p(lr.p)}; Wald test \u03c7\u00b2 = {number(wald.statistic, 2)}, "
        f"P = {format_p(wald.p)}; score (log-rank) test \u03c7\u00b2 = {number(score.statistic, 2)}, "
        f"P = {format_p(score.p)}. Concordance {number(fit.concordance[0], 3)}.",
        "PH test: proportional-hazards check by scaled Schoenfeld residuals against the Kaplan\u2013Meier "
        f"transform of time (Grambsch and Therneau 1994); global P = {format_p(zph.global_p)}.",
    ]
    failing = zph.failing()
    if failing:
        names = ", ".join(_label(config, f) for f in failing)
        notes.append(f"The proportional-hazards assumption is doubtful for {names} (PH test P < 0.05): its "
                     "hazard ratio averages an effect that changes over follow-up.")
    names = {t.column if t.kind == "numeric" else f"{t.column}{lev}":
             _label(config, t.column) if t.kind == "numeric"
             else f"{_label(config, t.column)} {_level_label(t.column, str(lev))}"
             for t in fit._terms for lev in (t.levels[1:] if t.kind != "numeric" else [None])}
    infinite = [names[str(n)] for n, r in s.iterrows() if r["se"] > 100 or not np.isfinite(r["hr_upper"])]
    if not fit.converged or infinite:
        notes.append("A hazard ratio may be infinite (e.g. a group with no deaths); its estimate and CI are "
                     "not informative" + (f" ({', '.join(infinite)})." if infinite else "."))
    return ReportTable("study_cox", number_, "Multivariable Cox regression for overall survival",
                       ("Covariate", "HR (95% CI)", "P", "PH test P"), tuple(rows), tuple(notes),
                       section="study")


def _pairs_table(frame: pd.DataFrame, config: StudyConfig, number_: str) -> ReportTable:
    rows = []
    for pre, post in config.outcome_pairs:
        c = paired_comparison(numeric_column(frame, pre), numeric_column(frame, post), variable=pre)
        rows.append(Row((f"{_label(config, pre)} \u2192 {_label(config, post)}", str(c.n_pairs),
                         f"{number(c.pre_mean, 1)} ({number(c.pre_sd, 1)})",
                         f"{number(c.post_mean, 1)} ({number(c.post_sd, 1)})",
                         format_ci(c.mean_difference, c.ci95, 1).replace("-", MINUS),
                         format_p(c.p_paired_t), format_p(c.p_wilcoxon))))
    notes = ("Patients with both values; mean (SD). Difference: post \u2212 pre with 95% CI. P: paired "
             "t-test and Wilcoxon signed-rank test.",)
    return ReportTable("study_outcomes", number_, "Outcomes before and after surgery",
                       ("Outcome", "Pairs", "Before", "After", "Difference (95% CI)", "P (t-test)",
                        "P (Wilcoxon)"), tuple(rows), notes, section="study")


def study_tables(frame: pd.DataFrame, config: StudyConfig, ctx: Any, *, first_number: int,
                 ci_method: str, ci_name: str) -> list[ReportTable]:
    """The study file's tables, numbered from ``first_number``."""
    from spinemet.report.survival import survival_split
    from spinemet.report.tables import survival_table

    out: list[ReportTable] = []

    def num() -> str:
        return f"Table {first_number + len(out)}"

    if config.table1_variables:
        out.append(_table1(frame, config, num(), ctx.percent_style))
    if config.survival_times:
        out.append(_survival_times(frame, config, num(), ci_method, ci_name))
    if config.cox_covariates:
        out.append(_cox_table(frame, config, num()))
    if config.outcome_pairs:
        out.append(_pairs_table(frame, config, num()))
    surv = frame
    if (config.survival_time, config.survival_event) != ("survival_months", "dead"):
        surv = frame.assign(survival_months=numeric_column(frame, config.survival_time),
                            dead=numeric_column(frame, config.survival_event))
    for var in config.subgroups:
        n_levels = frame[var].dropna().nunique()
        if not 2 <= n_levels <= 12:
            raise InvalidInputError("study file: survival.subgroups", var, "a column with 2 to 12 groups")
        split = survival_split(surv, var, ci_method=ci_method)
        title = f"Survival by {_short(config, var)}"
        t = survival_table(ctx, split, f"study_survival_by_{var}", num(), title)
        out.append(ReportTable(t.key, t.number, t.title, t.columns, t.rows, t.notes, section="study"))
    return out
