"""The report as a Word document (python-docx): the same tables as real Word tables (paste-ready) and the
figures as 300-dpi PNG."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from spinemet.report.build import Report, headline
from spinemet.report.tables import ReportTable

__all__ = ["write_docx"]

#: Where each table and figure goes (section id -> table keys), the same order as the HTML report.
_LAYOUT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("baseline", ("table1",)),
    ("frankel", ("table2", "table3", "table3_change")),
    ("operative", ("table4",)),
    ("outcomes", ("table5",)),
    ("survival", ("survival_overall", "survival_by_tokuhashi_band")),
    ("function", ("barthel_vas",)),
    ("prediction", ("observed_vs_predicted", "prognostic_accuracy")),
    ("mist", ("mist_vs_conventional",)),
    ("by", ()),
)


#: Page sizes (width, height) in cm; A4 is the default, Letter an option (``--paper letter``).
PAPER_SIZES: dict[str, tuple[float, float]] = {"a4": (21.0, 29.7), "letter": (21.59, 27.94)}
_MARGIN_CM = 2.0
_CHAR_CM = 0.19  # width of a bold 9-pt character (a safe upper bound), for column widths
_PAD_CM = 0.4  # left + right cell padding


def _border(element: Any, tag: str, edges: dict[str, int]) -> None:
    """Set single-line borders (size in eighths of a point) on a table or cell property element."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    box = element.find(qn(tag))
    if box is None:
        box = OxmlElement(tag)
        element.append(box)
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        size = edges.get(edge, 0)
        el.set(qn("w:val"), "single" if size else "nil")
        if size:
            el.set(qn("w:sz"), str(size))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        box.append(el)


def _row_flags(row: Any, *, header: bool) -> None:
    """Rows never split across pages; the header row repeats on each page."""
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))


def column_widths(records: list[list[str]], available_cm: float) -> list[float]:
    """Widths (cm) that fit the content: each column at least its longest word (no word broken), the
    rest shared in proportion to the longest text (the first, label column capped at 45 characters)."""
    n = len(records[0])
    longest_word = [max((len(w) for r in records for w in r[j].split()), default=1) for j in range(n)]
    longest = [max((len(r[j]) for r in records), default=1) for j in range(n)]
    longest[0] = min(longest[0], 45)
    minimum = [max(w, 3) * _CHAR_CM + _PAD_CM for w in longest_word]
    want = [max(m, min(L, 30) * _CHAR_CM + _PAD_CM) for m, L in zip(minimum, longest, strict=True)]
    if sum(want) <= available_cm:
        extra = available_cm - sum(want)
        return [w + extra * w / sum(want) for w in want]
    spare = available_cm - sum(minimum)
    if spare <= 0:
        return [available_cm * m / sum(minimum) for m in minimum]
    grow = [w - m for w, m in zip(want, minimum, strict=True)]
    return [m + spare * g / sum(grow) for m, g in zip(minimum, grow, strict=True)]


def needs_landscape(t: ReportTable, available_cm: float) -> bool:
    """True when the table's words cannot fit the portrait text width without being broken."""
    records = t.records()
    longest_word = [max((len(w) for r in records for w in r[j].split()), default=1)
                    for j in range(len(records[0]))]
    return sum(max(w, 3) * _CHAR_CM + _PAD_CM for w in longest_word) > available_cm


def _set_orientation(doc: Any, landscape: bool) -> float:
    """Start a new section in landscape or portrait; returns its text width in cm."""
    from docx.enum.section import WD_ORIENT, WD_SECTION

    old = doc.sections[-1]
    width, height = old.page_width, old.page_height
    sec = doc.add_section(WD_SECTION.NEW_PAGE)
    short, long_ = min(width, height), max(width, height)
    sec.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = (long_, short) if landscape else (short, long_)
    return float(sec.page_width.cm) - 2 * _MARGIN_CM


def _add_table_fitting(doc: Any, t: ReportTable, available_cm: float) -> None:
    """A table on the portrait page, or on a landscape page of its own when it is too wide."""
    if not needs_landscape(t, available_cm):
        _add_table(doc, t, available_cm)
        return
    wide = _set_orientation(doc, True)
    _add_table(doc, t, wide)
    _set_orientation(doc, False)


def _add_table(doc: Any, t: ReportTable, available_cm: float) -> None:
    """A journal-style three-line table: a rule above and below the header and one at the end, no grid."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.shared import Cm, Pt

    cap = doc.add_paragraph()
    cap.paragraph_format.keep_with_next = True
    run = cap.add_run(f"{t.number}. ")
    run.bold = True
    cap.add_run(t.title)
    records = t.records()
    table = doc.add_table(rows=len(records), cols=len(t.columns))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _border(table._tbl.tblPr, "w:tblBorders", {"top": 12, "bottom": 12})
    widths = column_widths(records, available_cm)
    for j, col in enumerate(table.columns):  # the grid, which LibreOffice and Word lay out from
        col.width = Cm(widths[j])
    size = Pt(9) if len(t.columns) <= 5 else Pt(8)
    for i, (row, cells) in enumerate(zip(table.rows, records, strict=True)):
        kind = "header" if i == 0 else t.rows[i - 1].kind
        indent = 0 if i == 0 else t.rows[i - 1].indent
        _row_flags(row, header=i == 0)
        # row.cells reads one row; table.cell(i, j) re-reads the whole table on every call (O(n^2)).
        row_cells = row.cells
        for j, text in enumerate(cells):
            cell = row_cells[j]
            cell.width = Cm(widths[j])
            para = cell.paragraphs[0]  # a new cell holds one empty paragraph
            para.paragraph_format.space_after = Pt(0)
            para.paragraph_format.keep_with_next = i < len(records) - 1
            if indent and j == 0:
                para.paragraph_format.left_indent = Cm(0.4 * indent)
            r = para.add_run(text)
            r.font.size = size
            if kind in ("header", "section", "total"):
                r.bold = True
            if kind == "header":
                _border(cell._tc.get_or_add_tcPr(), "w:tcBorders", {"bottom": 6})
        if kind == "section" and len(t.columns) > 1:
            merged = row_cells[0].merge(row_cells[-1])
            for extra in merged.paragraphs[1:]:  # the empty paragraphs of the merged-in cells
                extra._element.getparent().remove(extra._element)
    for note in t.notes:
        p = doc.add_paragraph()
        p.paragraph_format.space_after = Pt(0)
        nr = p.add_run(note)
        nr.font.size = Pt(8)
    doc.add_paragraph()


def _add_figure(doc: Any, png: Path, number: str, caption: str, width_cm: float) -> None:
    from docx.shared import Cm, Pt

    doc.add_picture(str(png), width=Cm(min(width_cm, 16.0)))
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    p = doc.add_paragraph()
    r = p.add_run(f"{number}. ")
    r.bold = True
    cr = p.add_run(caption)
    cr.font.size = Pt(9)


def _page(doc: Any, paper: str) -> float:
    """Set the page size and margins; returns the text width in cm."""
    from docx.shared import Cm

    if paper not in PAPER_SIZES:
        from spinemet.errors import InvalidInputError

        raise InvalidInputError("--paper", paper, ", ".join(PAPER_SIZES))
    width, height = PAPER_SIZES[paper]
    for section in doc.sections:
        section.page_width, section.page_height = Cm(width), Cm(height)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(_MARGIN_CM))
    return width - 2 * _MARGIN_CM


def _properties(doc: Any, report: Report) -> None:
    """Title and author metadata from the study (not python-docx's template defaults)."""
    import datetime as dt

    meta = report.meta
    props = doc.core_properties
    props.title = meta["title"]
    props.author = ", ".join(meta.get("authors") or []) or "spinemet"
    props.last_modified_by = props.author
    props.subject = f"{meta['source_kind']}, {meta['n']} patients"
    props.keywords = "spinal metastases; survival; spinemet"
    props.comments = f"Generated by spinemet {meta['spinemet_version']}"
    props.category = "Study report"
    props.revision = 1
    stamp = dt.datetime.fromisoformat(meta["generated_at"]).replace(tzinfo=None)
    props.created = stamp
    props.modified = stamp


def write_docx(
    report: Report, path: Path, figure_pngs: Mapping[str, Path], *, paper: str | None = None
) -> Path:
    """Write the report to ``path`` (.docx); ``figure_pngs`` maps figure keys to PNG files (300 dpi).

    ``paper``: ``"a4"`` (default, or the report's ``meta["paper"]``) or ``"letter"``."""
    import docx
    from docx.shared import Pt

    from spinemet.report.figure_set import figure_specs
    from spinemet.report.html import SECTION_TITLES

    doc = docx.Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    meta = report.meta
    text_width = _page(doc, paper or meta.get("paper", "a4"))
    _properties(doc, report)
    doc.add_heading(meta["title"], level=0)
    if meta.get("authors"):
        doc.add_paragraph(", ".join(meta["authors"]))
    doc.add_paragraph(
        f"Source: {meta['source_kind']} {meta['source']}; {meta['n']} patients. Generated "
        f"{meta['generated_at']} "
        f"by spinemet {meta['spinemet_version']}. Input SHA-256: {meta['input_sha256'] or 'not available'}. "
        f"Median CI method: {meta['ci_method']}. Table style: {meta['style']}."
    )
    if meta["source_kind"] == "demo cohort":
        doc.add_paragraph("The demo cohort is synthetic: no row describes a real patient.")
    doc.add_heading(SECTION_TITLES["summary"], level=1)
    for line in headline(report):
        doc.add_paragraph(line, style="List Bullet")
    tables = {t.key: t for t in report.tables}
    figures = list(figure_specs(report))
    for section, keys in _LAYOUT:
        if section == "by" and report.by_variable is None:
            continue
        title = SECTION_TITLES[section]
        if section == "by" and report.by_variable is not None:
            title += f": {report.by_variable.variable}"
            keys = (f"survival_by_{report.by_variable.variable}",)
        doc.add_heading(title, level=1)
        for spec in figures:
            if spec.section == section and spec.key in figure_pngs:
                _add_figure(doc, figure_pngs[spec.key], spec.number, spec.caption, text_width)
        if section == "prediction":
            for name, text in report.caveats.items():
                doc.add_paragraph(f"Caveat ({name}): {text}.")
        for key in keys:
            _add_table_fitting(doc, tables[key], text_width)
        for f in report.findings_for(section):
            doc.add_paragraph(
                f"Contradicts a rule: {f.rule}. {len(f.patient_ids)} patient(s): "
                f"{', '.join(f.patient_ids)} ({f.detail})."
            )
    study = [t for t in report.tables if t.section == "study"]
    if study:
        doc.add_heading(SECTION_TITLES["study"], level=1)
        for t in study:
            _add_table_fitting(doc, t, text_width)
    doc.add_heading(SECTION_TITLES["findings"], level=1)
    if report.findings:
        for f in report.findings:
            doc.add_paragraph(
                f"{f.rule}. {len(f.patient_ids)} patient(s): {', '.join(f.patient_ids)} ({f.detail})."
            )
    else:
        doc.add_paragraph("No row contradicts the checked rules.")
    doc.add_heading(SECTION_TITLES["methods"], level=1)
    doc.add_paragraph(report.methods)
    doc.save(str(path))
    return path
