"""The report's figures (Kaplan-Meier overall, by Tokuhashi band, by ``--by``; Barthel and VAS before/after),
drawn on demand so matplotlib is imported only when a figure is needed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from spinemet.analysis.descriptive import TOKUHASHI_BANDS
from spinemet.report.formatting import format_ci, p_text

__all__ = ["FigureSpec", "figure_specs"]

_BAND = {"0-8": "Tokuhashi 0\u20138", "9-11": "Tokuhashi 9\u201311", "12-15": "Tokuhashi 12\u201315"}


@dataclass(frozen=True)
class FigureSpec:
    """One figure: ``key`` (file name), number ("Figure 1"), caption, the report section, and ``draw`` which
    returns a new matplotlib Figure (print files, Word); ``inline`` returns the light SVG of the HTML report
    (``spinemet.report.svg``)."""

    key: str
    number: str
    caption: str
    section: str
    draw: Callable[[], Any]
    alt: str
    inline: Callable[[], str]


def _curves(split: Any) -> list[Any]:
    from spinemet.report.figures import KMCurve

    return [KMCurve(g.label, g.km.table, g.time) for g in split.groups if g.n]


def _km(split: Any, annotation: str | None) -> Callable[[], Any]:
    def draw() -> Any:
        from spinemet.report.figures import km_figure

        return km_figure(_curves(split), annotation=annotation)

    return draw


def _km_inline(split: Any, annotation: str | None, label: str) -> Callable[[], str]:
    def svg() -> str:
        from spinemet.report.svg import km_svg

        curves = [(g.label, g.km.table, g.time) for g in split.groups if g.n]
        return km_svg(curves, split.risk_times(), annotation=annotation, label=label)

    return svg


CIs = dict[str, tuple[tuple[float, float], tuple[float, float]]]


def _before_after_inline(
    groups: dict[str, tuple[float, float]], ylabel: str, ylim: tuple[float, float], label: str, cis: CIs
) -> Callable[[], str]:
    def svg() -> str:
        from spinemet.report.svg import before_after_svg

        return before_after_svg(groups, ylabel=ylabel, ylim=ylim, label=label, cis=cis)

    return svg


def _before_after(
    groups: dict[str, tuple[float, float]], ylabel: str, ylim: tuple[float, float], cis: CIs
) -> Callable[[], Any]:
    def draw() -> Any:
        from spinemet.report.figures import before_after_figure

        return before_after_figure(groups, ylabel=ylabel, ylim=ylim, cis=cis)

    return draw


def _mean_ci(mean: float, sd: float, n: int) -> tuple[float, float]:
    """t-based 95% CI of a mean (R ``t.test(x)$conf.int``); NaN when n < 2."""
    import math

    from spinemet.analysis._dist import t_ppf

    if n < 2 or math.isnan(mean) or math.isnan(sd):
        return (math.nan, math.nan)
    half = float(t_ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return (mean - half, mean + half)


def _pair_cis(comparison: Any) -> tuple[tuple[float, float], tuple[float, float]]:
    n = int(comparison.n_pairs)
    return (_mean_ci(comparison.pre_mean, comparison.pre_sd, n),
            _mean_ci(comparison.post_mean, comparison.post_sd, n))


def figure_specs(report: Any) -> Iterator[FigureSpec]:
    """The figures of ``report`` in the order they appear."""
    r = report.results
    s = r.survival
    from spinemet.report.build import MEDIAN_CI_SHORT

    ci_name = MEDIAN_CI_SHORT[report.meta["ci_method"]]
    if report.overall.groups:
        median = format_ci(s.median_months, s.median_ci95, 1)
        ann = f"Median {median} months (95% CI, {ci_name})"
        alt = f"Kaplan-Meier survival curve; median survival {median} months"
        yield FigureSpec(
            "figure1_km_overall",
            "Figure 1",
            f"Kaplan\u2013Meier curve of survival after surgery (n = {report.overall.n_used}). Shaded: "
            f"pointwise 95% confidence band; ticks: censored patients; numbers at risk below. {ann}.",
            "survival",
            _km(report.overall, ann),
            alt,
            _km_inline(report.overall, ann, alt),
        )
    if report.by_band.groups:
        lr = report.by_band.logrank
        ann = f"Log-rank {p_text(lr.p)}" if lr is not None else None
        alt = "Kaplan-Meier survival curves by Tokuhashi band"
        yield FigureSpec(
            "figure2_km_tokuhashi",
            "Figure 2",
            "Kaplan\u2013Meier curves of survival by revised Tokuhashi score band (lightly shaded: pointwise "
            "95% confidence bands), with numbers at risk." + (f" {ann}." if ann else ""),
            "survival",
            _km(report.by_band, ann),
            alt,
            _km_inline(report.by_band, ann, alt),
        )
    for key, number, name, overall, by_band, ylabel, ylim in (
        ("figure3_barthel", "Figure 3", "Barthel index", r.barthel, r.barthel_by_band, "Barthel index (mean)",
         (0.0, 100.0)),
        ("figure4_vas", "Figure 4", "visual analogue scale for pain", r.vas, r.vas_by_band,
         "VAS for pain (mean)", (0.0, 10.0)),
    ):  # fmt: skip
        groups = {"All patients": (overall.pre_mean, overall.post_mean)}
        groups |= {
            _BAND[b]: (by_band[b].pre_mean, by_band[b].post_mean)
            for b in TOKUHASHI_BANDS
            if by_band[b].n_pairs
        }
        cis = {"All patients": _pair_cis(overall)}
        cis |= {_BAND[b]: _pair_cis(by_band[b]) for b in TOKUHASHI_BANDS if by_band[b].n_pairs}
        alt = f"Line chart of the mean {name} before and after surgery"
        yield FigureSpec(
            key,
            number,
            f"Mean {name} before and after surgery with 95% confidence intervals (t distribution), all "
            "patients and by revised Tokuhashi score band (patients with both values; tests in Table 7).",
            "function",
            _before_after(groups, ylabel, ylim, cis),
            alt,
            _before_after_inline(groups, ylabel, ylim, alt, cis),
        )
    if report.by_variable is not None and report.by_variable.groups:
        split = report.by_variable
        lr = split.logrank
        ann = f"Log-rank {p_text(lr.p)}" if lr is not None else None
        name = split.variable.replace("_", " ")
        alt = f"Kaplan-Meier survival curves by {name}"
        yield FigureSpec(
            f"figure5_km_by_{split.variable}",
            "Figure 5",
            f"Kaplan\u2013Meier curves of survival by {name}, with numbers at risk."
            + (f" {ann}." if ann else ""),
            "by",
            _km(split, ann),
            alt,
            _km_inline(split, ann, alt),
        )
