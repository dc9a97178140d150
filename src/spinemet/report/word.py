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


def _shade(cell: Any, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    tc_pr.append(shd)


def _add_table(doc: Any, t: ReportTable) -> None:
    from docx.shared import Pt

    cap = doc.add_paragraph()
    run = cap.add_run(f"{t.number}. {t.title}")
    run.bold = True
    records = t.records()
    table = doc.add_table(rows=len(records), cols=len(t.columns))
    table.style = "Table Grid"
    for i, (row, cells) in enumerate(zip(table.rows, records, strict=True)):
        kind = "header" if i == 0 else t.rows[i - 1].kind
        indent = 0 if i == 0 else t.rows[i - 1].indent
        # row.cells reads one row; table.cell(i, j) re-reads the whole table on every call (O(n^2)).
        row_cells = row.cells
        for j, text in enumerate(cells):
            cell = row_cells[j]
            para = cell.paragraphs[0]  # a new cell holds one empty paragraph
            r = para.add_run(("    " * indent if j == 0 else "") + text)
            r.font.size = Pt(9)
            if kind in ("header", "section", "total"):
                r.bold = True
            if kind == "header":
                _shade(cell, "E6E9EE")
        if kind == "section" and len(t.columns) > 1:
            merged = row_cells[0].merge(row_cells[-1])
            for extra in merged.paragraphs[1:]:  # the empty paragraphs of the merged-in cells
                extra._element.getparent().remove(extra._element)
    for note in t.notes:
        p = doc.add_paragraph()
        nr = p.add_run(note)
        nr.font.size = Pt(8)
        nr.italic = True
    doc.add_paragraph()


def _add_figure(doc: Any, png: Path, number: str, caption: str) -> None:
    from docx.shared import Inches, Pt

    doc.add_picture(str(png), width=Inches(6.0))
    p = doc.add_paragraph()
    r = p.add_run(f"{number}. ")
    r.bold = True
    cr = p.add_run(caption)
    cr.font.size = Pt(9)


def write_docx(report: Report, path: Path, figure_pngs: Mapping[str, Path]) -> Path:
    """Write the report to ``path`` (.docx); ``figure_pngs`` maps figure keys to PNG files (300 dpi)."""
    import docx
    from docx.shared import Pt

    from spinemet.report.figure_set import figure_specs
    from spinemet.report.html import SECTION_TITLES

    doc = docx.Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(10)
    meta = report.meta
    doc.add_heading("Study report: palliative spinal stabilization for metastatic spinal tumours", level=0)
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
                _add_figure(doc, figure_pngs[spec.key], spec.number, spec.caption)
        if section == "prediction":
            for name, text in report.caveats.items():
                doc.add_paragraph(f"Caveat ({name}): {text}.")
        for key in keys:
            _add_table(doc, tables[key])
        for f in report.findings_for(section):
            doc.add_paragraph(
                f"Contradicts a rule: {f.rule}. {len(f.patient_ids)} patient(s): "
                f"{', '.join(f.patient_ids)} ({f.detail})."
            )
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
