"""Import templates generated from the cohort format (``spinemet template``): an Excel workbook for data
entry and a REDCap data dictionary, so that a centre can start collecting data that import as is.

Both are generated from :data:`spinemet.cohort.schema.COLUMNS`, like every allowed-value text, so they
cannot disagree with the validator.

- :func:`write_template_xlsx`: sheet ``cohort`` with one column per field (the header row the reader
  looks for), a drop-down list (Excel data validation) for every coded field, an input message naming the
  allowed values and units of every field, whole-number / decimal / date checks for numeric and date
  fields; sheet ``fields`` explains each field (group, core or extension, allowed values, meaning); a
  hidden sheet ``lists`` holds drop-down lists longer than Excel's 255-character inline limit.
- :func:`write_redcap_dictionary`: a REDCap data dictionary (the 18 columns of REDCap's "Data Dictionary"
  CSV): dropdowns with choices ``1, lung | 2, liver | ...`` (the label is the cohort code), ``yesno`` for
  yes/no fields, a checkbox for ``complications``, ``integer``/``number``/``date_ymd`` validation with
  min/max. A records export of a project built from it is read by ``spinemet.cohort.redcap``.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from spinemet.cohort.schema import COLUMNS, YES_NO, Column

__all__ = ["REDCAP_HEADER", "TEMPLATE_FORMATS", "redcap_dictionary_rows", "write_redcap_dictionary",
           "write_template", "write_template_xlsx"]  # fmt: skip

TEMPLATE_FORMATS = ("xlsx", "redcap-dictionary")
"""What ``spinemet template --format`` writes."""

TEMPLATE_ROWS = 1000
"""Rows of the ``cohort`` sheet that carry the drop-down lists and checks."""

REDCAP_HEADER = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
)  # fmt: skip
"""The columns of a REDCap data dictionary CSV, in REDCap's order."""

_EXCEL_TEXT_LIMIT = 255


def _columns(core_only: bool) -> list[Column]:
    return [c for c in COLUMNS if c.core or not core_only]


def _prompt(col: Column) -> str:
    """The input message of a column: its meaning (with units) and allowed values, within Excel's limit."""
    text = f"{col.meaning}. Allowed: {col.allowed}. Empty = missing."
    return text if len(text) <= _EXCEL_TEXT_LIMIT else text[: _EXCEL_TEXT_LIMIT - 3] + "..."


def write_template_xlsx(path: str | os.PathLike[str], *, core_only: bool = False) -> int:
    """Write the Excel import template to ``path`` (atomically); returns the number of fields."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from spinemet.cohort.xlsx_io import SHEET

    columns = _columns(core_only)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    lists = wb.create_sheet("lists")
    lists.sheet_state = "hidden"
    ws.append([c.name for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.freeze_panes = "B2"
    last = TEMPLATE_ROWS + 1
    n_lists = 0
    for k, col in enumerate(columns, start=1):
        letter = get_column_letter(k)
        ws.column_dimensions[letter].width = max(12, len(col.name) + 2)
        ws.cell(row=1, column=k).comment = Comment(_prompt(col), "spinemet")
        dv = _validation(col, lists, n_lists, DataValidation)
        if dv is None:
            dv = DataValidation(allow_blank=True)  # input message only
        elif dv.formula1 and dv.formula1.startswith("lists!"):
            n_lists += 1
        dv.promptTitle = col.name[:32]
        dv.prompt = _prompt(col)
        dv.showInputMessage = True
        dv.errorTitle = f"{col.name}: not allowed"[:32]
        dv.error = f"Allowed: {col.allowed}"[:_EXCEL_TEXT_LIMIT]
        dv.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(dv)
        if col.kind == "date":
            for row in range(2, last + 1):
                ws.cell(row=row, column=k).number_format = "yyyy-mm-dd"
    info = wb.create_sheet("fields")
    info.append(["column", "group", "core", "allowed values", "meaning"])
    for cell in info[1]:
        cell.font = Font(bold=True)
    for col in columns:
        info.append([col.name, col.group, "core" if col.core else "extension", col.allowed, col.meaning])
    for letter, width in zip("ABCDE", (28, 12, 10, 60, 60), strict=True):
        info.column_dimensions[letter].width = width
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(columns)


def _validation(col: Column, lists: object, n_lists: int, dv_class: type) -> object | None:
    """The Excel data validation of a column: a list for codes, whole/decimal numbers, dates; or None."""
    from openpyxl.utils import get_column_letter

    if col.kind in ("category", "binary") or (col.kind == "integer" and col.values):
        values = list(col.values)
        if col.name in ("frankel_pre", "frankel_post"):
            values.append("D")  # original Frankel D (rows with frankel_scale = original)
        inline = '"' + ",".join(values) + '"'
        if len(inline) <= _EXCEL_TEXT_LIMIT:
            return dv_class(type="list", formula1=inline, allow_blank=True, showErrorMessage=True)
        letter = get_column_letter(n_lists + 1)
        for r, v in enumerate(values, start=1):
            lists.cell(row=r, column=n_lists + 1, value=v)  # type: ignore[attr-defined]
        ref = f"lists!${letter}$1:${letter}${len(values)}"
        return dv_class(type="list", formula1=ref, allow_blank=True, showErrorMessage=True)
    if col.kind in ("integer", "number") and not col.special:
        kind = "whole" if col.kind == "integer" else "decimal"
        low = -1e12 if col.low is None else col.low
        high = 1e12 if col.high is None else col.high
        return dv_class(type=kind, operator="between", formula1=_num(low), formula2=_num(high),
                        allow_blank=True, showErrorMessage=True)  # fmt: skip
    if col.kind == "date":
        return dv_class(type="date", operator="between", formula1="DATE(1900,1,1)",
                        formula2="DATE(2200,12,31)", allow_blank=True, showErrorMessage=True)  # fmt: skip
    return None


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def redcap_dictionary_rows(*, core_only: bool = False, form: str = "spinemet") -> list[list[str]]:
    """The data dictionary's rows (without the header :data:`REDCAP_HEADER`)."""
    rows = []
    for col in _columns(core_only):
        ftype, choices, validation, low, high = "text", "", "", "", ""
        if col.kind in ("category", "binary") or (col.kind == "integer" and col.values):
            if col.values == YES_NO:
                ftype = "yesno"
            else:
                ftype = "dropdown"
                values = list(col.values)
                if col.name in ("frankel_pre", "frankel_post"):
                    values.append("D")
                choices = " | ".join(f"{k}, {v}" for k, v in enumerate(values, start=1))
        elif col.kind == "multi":
            ftype = "checkbox"
            choices = " | ".join(f"{k}, {v}" for k, v in enumerate(col.values, start=1))
        elif col.kind in ("integer", "number") and not col.special:
            validation = "integer" if col.kind == "integer" else "number"
            low = "" if col.low is None else _num(col.low)
            high = "" if col.high is None else _num(col.high)
        elif col.kind == "integer":  # age: "90+" is allowed, so plain text with a note
            validation = ""
        elif col.kind == "date":
            validation = "date_ymd"
        note = f"Allowed: {col.allowed}"
        required = "y" if col.required else ""
        rows.append([col.name, form, "", ftype, col.meaning, choices, note, validation, low, high, "", "",
                     required, "", "", "", "", ""])  # fmt: skip
    return rows


def write_redcap_dictionary(path: str | os.PathLike[str], *, core_only: bool = False) -> int:
    """Write the REDCap data dictionary CSV to ``path`` (atomically); returns the number of fields."""
    rows = redcap_dictionary_rows(core_only=core_only)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(REDCAP_HEADER)
    writer.writerows(rows)
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(buf.getvalue(), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(rows)


def write_template(path: str | os.PathLike[str], fmt: str = "xlsx", *, core_only: bool = False) -> int:
    """Write a template of format ``fmt`` (:data:`TEMPLATE_FORMATS`); returns the number of fields."""
    if fmt == "xlsx":
        return write_template_xlsx(path, core_only=core_only)
    if fmt == "redcap-dictionary":
        return write_redcap_dictionary(path, core_only=core_only)
    raise ValueError(f"--format: got {fmt!r}; allowed: {', '.join(TEMPLATE_FORMATS)}")
