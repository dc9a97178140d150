"""The report as ONE self-contained HTML5 file: inline CSS, figures as inline SVG, no external links."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from spinemet.report.build import Report, headline
from spinemet.report.figure_set import FigureSpec, figure_specs

__all__ = ["SECTION_TITLES", "render_html", "svg_for_html"]

TEMPLATES = Path(__file__).parent / "templates"

#: Section ids and headings, in order (the HTML test checks every heading).
SECTION_TITLES: dict[str, str] = {
    "summary": "Key results",
    "baseline": "Baseline characteristics",
    "frankel": "Neurological recovery (modified Frankel scale)",
    "operative": "Surgery and perioperative complications",
    "outcomes": "Outcomes after surgery",
    "survival": "Survival",
    "function": "Barthel index and pain before and after surgery",
    "prediction": "Observed and predicted survival; prognostic accuracy of the scores",
    "mist": "MISt compared with conventional surgery",
    "study": "Analyses of the study file",
    "by": "Survival by a chosen variable",
    "findings": "Data that contradict a rule",
    "methods": "Methods",
}

_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_XML_DECL = re.compile(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*", re.S)


def svg_for_html(svg: str, *, title: str, key: str) -> str:
    """Matplotlib SVG made fit for inlining: no XML declaration/DOCTYPE/metadata (which carry external URIs),
    ``role="img"`` with a ``<title>`` for screen readers, and element ids prefixed with the figure key so
    several figures never share an id."""
    svg = _XML_DECL.sub("", svg)
    svg = _METADATA.sub("", svg)
    svg = re.sub(r'\sid="([^"]+)"', lambda m: f' id="{key}-{m.group(1)}"', svg)
    svg = re.sub(r'(xlink:href|href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{key}-{m.group(2)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{key}-{m.group(1)})", svg)
    from markupsafe import escape

    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{key}-title" ', 1)
    head_end = svg.index(">") + 1
    svg = svg[:head_end] + f'<title id="{key}-title">{escape(title)}</title>' + svg[head_end:]
    # let CSS scale the figure: drop the fixed pt width/height, keep the viewBox
    svg = re.sub(r'(<svg[^>]*?)\swidth="[^"]*"', r"\1", svg, count=1)
    svg = re.sub(r'(<svg[^>]*?)\sheight="[^"]*"', r"\1", svg, count=1)
    return svg


def _risk_table(split: Any) -> dict[str, Any]:
    from spinemet.report.km_axis import numbers_at_risk

    times = split.risk_times()
    return {
        "times": [f"{t:g}" for t in times],
        "rows": [(g.label, numbers_at_risk(g.time, times)) for g in split.groups if g.n],
    }


def render_html(
    report: Report,
    *,
    figure_svgs: dict[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> str:
    """The report as HTML text. Figures are the light inline SVG of ``spinemet.report.svg`` (no
    matplotlib), unless ``figure_svgs`` (key -> matplotlib SVG text) supplies them."""
    import jinja2

    step = progress or (lambda _label: None)
    figures: list[dict[str, Any]] = []
    specs: list[FigureSpec] = list(figure_specs(report))
    for spec in specs:
        step(f"figure {spec.number}")
        given = (figure_svgs or {}).get(spec.key)
        svg = svg_for_html(given, title=spec.alt, key=spec.key) if given else spec.inline()
        figures.append({"spec": spec, "svg": svg})
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    risk = {
        "survival_overall": _risk_table(report.overall),
        "survival_by_tokuhashi_band": _risk_table(report.by_band),
    }
    if report.by_variable is not None:
        risk[f"survival_by_{report.by_variable.variable}"] = _risk_table(report.by_variable)
    template = env.get_template("report.html.j2")
    step("HTML")
    return template.render(
        report=report,
        meta=report.meta,
        sections=SECTION_TITLES,
        headline=headline(report),
        tables={t.key: t for t in report.tables},
        figures=figures,
        css=css,
        risk=risk,
        figures_by_section={s: [f for f in figures if f["spec"].section == s] for s in SECTION_TITLES},
        notes=list(report.results.notes),
        study_tables=[t for t in report.tables if t.section == "study"],
    )
