"""The HTML report: one self-contained, valid HTML5 file with every section, accessible tables, inline SVG
figures, rule contradictions beside their table and the score caveats."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest

from spinemet.report.html import SECTION_TITLES, render_html

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Checker(HTMLParser):
    """Collects tags, attributes and nesting errors (an end tag that does not close the open element)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


@pytest.fixture(scope="module")
def html(demo_out: dict[str, Any]) -> str:
    return demo_out["html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker


def test_html5_well_formed(html: str, parsed: _Checker) -> None:
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert '<meta charset="utf-8">' in html
    assert parsed.errors == []
    assert parsed.stack == []
    ids = [v for _t, k, v in parsed.attrs if k == "id"]
    assert len(ids) == len(set(ids)), "duplicate element ids"


def test_self_contained(html: str, parsed: _Checker) -> None:
    """No external resource: every src/href is an in-page anchor; no <link>, <script src>, <img>, <iframe>."""
    for tag, key, value in parsed.attrs:
        if key in ("src", "href", "xlink:href", "action", "poster", "data"):
            assert value is not None and value.startswith("#"), f"<{tag} {key}={value!r}>"
    assert not {"link", "script", "img", "iframe", "object"} & set(parsed.tags)
    assert not re.search(r"url\((?!#)", html), "CSS url() to a resource"
    assert "@import" not in html
    assert "<style>" in html


def test_figures_inline_svg(html: str) -> None:
    # overall KM, KM by Tokuhashi band, Barthel, VAS, KM by procedure
    assert html.count("<svg ") == 5
    assert html.count("<figcaption>") == 5
    assert 'role="img"' in html


@pytest.mark.parametrize("section", [s for s in SECTION_TITLES if s != "study"])  # study: with --study only
def test_every_section_heading(html: str, section: str) -> None:
    assert f'<section id="{section}"' in html
    assert f'<h2 id="{section}-h">{SECTION_TITLES[section]}' in html


def test_tables_accessible(html: str, parsed: _Checker) -> None:
    n_tables = parsed.tags.count("table")
    assert n_tables == html.count("<caption>") >= 13  # the numbers at risk are in the figures only
    scopes = [v for tag, k, v in parsed.attrs if tag == "th" and k == "scope"]
    assert scopes.count("col") > 20 and scopes.count("row") > 50
    assert parsed.tags.count("th") == len(scopes), "every th has a scope"


def test_paper_style_cells(html: str) -> None:
    """Table 1 in the paper's style: n (%) and mean (range)."""
    assert '<th scope="row">Age at surgery, mean (range), years</th><td>66.8 (26\u201392)</td>' in html
    assert "<td>37 (67.3)</td>" in html  # male
    assert "<td>201 (63\u2013371)</td>" in html  # operation time, Table 4
    assert "12.0 (2.4\u201321.5)" in html  # median survival with its SPSS CI


def test_methods_paragraph(html: str, demo_out: dict[str, Any]) -> None:
    meta = demo_out["data"]["meta"]
    section = html[html.index('<section id="methods"') :]
    for text in (
        "spinemet",
        f"NumPy {meta['versions']['numpy']}",
        f"SciPy {meta['versions']['scipy']}",
        f"pandas {meta['versions']['pandas']}",
        "Kaplan\u2013Meier",
        "SPSS",
        "1.96",
        "paired t-test",
        "Wilcoxon signed-rank",
        "log-rank",
        "Fisher",
        "censored",
        "not imputed",
        meta["input_sha256"],
    ):
        assert text in section, text


def test_nesms_caveat_beside_the_accuracy_table(html: str) -> None:
    section = html[html.index('<section id="prediction"') : html.index('<section id="mist"')]
    assert "UNCONFIRMED cut-offs" in section
    assert "NESMS" in section


def test_style_options(demo_report: Any) -> None:
    from spinemet.cohort.demo import load_demo
    from spinemet.report.build import build_report

    frame = load_demo().frame
    sd = build_report(frame, style="sd").table("table1")
    iqr = build_report(frame, style="iqr").table("table1")
    age_sd = next(r for r in sd.rows if r.cells[0].startswith("Age"))
    age_iqr = next(r for r in iqr.rows if r.cells[0].startswith("Age"))
    assert age_sd.cells == ("Age at surgery, mean \u00b1 SD, years", "66.8 \u00b1 11.7")
    assert age_iqr.cells == ("Age at surgery, median [IQR], years", "67.0 [60.5\u201374.0]")


def test_contradiction_listed_beside_table5() -> None:
    """A home discharge with Barthel < 70 and no family care is listed with its pseudonymous id."""
    from spinemet.cohort.demo import load_demo
    from spinemet.report.build import build_report

    frame = load_demo().frame.copy()
    row = frame.index[frame["discharge"] == "home"][0]
    pid = frame.loc[row, "patient_id"]
    items = [
        c for c in frame.columns if c.startswith("barthel_") and c.endswith("_post") and c != "barthel_post"
    ]
    frame.loc[row, items] = float("nan")  # the total alone, as a cohort may record it
    frame.loc[row, ["barthel_post", "family_care"]] = [40.0, "no"]
    report = build_report(frame)
    html = render_html(report)
    outcomes = html[html.index('<section id="outcomes"') : html.index('<section id="survival"')]
    assert "Contradicts a rule" in outcomes
    assert pid in outcomes
    assert [f.patient_ids for f in report.findings] == [(pid,)]
    findings = html[html.index('<section id="findings"') :]
    assert pid in findings


def test_no_contradiction_stated(html: str) -> None:
    findings = html[html.index('<section id="findings"') : html.index('<section id="methods"')]
    assert "No row contradicts the checked rules" in findings
