"""Assemble the study report: run the analyses once, then hold the tables, curves, findings and methods text
that every output (HTML, Word, CSV, JSON, figures) shows.

``build_report(frame, source=..., sha256=...)`` is the one entry point; it writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from spinemet.analysis.descriptive import jsonable, numeric_column, region_series
from spinemet.analysis.survival import CI_METHODS
from spinemet.errors import InvalidInputError
from spinemet.report.formatting import check_style, format_ci, number, p_text
from spinemet.report.survival import SurvivalSplit, check_by, survival_split
from spinemet.report.tables import ReportTable, TableContext, build_tables

__all__ = ["CI_METHOD_NAMES", "DEFAULT_TITLE", "Finding", "Report", "build_report"]

#: The report's title when neither --title nor a study file gives one (the paper's report).
DEFAULT_TITLE = "Study report: palliative spinal stabilization for metastatic spinal tumours"

Progress = Callable[[str], None]

#: How each median-CI method is named in the methods paragraph.
CI_METHOD_NAMES: dict[str, str] = {
    "log": 'log transformation of the survival function (R survfit default, conf.type = "log"; '
    "Brookmeyer\u2013Crowley interval)",
    "plain": 'untransformed (linear) Greenwood interval (R survfit conf.type = "plain"; '
    "Brookmeyer\u2013Crowley interval)",
    "log-log": 'log\u2013log transformation of the survival function (R survfit conf.type = "log-log"; '
    "Brookmeyer\u2013Crowley interval)",
    "spss": "the SPSS Kaplan\u2013Meier method: median \u00b1 1.96\u00b7SE, SE from the Greenwood "
    "variance divided by the slope of the survival curve around the median",
}


#: The median-CI method in a few words, for figure annotations and sentences.
MEDIAN_CI_SHORT: dict[str, str] = {
    "log": "Brookmeyer\u2013Crowley, log scale",
    "plain": "Brookmeyer\u2013Crowley, linear scale",
    "log-log": "Brookmeyer\u2013Crowley, log\u2013log scale",
    "spss": "SPSS method",
}


@dataclass(frozen=True)
class Finding:
    """Where the data contradict a rule of the study, shown beside the relevant table.

    ``section`` is the report section; ``patient_ids`` are the pseudonymous ids (never names).
    """

    section: str
    rule: str
    patient_ids: tuple[str, ...]
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "rule": self.rule,
            "patient_ids": list(self.patient_ids),
            "n": len(self.patient_ids),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Report:
    """Everything the report shows."""

    results: Any  # spinemet.analysis.study.StudyResults
    overall: SurvivalSplit
    by_band: SurvivalSplit
    by_variable: SurvivalSplit | None
    tables: tuple[ReportTable, ...]
    findings: tuple[Finding, ...]
    caveats: dict[str, str]
    methods: str
    meta: dict[str, Any]
    style: str
    frame_columns: tuple[str, ...] = field(default=(), repr=False)

    def table(self, key: str) -> ReportTable:
        for t in self.tables:
            if t.key == key:
                return t
        raise KeyError(key)

    def findings_for(self, section: str) -> list[Finding]:
        return [f for f in self.findings if f.section == section]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every number the report shows (analysis results, curves, formatted tables)."""
        out = self.results.to_dict()
        out["tables_tidy"] = out.pop("tables")
        out["meta"] = dict(self.meta)
        out["survival"]["km"] = self.overall.to_dict()
        out["survival"]["by_tokuhashi_band"] = self.by_band.to_dict()
        if self.by_variable is not None:
            out["by"] = self.by_variable.to_dict()
        out["report_tables"] = {t.key: t.to_dict() for t in self.tables}
        out["findings"] = [f.to_dict() for f in self.findings]
        out["caveats"] = dict(self.caveats)
        out["methods_text"] = self.methods
        return jsonable(out)


def _ids(frame: pd.DataFrame, mask: np.ndarray) -> tuple[str, ...]:
    ids = (
        frame["patient_id"]
        if "patient_id" in frame.columns
        else pd.Series(frame.index + 2, index=frame.index)
    )
    return tuple(str(v) for v in ids.to_numpy()[mask])


def _text(frame: pd.DataFrame, col: str) -> pd.Series:
    if col not in frame.columns:
        return pd.Series([None] * len(frame), index=frame.index, dtype="object")
    return frame[col].astype("object")


def find_contradictions(frame: pd.DataFrame, results: Any) -> list[Finding]:
    """Rows that contradict a rule of the study (Methods of Uei et al. 2018) or of the data's own meaning."""
    findings: list[Finding] = []
    dc = results.discharge_contradictions
    if len(dc):
        findings.append(
            Finding(
                "outcomes",
                "Discharge home requires a postoperative Barthel index \u2265 70 or sufficient care by "
                "the family (study criterion)",
                tuple(str(v) for v in dc["patient_id"]),
                "discharged home with Barthel < 70 and family_care not recorded as yes",
            )
        )
    proc = _text(frame, "procedure")
    region = region_series(frame) if "main_level" in frame.columns else _text(frame, "region")
    mask = ((proc == "mist") & (region == "cervical")).to_numpy(dtype=bool)
    if mask.any():
        findings.append(
            Finding(
                "operative",
                "MISt was not used for occipital or cervical lesions (study exclusion for MISt)",
                _ids(frame, mask),
                "procedure = mist with a cervical main level",
            )
        )
    discharge = _text(frame, "discharge")
    dead = numeric_column(frame, "dead")
    mask = ((discharge == "in_hospital_death").to_numpy(dtype=bool)) & (dead == 0)
    if mask.any():
        findings.append(
            Finding(
                "outcomes",
                "An in-hospital death must be recorded as dead = 1",
                _ids(frame, mask),
                "discharge = in_hospital_death but dead = 0",
            )
        )
    comp = _text(frame, "complications").fillna("").astype(str)
    early = comp.str.contains("early_death", regex=False).to_numpy(dtype=bool)
    months = numeric_column(frame, "survival_months")
    thirty_days = 30 / 30.4375
    mask = early & ((dead == 0) | (months > thirty_days + 1e-9))
    if mask.any():
        findings.append(
            Finding(
                "operative",
                "Early death means death within 30 days after surgery",
                _ids(frame, mask),
                "complication early_death but alive or survival > 30 days (0.99 months)",
            )
        )
    return findings


def score_caveats(results: Any) -> dict[str, str]:
    """Caveats shown where a score's numbers appear (e.g. NESMS cut-offs not confirmed)."""
    from spinemet.scores import NESMS_UNCONFIRMED

    caveats: dict[str, str] = {}
    if "nesms" in results.prognostic:
        caveats["nesms"] = NESMS_UNCONFIRMED
    if "bauer_modified" in results.prognostic and results.prognostic["bauer_modified"].n_missing:
        caveats["bauer_modified"] = (
            'not computable when the primary tumour is unknown ("not lung" cannot '
            "be decided)"
        )
    return caveats


def _versions() -> dict[str, str]:
    import platform

    import numpy
    import scipy

    from spinemet import __version__

    return {
        "spinemet": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
    }


def _dates_sentence(meta: dict[str, Any]) -> str:
    if not meta.get("survival_from_dates"):
        return ""
    return ("Survival times were computed from the dates of surgery and of death or last contact "
            "(months = days / 30.4375).")


def _study_sentences(meta: dict[str, Any]) -> list[str]:
    study = meta.get("study") or {}
    out = []
    if study.get("table1_by"):
        out.append("Baseline characteristics were compared between groups with the Wilcoxon rank-sum or "
                   "Kruskal–Wallis test (Welch's t-test or one-way ANOVA for means) for continuous "
                   "variables and the chi-square test, or Fisher's exact test when an expected count was "
                   "below 5, for categorical variables.")
    if study.get("survival_times"):
        out.append("Survival at fixed times is given with its 95% confidence interval, and the median "
                   "follow-up was estimated with the reverse Kaplan–Meier method.")
    if study.get("cox_covariates"):
        out.append("Hazard ratios were estimated with a multivariable Cox proportional hazards model "
                   f"({study.get('cox_ties', 'efron').capitalize()} method for ties); the "
                   "proportional-hazards assumption was checked with scaled Schoenfeld residuals "
                   "(Grambsch–Therneau test, Kaplan–Meier time transform).")
    return out


def methods_paragraph(results: Any, meta: dict[str, Any], style: str) -> str:
    """A methods paragraph a surgeon can paste into a paper: software, tests, CI method, missing data."""
    v = meta["versions"]
    ci = meta["ci_method"]
    summary = {
        "paper": "means with ranges",
        "sd": "means with standard deviations",
        "iqr": "medians with interquartile ranges (R quantile type 7)",
    }[style]
    sha = meta.get("input_sha256")
    source = f"The input ({meta['source_kind']}) had SHA-256 {sha}." if sha else ""
    parts = [
        f"Statistical analyses were performed with spinemet {v['spinemet']} (Python {v['python']}, NumPy "
        f"{v['numpy']}, SciPy {v['scipy']}, pandas {v['pandas']}), whose survival and test results are "
        "checked against R (survival package).",
        f"Continuous variables are given as {summary} and categorical variables as numbers with percentages "
        "of the patients with a known value.",
        "Overall survival was measured from surgery to death; patients alive at their last follow-up were "
        "censored at that time. Survival was estimated with the Kaplan\u2013Meier method, and the 95% "
        f"confidence interval of the median survival time was computed with {CI_METHOD_NAMES[ci]}; pointwise "
        "confidence bands use the same method"
        + (" (linear Greenwood bands for the SPSS method)." if ci == "spss" else "."),
        "Survival was compared between revised Tokuhashi score bands (0\u20138, 9\u201311, 12\u201315) "
        "with the "
        "log-rank test and the log-rank test for trend, and observed survival was compared with each band's "
        "predicted survival.",
        "Pre- and postoperative Barthel index and visual analogue scale scores were compared with the paired "
        "t-test and the Wilcoxon signed-rank test (exact below 50 pairs without ties or zero differences, "
        "otherwise the normal approximation with continuity correction; R wilcox.test defaults).",
        "Minimally invasive spine stabilization (MISt) and conventional surgery were compared with Welch's "
        "t-test and the Wilcoxon rank-sum (Mann\u2013Whitney U) test for continuous variables, Fisher's "
        "exact "
        "test for complications and the log-rank test for survival.",
        "The discrimination of the revised Tokuhashi, Tomita, new Katagiri, modified Bauer and NESMS scores "
        "for overall survival was assessed with Harrell's C-index (infinitesimal-jackknife standard error) "
        "and the time-dependent area under the ROC curve at 6 and 12 months (inverse probability of "
        "censoring weighting).",
        _dates_sentence(meta),
        *_study_sentences(meta),
        "Missing values were not imputed: each analysis used the patients with the values it requires, and "
        "the numbers of missing values are reported with each table.",
        "All tests were two-sided; P < 0.05 was considered significant.",
        source,
    ]
    return " ".join(part for part in parts if part)


def build_report(
    frame: pd.DataFrame,
    *,
    source: str = "data frame",
    source_kind: str = "data frame",
    sha256: str | None = None,
    median_ci: str = "log",
    by: str | None = None,
    style: str = "paper",
    percent_style: str = "round",
    progress: Progress | None = None,
    title: str | None = None,
    study: Any = None,
    paper: str = "a4",
) -> Report:
    """Run the study's analyses on a cohort frame and assemble the report (nothing is written).

    Args:
        frame: cohort frame (``Cohort.frame`` column names and types).
        source: where the data came from (shown in the report), e.g. the file name.
        source_kind: "cohort file", "registry" or "demo cohort".
        sha256: SHA-256 of the input (the file's bytes, or the registry extract).
        median_ci: CI method of the median survival (``log``, ``plain``, ``log-log``, ``spss``).
        by: an extra cohort column to split the Kaplan-Meier curve by (validated; see ``allowed_by_columns``).
        style: continuous-variable style, ``paper`` (mean (range)), ``sd`` or ``iqr``.
        percent_style: ``round`` or ``truncate`` (the paper truncates).
        progress: called with a short label before each step (for a progress bar).
        title: the report's title (default: the study file's, else the paper's report title).
        study: a :class:`spinemet.report.study_file.StudyConfig` adding its tables (Table 1 by group, Cox,
            survival at times, outcomes, subgroups); ``None`` keeps the paper's report as it is.
        paper: page size of the Word file, ``a4`` (default) or ``letter``.
    """
    from spinemet.analysis.study import analyse_study
    from spinemet.cohort import add_score_columns

    step = progress or (lambda _label: None)
    if median_ci not in CI_METHODS:
        raise InvalidInputError("--median-ci", median_ci, ", ".join(CI_METHODS))
    check_style(style)
    if percent_style not in ("round", "truncate"):
        raise InvalidInputError("--percent", percent_style, "round, truncate")
    if paper not in ("a4", "letter"):
        raise InvalidInputError("--paper", paper, "a4, letter")
    if study is not None:
        style = study.style or style
        percent_style = study.percent_style or percent_style
    step("computing scores")
    scored = add_score_columns(frame)
    if study is not None:
        from spinemet.report.study_file import check_columns

        check_columns(study, scored.columns)
    check_by(scored, by)
    step("analysing the cohort")
    results = analyse_study(scored, median_ci=median_ci, add_scores=False)
    step("survival curves")
    overall = survival_split(scored, None, ci_method=median_ci)
    by_band = survival_split(
        scored, "tokuhashi_band", ci_method=median_ci, title="Survival by revised Tokuhashi score"
    )
    by_split = survival_split(scored, by, ci_method=median_ci) if by else None
    meta = {
        "spinemet_version": _versions()["spinemet"],
        "versions": _versions(),
        "input_sha256": sha256,
        "source": source,
        "source_kind": source_kind,
        "generated_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "ci_method": median_ci,
        "ci_method_name": CI_METHOD_NAMES[median_ci],
        "style": style,
        "percent_style": percent_style,
        "by": by,
        "n": int(results.n),
        "title": title or (study.title if study is not None else None) or DEFAULT_TITLE,
        "authors": list(study.authors) if study is not None else [],
        "paper": paper,
        "survival_from_dates": bool({"death_date", "last_contact_date"} & set(frame.columns)),
        "study": None if study is None else {
            "source": study.source, "table1_by": study.table1_by,
            "survival_times": list(study.survival_times),
            "cox_covariates": list(study.cox_covariates), "cox_ties": study.cox_ties,
        },
    }
    findings = find_contradictions(scored, results)
    caveats = score_caveats(results)
    ctx = TableContext(results, overall, by_band, by_split, style, percent_style)
    step("tables")
    tables = build_tables(ctx, caveats)
    if study is not None:
        from spinemet.report.study_tables import study_tables

        step("study file tables")
        from spinemet.report.tables import _MEDIAN_CI_WORDS

        tables += study_tables(scored, study, ctx, first_number=12, ci_method=median_ci,
                               ci_name=_MEDIAN_CI_WORDS[median_ci])
    return Report(
        results=results,
        overall=overall,
        by_band=by_band,
        by_variable=by_split,
        tables=tuple(tables),
        findings=tuple(findings),
        caveats=caveats,
        methods=methods_paragraph(results, meta, style),
        meta=meta,
        style=style,
        frame_columns=tuple(str(c) for c in frame.columns),
    )


def headline(report: Report) -> list[str]:
    """Key results as sentences (shown at the top of the report)."""
    r = report.results
    s = r.survival
    fr = r.frankel
    lines = [
        f"{r.n} patients; median survival {format_ci(s.median_months, s.median_ci95, 1)} months "
        f"({s.events} deaths; 95% CI: {MEDIAN_CI_SHORT[s.ci_method]}).",
        f"Paralysis improved by \u2265 1 grade or grade E was maintained in {fr.improved_or_e_maintained} of "
        f"{fr.n_pairs} patients; aggravated in {fr.aggravated}.",
        f"Barthel index {number(r.barthel.pre_mean, 1)} \u2192 {number(r.barthel.post_mean, 1)} "
        f"(paired t-test {p_text(r.barthel.p_paired_t)}); VAS {number(r.vas.pre_mean, 1)} \u2192 "
        f"{number(r.vas.post_mean, 1)} ({p_text(r.vas.p_paired_t)}).",
        "Discharge: "
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in r.discharge.counts.items() if v)
        + ".",
    ]
    return lines
