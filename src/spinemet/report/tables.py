"""The report's tables as formatted cells, in the layout of the study (Uei et al., JOSR 2018, Tables 1-5).

A :class:`ReportTable` is plain text cells (already rounded) with row kinds, so the HTML, Word and CSV
writers show exactly the same numbers. Continuous variables follow ``style`` (see
:data:`spinemet.report.formatting.STYLES`); counts are "n (%)" of the patients with a known value.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from spinemet.analysis.descriptive import TOKUHASHI_BANDS
from spinemet.report.formatting import (
    DASH,
    continuous_cell,
    continuous_label,
    count_percent,
    format_ci,
    format_p,
    is_missing,
    number,
)

__all__ = ["FRANKEL_DEFINITIONS", "ReportTable", "Row", "TableContext", "build_tables"]

RowKind = Literal["data", "section", "total"]


@dataclass(frozen=True)
class Row:
    """One table row: ``cells[0]`` is the row label; ``section`` rows only carry a label."""

    cells: tuple[str, ...]
    kind: RowKind = "data"
    indent: int = 0


@dataclass(frozen=True)
class ReportTable:
    """A formatted table: ``key`` (file name of its CSV), ``number`` ("Table 1"), ``title``, column
    headers, rows and footnotes (methods, missing values, caveats)."""

    key: str
    number: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = ()
    section: str = ""

    @property
    def caption(self) -> str:
        return f"{self.number}. {self.title}"

    def records(self) -> list[list[str]]:
        """Header then rows, each padded to the number of columns (for CSV and Word)."""
        width = len(self.columns)
        out = [list(self.columns)]
        for row in self.rows:
            cells = list(row.cells) + [""] * (width - len(row.cells))
            out.append(cells[:width])
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "number": self.number,
            "title": self.title,
            "columns": list(self.columns),
            "rows": [{"cells": list(r.cells), "kind": r.kind, "indent": r.indent} for r in self.rows],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class TableContext:
    """Everything the tables are built from."""

    results: Any  # spinemet.analysis.study.StudyResults
    overall: Any  # spinemet.report.survival.SurvivalSplit
    by_band: Any
    by_variable: Any | None
    style: str = "paper"
    percent_style: str = "round"
    contradictions: dict[str, list[str]] = field(default_factory=dict)


#: The modified Frankel grading scale, as printed in the study's Table 2.
FRANKEL_DEFINITIONS: tuple[tuple[str, str], ...] = (
    ("A", "Complete motor and sensory loss"),
    ("B", "Preserved sensation only, voluntary motor function absent"),
    ("C", "Preserved motor less than fair grade (nonfunctional for any useful purpose)"),
    ("D1", "Preserved motor at lowest functional grade (3+/5+) and/or with bowel or bladder dysfunction"),
    (
        "D2",
        "Preserved motor at midfunctional grade (3+ to 4+/5+) and/or neurologic bowel or bladder dysfunction",
    ),
    (
        "D3",
        "Preserved motor at high-function grade (4+ to 5+) and normal voluntary bowel or bladder function",
    ),
    ("E", "Complete motor and sensory function normal (may still have abnormal reflexes)"),
)

_BAND_LABEL = {"0-8": f"0{DASH}8", "9-11": f"9{DASH}11", "12-15": f"12{DASH}15"}

_LEVEL_LABELS: dict[str, dict[str, str]] = {
    "sex": {"M": "Male", "F": "Female"},
    "primary_tumor": {"other": "Others", "head_neck": "Head and neck", "gallbladder": "Gallbladder"},
    "region": {"cervical": "Cervical", "thoracic": "Thoracic", "lumbar": "Lumbar", "sacral": "Sacral"},
    "tokuhashi_band": _BAND_LABEL,
    "sins_band": {
        "stable": f"0{DASH}6 (stable)",
        "potentially_unstable": f"7{DASH}12 (potentially unstable)",
        "unstable": f"13{DASH}18 (unstable)",
    },
    "discharge": {
        "home": "Discharge to home",
        "hospice": "Transfer to hospice",
        "in_hospital_death": "In-hospital death",
        "transfer": "Transfer to another hospital",
    },
    "procedure": {
        "conventional": "Conventional posterior decompression and fixation",
        "mist": "Minimally invasive spine stabilization (MISt)",
    },
}

_COMPLICATION_LABELS = {
    "massive_bleeding": "Massive bleeding (> 1500 ml)",
    "early_death": "Early death (within 30 days postoperatively)",
    "epidural_hematoma": "Epidural haematoma",
    "wound_dehiscence": "Wound dehiscence",
    "upper_airway_obstruction": "Upper airway obstruction",
    "acute_renal_failure": "Acute renal failure",
    "surgical_site_infection": "Surgical site infection",
    "deep_vein_thrombosis": "Deep vein thrombosis",
    "other": "Other",
    "any_complication": "Any complication",
}

_DECIMALS = {
    "age": 1,
    "vas_pre": 1,
    "vas_post": 1,
    "tokuhashi": 1,
    "sins": 1,
    "barthel_pre": 1,
    "barthel_post": 1,
    "levels_fused": 1,
    "operative_time_min": 0,
    "blood_loss_ml": 0,
}


def _level_label(variable: str, level: str) -> str:
    label = _LEVEL_LABELS.get(variable, {}).get(level)
    if label:
        return label
    return level.replace("_", " ").capitalize() if level and not level[0].isdigit() else level


class _Builder:
    """Rows of one table from the tidy summaries of ``spinemet.analysis.descriptive``."""

    def __init__(self, summary: pd.DataFrame, ctx: TableContext) -> None:
        self.summary = summary
        self.ctx = ctx
        self.rows: list[Row] = []
        self.missing: list[str] = []

    def part(self, variable: str) -> pd.DataFrame:
        return self.summary[self.summary["variable"] == variable]

    def note_missing(self, variable: str, label: str) -> None:
        part = self.part(variable)
        if len(part) and int(part["n_missing"].iloc[0]) > 0:
            item = f"{label} {int(part['n_missing'].iloc[0])}"
            if item not in self.missing:  # e.g. a score's mean and its bands: one variable, one count
                self.missing.append(item)

    def continuous(self, variable: str, label: str, unit: str = "") -> None:
        part = self.part(variable)
        if not len(part):
            return
        row = part.iloc[0]
        text = f"{label}, {continuous_label(self.ctx.style)}{', ' + unit if unit else ''}"
        self.rows.append(Row((text, continuous_cell(row, self.ctx.style, _DECIMALS.get(variable, 1)))))
        self.note_missing(variable, label)

    def categorical(
        self, variable: str, heading: str, *, only: Iterable[str] | None = None, drop_zero: Sequence[str] = ()
    ) -> None:
        part = self.part(variable)
        if not len(part):
            return
        self.rows.append(Row((f"{heading}, n (%)",), kind="section"))
        keep = set(only) if only is not None else None
        for r in part.itertuples(index=False):
            if keep is not None and r.level not in keep:
                continue
            if r.level in drop_zero and int(r.n) == 0:
                continue
            cell = count_percent(int(r.n), int(r.denominator), self.ctx.percent_style)
            self.rows.append(Row((_level_label(variable, str(r.level)), cell), indent=1))
        self.note_missing(variable, heading)

    def notes(self, extra: Iterable[str] = ()) -> tuple[str, ...]:
        notes = list(extra)
        if self.missing:
            notes.append("Missing values (not in the denominators): " + "; ".join(self.missing) + ".")
        return tuple(notes)


def _style_note(style: str) -> str:
    return {
        "paper": "Continuous variables: mean (range); categorical: n (% of patients with a known value).",
        "sd": "Continuous variables: mean \u00b1 SD (sample SD); categorical: n (% of patients with a known "
        "value).",
        "iqr": "Continuous variables: median [first\u2013third quartile] (R quantile type 7); categorical: "
        "n (% "
        "of patients with a known value).",
    }[style]


def table1(ctx: TableContext) -> ReportTable:
    """Table 1, baseline characteristics."""
    b = _Builder(ctx.results.table1, ctx)
    b.rows.append(Row(("Patients, n", str(ctx.results.n))))
    b.continuous("age", "Age at surgery", "years")
    b.categorical("sex", "Sex")
    b.categorical("primary_tumor", "Metastatic tumour diagnosis")
    b.categorical("region", "Main level of tumours", drop_zero=("sacral",))
    b.categorical("frankel_pre", "Preoperative modified Frankel grade")
    b.continuous("vas_pre", "Visual analogue scale for pain")
    b.continuous("tokuhashi", "Revised Tokuhashi score")
    b.categorical("tokuhashi_band", "Revised Tokuhashi score")
    b.continuous("sins", "Spinal instability neoplastic score (SINS)")
    b.categorical("sins_band", "SINS")
    b.categorical("escc", "Epidural spinal cord compression scale (Bilsky)")
    b.continuous("barthel_pre", "Preoperative Barthel index")
    notes = [
        _style_note(ctx.style),
        "SINS bands are labelled as in Fisher 2010 (0\u20136 stable, 7\u201312 potentially unstable, "
        "13\u201318 unstable); the study prints these labels reversed.",
    ]
    return ReportTable(
        "table1",
        "Table 1",
        "Baseline characteristics",
        ("Characteristic", "Value"),
        tuple(b.rows),
        b.notes(notes),
        section="baseline",
    )


def table2() -> ReportTable:
    """Table 2, the modified Frankel grading scale (definitions, as printed in the study)."""
    rows = tuple(Row((g, text)) for g, text in FRANKEL_DEFINITIONS)
    return ReportTable(
        "table2",
        "Table 2",
        "Modified Frankel grading scale",
        ("Grade", "Neurological status"),
        rows,
        ("Grades are ordered A < B < C < D1 < D2 < D3 < E; a change of one sub-grade counts as one grade.",),
        section="frankel",
    )


def table3(ctx: TableContext) -> ReportTable:
    """Table 3, neurological recovery on the modified Frankel scale (pre x post counts)."""
    fr = ctx.results.frankel
    grades = list(fr.grades)
    columns = ("Grade before surgery", "Number of cases before surgery", *[f"After: {g}" for g in grades])
    rows = []
    matrix = fr.matrix
    for g in grades:
        cells = [g, str(int(matrix.loc[g, "Total"]))] + [str(int(matrix.loc[g, h])) for h in grades]
        rows.append(Row(tuple(cells)))
    total = ["Total", str(int(matrix.loc["Total", "Total"]))] + [
        str(int(matrix.loc["Total", h])) for h in grades
    ]
    rows.append(Row(tuple(total), kind="total"))
    notes = ["Rows: grade before surgery; columns: grade after surgery. Patients with both grades only."]
    if fr.n_missing:
        notes.append(f"Missing values: {fr.n_missing} patient(s) without both grades are not counted.")
    return ReportTable(
        "table3",
        "Table 3",
        "Neurological recovery on the modified Frankel scale",
        columns,
        tuple(rows),
        tuple(notes),
        section="frankel",
    )


def table3b(ctx: TableContext) -> ReportTable:
    """Change of grade (improved / E maintained / unchanged / aggravated) and the grade-C-or-lower counts."""
    fr = ctx.results.frankel
    n, ps = fr.n_pairs, ctx.percent_style
    rows = (
        Row(("Improved by \u2265 1 grade", count_percent(fr.improved, n, ps))),
        Row(("Grade E maintained", count_percent(fr.e_maintained, n, ps))),
        Row(("Improved or E maintained", count_percent(fr.improved_or_e_maintained, n, ps)), kind="total"),
        Row(("Unchanged (below E)", count_percent(fr.unchanged, n, ps))),
        Row(("Aggravated", count_percent(fr.aggravated, n, ps))),
        Row(("Grade C or lower before surgery", count_percent(fr.c_or_lower_pre, fr.n_pre, ps))),
        Row(("Grade C or lower after surgery", count_percent(fr.c_or_lower_post, fr.n_post, ps))),
        Row(("Grade E after surgery", count_percent(fr.post_e, fr.n_post, ps))),
    )
    return ReportTable(
        "table3_change",
        "Table 3b",
        "Change of the modified Frankel grade",
        ("Change", "n (%)"),
        rows,
        (
            "Modified Frankel grades are ordered A < B < C < D1 < D2 < D3 < E; a change of one sub-grade "
            "counts as one grade. Improved: a higher grade after surgery; aggravated: a lower grade; grade E "
            "maintained: E before and after; unchanged: any other equal grade.",
            f"Percentages of the {n} patients with both grades (before/after rows: of the "
            "patients with that grade recorded).",
        ),
        section="frankel",
    )


def table4(ctx: TableContext) -> ReportTable:
    """Table 4, intraoperative parameters and perioperative complications."""
    b = _Builder(ctx.results.table4, ctx)
    b.categorical("procedure", "Procedures")
    b.continuous("levels_fused", "Number of levels fused")
    b.continuous("operative_time_min", "Operation time", "min")
    b.continuous("blood_loss_ml", "Blood loss", "ml")
    b.rows.append(Row(("Perioperative complications, yes, n (%)",), kind="section"))
    comp = ctx.results.table4[ctx.results.table4["level"] == "yes"]
    for r in comp.itertuples(index=False):
        if r.variable in ("other",) and int(r.n) == 0:
            continue
        kind: RowKind = "total" if r.variable == "any_complication" else "data"
        rows_label = _COMPLICATION_LABELS.get(str(r.variable), str(r.variable))
        b.rows.append(
            Row(
                (rows_label, count_percent(int(r.n), int(r.denominator), ctx.percent_style)),
                kind=kind,
                indent=1,
            )
        )
    notes = [
        _style_note(ctx.style),
        "A patient with several complications counts once per complication "
        "and once in \u201cany complication\u201d; a missing complication field counts as none.",
    ]
    return ReportTable(
        "table4",
        "Table 4",
        "Intraoperative parameters",
        ("Variable", "Value"),
        tuple(b.rows),
        b.notes(notes),
        section="operative",
    )


def table5(ctx: TableContext) -> ReportTable:
    """Table 5, outcomes after surgery: VAS, Barthel index, course and adjuvant therapy."""
    r = ctx.results
    b = _Builder(r.table5, ctx)
    b.continuous("vas_post", "Visual analogue scale for pain after surgery")
    b.continuous("barthel_post", "Postoperative Barthel index")
    b.categorical("discharge", "Postoperative course", drop_zero=("transfer",))
    b.rows.append(Row(("Additional adjuvant therapy, yes, n (%)",), kind="section"))
    for variable, label in (
        ("chemotherapy", "Chemotherapy"),
        ("radiotherapy", "Radiotherapy"),
        ("bone_modifying_agent", "Bone-modifying agent"),
    ):
        part = b.part(variable)
        yes = part[part["level"] == "yes"]
        if len(yes):
            row = yes.iloc[0]
            b.rows.append(
                Row(
                    (label, count_percent(int(row["n"]), int(row["denominator"]), ctx.percent_style)),
                    indent=1,
                )
            )
            b.note_missing(variable, label)
    rt = r.radiotherapy
    notes = [_style_note(ctx.style)]
    if rt.n_known:
        notes.append(
            f"Radiotherapy among patients whose primary is not {' or '.join(rt.excluded_primaries)} "
            f"(radiation-resistant, excluded as in the study): {rt.n_radiotherapy} of {rt.n_known} "
            f"({number(100 * rt.rate, 1)}%)."
        )
    return ReportTable(
        "table5",
        "Table 5",
        "Outcomes after surgery",
        ("Variable", "Value"),
        tuple(b.rows),
        b.notes(notes),
        section="outcomes",
    )


def _s_at(group: Any, months: float) -> str:
    s = group.at([months]).iloc[0]
    if int(group.n) == 0:
        return "NA"
    return (
        f"{number(100 * s['survival'], 1)} ({number(100 * s['lower'], 1)}{DASH}{number(100 * s['upper'], 1)})"
    )


_SPLIT_WORDS = {"tokuhashi_band": "revised Tokuhashi score", "sins_band": "SINS", "escc": "ESCC grade"}

#: The median-CI method in words, named wherever a median is printed.
_MEDIAN_CI_WORDS = {
    "log": "Brookmeyer\u2013Crowley interval on the log scale (R survfit default)",
    "plain": "Brookmeyer\u2013Crowley interval, untransformed (linear) Greenwood",
    "log-log": "Brookmeyer\u2013Crowley interval on the log\u2013log scale",
    "spss": "median \u00b1 1.96 SE, as SPSS Kaplan\u2013Meier prints it",
}


def survival_table(ctx: TableContext, split: Any, key: str, number_: str, title: str) -> ReportTable:
    """Kaplan-Meier summary per group: n, deaths, censored, median (95% CI), S(6) and S(12) in %."""
    columns = (
        "Group",
        "n",
        "Deaths",
        "Censored",
        "Median survival, months (95% CI)",
        "6-month survival, % (95% CI)",
        "12-month survival, % (95% CI)",
    )
    rows = []
    for g in split.groups:
        rows.append(
            Row(
                (
                    g.label,
                    str(g.n),
                    str(g.events),
                    str(g.n - g.events),
                    format_ci(g.km.median, g.km.median_ci, 1),
                    _s_at(g, 6.0),
                    _s_at(g, 12.0),
                )
            )
        )
    notes = []
    if split.logrank is not None:
        lr = split.logrank
        notes.append(
            f"Log-rank test across the groups: \u03c7\u00b2 = {number(lr.chi2, 2)}, df = {lr.df}, "
            f"P = {format_p(lr.p)}."
        )
    if split.n_missing_time:
        notes.append(f"{split.n_missing_time} patient(s) without survival time or status are not included.")
    if split.n_missing_group:
        name = _SPLIT_WORDS.get(split.variable, split.variable.replace("_", " "))
        notes.append(f"{split.n_missing_group} patient(s) with no recorded {name} are not included.")
    if any(is_missing(g.km.median) for g in split.groups):
        notes.append("\u201cnot reached\u201d: the survival curve does not fall to 50% (median not "
                     "estimable).")
    if any(is_missing(lim) for g in split.groups for lim in g.km.median_ci):
        notes.append("NA: the confidence limit of the median is not estimable.")
    ci_method = split.groups[0].km.ci_method if split.groups else None
    if ci_method is not None:
        notes.append(f"95% CI of the median: {_MEDIAN_CI_WORDS[ci_method]}.")
    if any(g.km.median_ci[0] < 0 for g in split.groups):
        notes.append(
            "The SPSS interval (median \u00b1 1.96\u00b7SE) is symmetric and can fall below 0 months; it "
            "is shown as "
            "SPSS prints it. The R methods (--median-ci log) give intervals within the observed times."
        )
    return ReportTable(key, number_, title, columns, tuple(rows), tuple(notes), section="survival")


def paired_table(ctx: TableContext) -> ReportTable:
    """Barthel index and VAS before and after surgery, overall, by Tokuhashi band and by procedure."""
    r = ctx.results
    columns = (
        "Group",
        "Pairs, n",
        "Before, mean (SD)",
        "After, mean (SD)",
        "Change, mean (95% CI)",
        "P, paired t-test",
        "P, Wilcoxon signed-rank",
    )
    rows: list[Row] = []

    def add(pc: Any, label: str, decimals: int, indent: int = 1) -> None:
        if pc.n_pairs == 0:
            rows.append(Row((label, "0", "NA", "NA", "NA", "NA", "NA"), indent=indent))
            return
        rows.append(
            Row(
                (
                    label,
                    str(pc.n_pairs),
                    f"{number(pc.pre_mean, decimals)} ({number(pc.pre_sd, decimals)})",
                    f"{number(pc.post_mean, decimals)} ({number(pc.post_sd, decimals)})",
                    format_ci(pc.mean_difference, pc.ci95, decimals),
                    format_p(pc.p_paired_t),
                    format_p(pc.p_wilcoxon),
                ),
                indent=indent,
            )
        )

    for name, overall, by_band, by_proc, dec in (
        ("Barthel index (0\u2013100)", r.barthel, r.barthel_by_band, r.barthel_by_procedure, 1),
        ("Visual analogue scale for pain (0\u201310)", r.vas, r.vas_by_band, r.vas_by_procedure, 1),
    ):
        rows.append(Row((name,), kind="section"))
        add(overall, "All patients", dec)
        for band in TOKUHASHI_BANDS:
            add(by_band[band], f"Tokuhashi {_BAND_LABEL[band]}", dec)
        for proc, label in (("conventional", "Conventional surgery"), ("mist", "MISt")):
            add(by_proc[proc], label, dec)
    notes = [
        "Change = after \u2212 before. Paired t-test (R t.test(post, pre, paired = TRUE)) with its t-based "
        "95% "
        "CI; Wilcoxon signed-rank test (R wilcox.test(paired = TRUE); exact for small samples without ties, "
        "otherwise normal approximation with continuity correction, zero differences dropped).",
        "Only patients with both values are included (available-case analysis).",
    ]
    return ReportTable(
        "barthel_vas",
        "Table 7",
        "Barthel index and pain before and after surgery",
        columns,
        tuple(rows),
        tuple(notes),
        section="function",
    )


def band_outcome_table(ctx: TableContext) -> ReportTable:
    """Observed against predicted survival and home discharge per Tokuhashi band (calibration)."""
    r = ctx.results
    ovp = r.observed_vs_predicted
    columns = (
        "Tokuhashi band",
        "n",
        "Predicted survival",
        "Lived beyond prediction, n (%)",
        "Did not, n",
        "Censored before the prediction, n",
        "Median survival, months (95% CI)",
        "KM survival at the predicted time, %",
        "Prediction holds",
        "Discharged home, n (%)",
    )
    rows = []
    for band in TOKUHASHI_BANDS:
        b = ovp.bands[band]
        cal = r.calibration.get(band)
        dis = r.discharge.by_band[band]
        known = b.lived_beyond + b.not_beyond
        t_key = f"{b.threshold_months:g}"
        km_at = "NA"
        holds = "NA"
        if cal is not None and b.n:
            s = cal.km_survival.get(t_key)
            km_at = "NA" if is_missing(s) else number(100 * s, 1)
            holds = {True: "yes", False: "no"}.get(cal.consistent, "NA")
        rows.append(
            Row(
                (
                    _BAND_LABEL[band],
                    str(b.n),
                    b.predicted.replace(">=", "\u2265"),
                    count_percent(b.lived_beyond, known, ctx.percent_style),
                    str(b.not_beyond),
                    str(b.unknown),
                    format_ci(b.km_median, b.km_median_ci95, 1),
                    km_at,
                    holds,
                    count_percent(dis["home"], dis["n_known"], ctx.percent_style),
                )
            )
        )
    notes = [
        "Lived beyond the prediction: survival beyond the band's predicted survival (0\u20138 and 9\u201311: "
        "6 months; 12\u201315: 12 months; Tokuhashi 2005); a death before that time did not; a patient "
        "censored before it cannot be judged and is counted separately. The exact rule is in the JSON "
        "output (observed_vs_predicted.rule).",
        "Prediction holds: the band's Tokuhashi 2005 prediction compared with the Kaplan-Meier survival at "
        "6 months (0\u20138: S(6) < 50%; 9\u201311: S(6) \u2265 50%) or 12 months (12\u201315: S(12) "
        "\u2265 50%).",
    ]
    if not is_missing(ovp.logrank_p):
        notes.append(
            f"Log-rank test across the bands: P = {format_p(ovp.logrank_p)}; test for trend over the "
            f"ordered bands: P = {format_p(ovp.trend_p)}."
        )
    if r.discharge.band_missing:
        notes.append(f"{r.discharge.band_missing} patient(s) without a Tokuhashi band are not in this table.")
    notes.append(f"95% CI of the median: {_MEDIAN_CI_WORDS[r.survival.ci_method]}.")
    return ReportTable(
        "observed_vs_predicted",
        "Table 8",
        "Observed and predicted survival and home discharge by Tokuhashi band",
        columns,
        tuple(rows),
        tuple(notes),
        section="prediction",
    )


_SCORE_LABELS = {
    "tokuhashi": "Revised Tokuhashi (2005)",
    "tomita": "Tomita (2001)",
    "katagiri": "New Katagiri (2014)",
    "bauer_modified": "Modified Bauer (Leithner 2008)",
    "nesms": "NESMS (Ghori 2015)",
    "bauer": "Bauer",
    "sins": "SINS",
}


def prognostic_table(ctx: TableContext, caveats: dict[str, str]) -> ReportTable:
    """C-index and time-dependent AUC of each prognostic score."""
    columns = (
        "Score",
        "Higher score means",
        "Patients, n",
        "Deaths",
        "C-index (95% CI)",
        "AUC at 6 months",
        "AUC at 12 months",
    )
    rows = []
    notes = []
    for name, acc in ctx.results.prognostic.items():
        label = _SCORE_LABELS.get(name, name)
        if name in caveats:
            label += " *"
        if not acc.computable:
            rows.append(Row((label, "", str(acc.n_used), str(acc.events), "NA", "NA", "NA")))
            continue
        direction = "longer survival" if acc.direction == "higher_better" else "shorter survival"
        rows.append(
            Row(
                (
                    label,
                    direction,
                    str(acc.n_used),
                    str(acc.events),
                    format_ci(acc.c_index, acc.c_ci95, 2),
                    number(acc.auc.get("6"), 2),
                    number(acc.auc.get("12"), 2),
                )
            )
        )
        for note in acc.notes:
            notes.append(f"{label}: {note}")
    notes.insert(
        0,
        "Harrell's C with infinitesimal-jackknife SE and Wald 95% CI (R survival::concordance; "
        "reverse = TRUE for scores where higher is worse, so C > 0.5 always means correct ranking). "
        "Cumulative/dynamic time-dependent AUC with Kaplan-Meier inverse-probability-of-censoring "
        'weights (R timeROC, weighting = "marginal").',
    )
    for name, text in caveats.items():
        notes.append(f"* {_SCORE_LABELS.get(name, name)}: {text}")
    missing = [
        f"{_SCORE_LABELS.get(k, k)} {a.n_missing}" for k, a in ctx.results.prognostic.items() if a.n_missing
    ]
    if missing:
        notes.append(
            "Patients without the score (not computable from the recorded inputs): "
            + "; ".join(missing)
            + "."
        )
    return ReportTable(
        "prognostic_accuracy",
        "Table 9",
        "Prognostic accuracy of the survival scores",
        columns,
        tuple(rows),
        tuple(notes),
        section="prediction",
    )


_MIST_LABELS = {
    "operative_time_min": ("Operation time, min", 0),
    "blood_loss_ml": ("Blood loss, ml", 0),
    "levels_fused": ("Number of levels fused", 1),
    "barthel_gain": ("Barthel index gain (after \u2212 before)", 1),
    "vas_change": ("VAS change (after \u2212 before)", 1),
}


def mist_table(ctx: TableContext) -> ReportTable:
    """MISt against conventional posterior decompression and fixation."""
    m = ctx.results.mist_vs_conventional
    columns = (
        "Variable",
        f"MISt (n = {m.n_mist})",
        f"Conventional (n = {m.n_conventional})",
        "Difference MISt \u2212 conventional (95% CI)",
        "P",
        "Test",
        "P, Mann\u2013Whitney U",
    )
    rows = []
    for key, comp in m.variables.items():
        if comp.welch is not None:
            label, dec = _MIST_LABELS.get(key, (key, 1))
            w, mw = comp.welch, comp.mann_whitney
            rows.append(
                Row(
                    (
                        f"{label}, mean (median)",
                        f"{number(w.mean_x, dec)} ({number(mw.median_x, dec)})"
                        if mw
                        else number(w.mean_x, dec),
                        f"{number(w.mean_y, dec)} ({number(mw.median_y, dec)})"
                        if mw
                        else number(w.mean_y, dec),
                        format_ci(w.difference, w.ci95, dec),
                        format_p(w.p),
                        "Welch t-test",
                        format_p(mw.p) if mw else "NA",
                    )
                )
            )
        elif comp.fisher is not None:
            f = comp.fisher
            rows.append(
                Row(
                    (
                        "Any perioperative complication, n (%)",
                        count_percent(comp.events_mist or 0, comp.n_mist, ctx.percent_style),
                        count_percent(comp.events_conventional or 0, comp.n_conventional, ctx.percent_style),
                        "OR " + format_ci(f.odds_ratio, f.ci95, 2),
                        format_p(f.p),
                        "Fisher's exact test",
                        "",
                    )
                )
            )
    rows.append(Row(("Survival", "", "", "", format_p(m.survival_logrank_p), "Log-rank test", "")))
    notes = [
        "Welch two-sample t-test (R t.test, var.equal = FALSE) with its 95% CI of the difference in means; "
        "Wilcoxon rank-sum (Mann\u2013Whitney U) test (R wilcox.test, normal approximation with continuity "
        "correction when there are ties); Fisher's exact test with the conditional maximum-likelihood odds "
        "ratio and its exact 95% CI (R fisher.test); log-rank test (R survdiff).",
        "The groups were not randomised: MISt was chosen when the pedicles could be confirmed under "
        "fluoroscopy and the lesion was not cervical, so differences are descriptive, not causal.",
    ]
    if m.n_missing_procedure:
        notes.append(f"{m.n_missing_procedure} patient(s) without a recorded procedure are not included.")
    return ReportTable(
        "mist_vs_conventional",
        "Table 10",
        "MISt compared with conventional surgery",
        columns,
        tuple(rows),
        tuple(notes),
        section="mist",
    )


def build_tables(ctx: TableContext, caveats: dict[str, str]) -> list[ReportTable]:
    """Every table of the report, in the order they appear."""
    tables = [
        table1(ctx),
        table2(),
        table3(ctx),
        table3b(ctx),
        table4(ctx),
        table5(ctx),
        survival_table(ctx, ctx.overall, "survival_overall", "Table 6a", "Overall survival after surgery"),
        survival_table(
            ctx, ctx.by_band, "survival_by_tokuhashi_band", "Table 6b", "Survival by revised Tokuhashi score"
        ),
        paired_table(ctx),
        band_outcome_table(ctx),
        prognostic_table(ctx, caveats),
        mist_table(ctx),
    ]
    if ctx.by_variable is not None:
        v = ctx.by_variable.variable
        tables.append(
            survival_table(
                ctx, ctx.by_variable, f"survival_by_{v}", "Table 11", f"Survival by {v.replace('_', ' ')}"
            )
        )
    return tables
