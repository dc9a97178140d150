"""Cohort Excel workbooks (.xlsx, openpyxl): reading the sheet ``cohort`` (or the first sheet) and writing.

Row numbers are the sheet's row numbers, as Excel shows them. The header is the first row that names a column
of the format (a title row above it is skipped, with a warning naming the row used), else the first
non-empty row.
"""

from __future__ import annotations

import datetime as _dt
import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd

from spinemet.cohort.atomic_file import replacing
from spinemet.cohort.problems import CohortValidationError, Problem
from spinemet.cohort.raw import RawTable
from spinemet.cohort.schema import COLUMN_BY_NAME, COLUMNS

__all__ = ["EXCEL_MAX_ROWS", "SHEET", "read_xlsx_raw", "write_xlsx"]

SHEET = "cohort"
"""The sheet holding the cohort; a second sheet ``columns`` describes the columns."""

EXCEL_MAX_ROWS = 1_048_576


def read_xlsx_raw(path: str | os.PathLike[str]) -> RawTable:
    """Read the cohort sheet of an .xlsx workbook into a :class:`RawTable` (cells as Excel typed them)."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    source = str(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, ParseError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise CohortValidationError(
            [Problem(None, None, None, "an .xlsx workbook", f"not a readable .xlsx workbook ({exc})")], source
        ) from None
    notes: list[Problem] = []
    try:
        if SHEET in wb.sheetnames:
            ws = wb[SHEET]
        else:
            ws = wb.worksheets[0]
            if len(wb.sheetnames) > 1:
                notes.append(Problem(None, None, ws.title, f"a sheet named {SHEET!r}",
                                     f"no sheet named {SHEET!r}; read the first sheet {ws.title!r}",
                                     "warning"))  # fmt: skip
        header: list[str] | None = None
        header_row = None
        records: list[tuple[Any, ...]] = []
        rows: list[int] = []
        above: list[tuple[int, tuple[Any, ...]]] = []  # non-empty rows before the header is found
        for r, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
            if r > EXCEL_MAX_ROWS:  # only a crafted file has more rows than Excel allows
                raise CohortValidationError(
                    [Problem(r, None, None, f"at most {EXCEL_MAX_ROWS} sheet rows",
                             f"the sheet has more than {EXCEL_MAX_ROWS} rows, Excel's limit; "
                             "the file was not written by Excel (use CSV for large cohorts)")],
                    source,
                )  # fmt: skip
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            if header is None:
                if is_header_row(values) or len(above) >= HEADER_SEARCH_ROWS:
                    header, header_row = _header_of(values, r, above, records, rows)
                else:
                    above.append((r, values))
                continue
            records.append(values)
            rows.append(r)
        if header is None and above:  # no row of known column names: the first non-empty row
            (r, values), rest = above[0], above[1:]
            header, header_row = ["" if v is None else str(v).strip() for v in values], r
            records[:0], rows[:0] = [v for _, v in rest], [k for k, _ in rest]
        elif above and header_row is not None:
            notes.append(Problem(header_row, None, None, "column names in the first row",
                                 f"used row {header_row} as the header (the first row of known column "
                                 f"names); skipped {len(above)} row(s) above it", "warning"))  # fmt: skip
    except CohortValidationError:
        raise
    except (ParseError, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        # a damaged sheet (malformed XML, a truncated member): the reason, not a traceback
        raise CohortValidationError(
            [Problem(None, None, None, "an .xlsx workbook",
                     f"the workbook's sheet cannot be read ({type(exc).__name__}: {str(exc)[:200]})")],
            source,
        ) from None  # fmt: skip
    finally:
        wb.close()
    if header is None:
        raise CohortValidationError([Problem(1, None, None, "a header row", "the sheet is empty")], source)
    width = len(header)
    from spinemet.cohort.csv_io import MAX_COLUMNS

    if width > MAX_COLUMNS:
        message = f"the header has {width} columns; allowed: at most {MAX_COLUMNS}"
        allowed = f"at most {MAX_COLUMNS} columns"
        raise CohortValidationError([Problem(header_row, None, None, allowed, message)], source)
    cols: dict[int, list[Any]] = {k: [] for k in range(width)}
    for values in records:
        for k in range(width):
            cols[k].append(values[k] if k < len(values) else None)
        for k in range(width, len(values)):
            if values[k] is not None and str(values[k]).strip():
                notes.append(Problem(rows[len(cols[0]) - 1], None, values[k], "a column with a name",
                                     f"cell in column {k + 1} has a value but no column name"))  # fmt: skip
    keep = [k for k in range(width) if header[k] != ""]
    for k in range(width):
        if header[k] == "" and any(v is not None and str(v).strip() for v in cols[k]):
            notes.append(
                Problem(header_row, None, None, "a column name", f"column {k + 1} has values but no name")
            )
    frame = pd.DataFrame({k: pd.Series(cols[k], dtype=object) for k in keep})
    frame.columns = pd.Index([header[k] for k in keep])
    return RawTable(frame, np.asarray(rows, dtype=np.int64), header_row=header_row, notes=notes)


HEADER_SEARCH_ROWS = 20
"""How many non-empty rows above the header (a title, notes) are looked through for the header row."""


def is_header_row(values: tuple[Any, ...]) -> bool:
    """True when at least one cell is a column name of the cohort format (any case): a title row above the
    header ("Spine registry 2024") names none."""
    names = {str(v).strip().lower() for v in values if v is not None and str(v).strip()}
    return bool(names & _LOWER_NAMES)


_LOWER_NAMES = frozenset(c.name.lower() for c in COLUMNS)


def _header_of(
    values: tuple[Any, ...],
    r: int,
    above: list[tuple[int, tuple[Any, ...]]],
    records: list[tuple[Any, ...]],
    rows: list[int],
) -> tuple[list[str], int]:
    """(header, header row) for row ``r``; when the search gave up, the rows kept in ``above`` are data."""
    if not is_header_row(values):  # searched HEADER_SEARCH_ROWS rows: the first non-empty row is the header
        (first_r, first), rest = above[0], [*above[1:], (r, values)]
        above.clear()
        records.extend(v for _, v in rest)
        rows.extend(k for k, _ in rest)
        return ["" if v is None else str(v).strip() for v in first], first_r
    return ["" if v is None else str(v).strip() for v in values], r


def _cell_values(typed: pd.DataFrame, name: str) -> list[Any]:
    s = typed[name]
    col = COLUMN_BY_NAME.get(str(name))
    if col is not None and col.special and s.dtype == object:  # age "90+" stays the text "90+"
        return [None if pd.isna(v) else (v if isinstance(v, str) else int(v)) for v in s]
    if col is not None and col.kind in ("integer", "binary"):
        x = s.to_numpy(dtype=float)
        return [None if np.isnan(v) else int(v) for v in x]
    if col is not None and col.kind == "number":
        x = s.to_numpy(dtype=float)
        return [None if np.isnan(v) else float(v) for v in x]
    if col is not None and col.kind == "date":
        return [None if pd.isna(v) else v.to_pydatetime() for v in s]
    return [None if pd.isna(v) else (v if isinstance(v, str | int | float) else str(v)) for v in s]


def _text_cell(ws: Any, text: str) -> Any:
    """A cell holding ``text`` as text: openpyxl would write text starting with ``=`` as a live formula
    (``=HYPERLINK(...)``); the cell type is forced to string, so Excel shows the text as typed."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    return cell


def write_xlsx(
    typed: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write a typed cohort frame to sheet ``cohort`` (dates as Excel dates) plus a ``columns`` sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    n = len(typed)
    if n + 1 > EXCEL_MAX_ROWS:
        raise ValueError(f"rows: got {n}; allowed: at most {EXCEL_MAX_ROWS - 1} in an .xlsx sheet (use CSV)")
    path = Path(path)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET)
    names = [str(c) for c in typed.columns]
    ws.append([_text_cell(ws, name) for name in names])
    columns = [_cell_values(typed, name) for name in names]
    is_date = [COLUMN_BY_NAME.get(name) is not None and COLUMN_BY_NAME[name].kind == "date" for name in names]
    step = max(n // 20, 1)
    for i in range(n):
        row: list[Any] = []
        for k, values in enumerate(columns):
            v = values[i]
            if is_date[k] and isinstance(v, _dt.datetime):
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "yyyy-mm-dd"
                row.append(cell)
            elif isinstance(v, str) and v.startswith("="):
                row.append(_text_cell(ws, v))
            else:
                row.append(v)
        ws.append(row)
        if progress is not None and (i + 1) % step == 0:
            progress(i + 1, n)
    info = wb.create_sheet("columns")
    info.append(["column", "core", "allowed", "meaning"])
    for c in COLUMNS:
        if c.name in names:
            info.append([c.name, "core" if c.core else "extension", c.allowed, c.meaning])
    with replacing(path) as tmp:
        wb.save(tmp)
    if progress is not None:
        progress(n, n)
