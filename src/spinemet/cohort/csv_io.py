"""Cohort CSV files: reading (UTF-8, BOM, CRLF, ``;``/tab detection, stray spaces) and writing.

Row numbers are the file's line numbers: header = line 1, first record = line 2 (a record whose quoted
field spans several lines is numbered by its first line).
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from spinemet.cohort.problems import CohortValidationError, Problem
from spinemet.cohort.raw import RawTable
from spinemet.cohort.schema import COLUMN_BY_NAME

__all__ = ["decode_text", "number_text", "read_csv_raw", "text_frame", "write_csv"]

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


def decode_text(data: bytes, source: str) -> str:
    """The text of a CSV file; refuses anything but UTF-8 (a UTF-8 BOM is dropped)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CohortValidationError(
            [Problem(None, None, None, "UTF-8 text",
                     "the file is UTF-16 (Excel 'Unicode text'); save it as 'CSV UTF-8 (comma delimited)'")],
            source,
        )  # fmt: skip
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start : exc.start + 1].hex()
        raise CohortValidationError(
            [Problem(line, None, f"0x{byte}", "UTF-8 text",
                     f"the file is not UTF-8 (byte 0x{byte} on line {line} is not valid UTF-8; the file is "
                     "probably Windows-1252 or Shift_JIS); save it as 'CSV UTF-8' and try again")],
            source,
        ) from None  # fmt: skip


def _header_line(text: str) -> str:
    start = 0
    while True:
        end = text.find("\n", start)
        line = text[start:] if end < 0 else text[start:end]
        if line.strip():
            return line.rstrip("\r")
        if end < 0:
            return ""
        start = end + 1


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _records(text: str, delim: str) -> tuple[list[int], list[int], list[bool]]:
    """(first line of each record, its number of fields, whether it is blank); blank lines are records."""
    if '"' not in text:
        lines = text.split("\n")  # not splitlines(): cells may hold \x0c or \u2028, which are not line ends
        if lines and lines[-1] == "":
            lines.pop()
        return (
            list(range(1, len(lines) + 1)),
            [line.count(delim) + 1 for line in lines],
            [not line.strip() for line in lines],
        )
    starts: list[int] = []
    counts: list[int] = []
    blank: list[bool] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    prev = 0
    for fields in reader:
        starts.append(prev + 1)
        counts.append(len(fields) if fields else 1)
        blank.append(not fields or (len(fields) == 1 and not fields[0].strip()))
        prev = reader.line_num
    return starts, counts, blank


def read_csv_raw(path: str | os.PathLike[str], *, text: str | None = None) -> RawTable:
    """Read a cohort CSV file into a :class:`RawTable` of strings (cells not yet checked)."""
    source = str(path)
    if text is None:
        text = decode_text(Path(path).read_bytes(), source)
    notes: list[Problem] = []
    if "\n" not in text and "\r" in text:  # classic Mac line ends
        text = text.replace("\r", "\n")
    header = _header_line(text)
    if not header:
        raise CohortValidationError([Problem(1, None, None, "a header row", "the file is empty")], source)
    delim = _delimiter(header)
    if delim != ",":
        notes.append(Problem(None, None, _DELIMITERS[delim], "comma-separated values",
                             f"columns are separated by {_DELIMITERS[delim]}s, not commas; read as such",
                             "warning"))  # fmt: skip
    lines, counts, blank = _records(text, delim)
    first = blank.index(False)  # the header is the first non-blank record
    n_header = counts[first]
    ragged = [
        Problem(lines[k], None, None, f"{n_header} fields, as in the header",
                f"row has {counts[k]} fields but the header has {n_header}")
        for k in range(first + 1, len(counts))
        if counts[k] != n_header and not blank[k]
    ]  # fmt: skip
    if ragged:
        raise CohortValidationError(notes + ragged, source)
    frame = pd.read_csv(
        # category: each distinct string is stored once (a million rows of 80 columns fit in ~0.5 GB)
        io.StringIO(text), sep=delim, header=None, dtype="category", keep_default_na=False, na_filter=False,
        skip_blank_lines=False, engine="c", names=range(n_header),
    )  # fmt: skip
    rows = np.asarray(lines[: len(frame)], dtype=np.int64)
    names = [str(v).strip().lstrip("\ufeff") for v in frame.iloc[first]]
    frame = frame.iloc[first + 1 :]
    rows = rows[first + 1 :]
    frame.columns = pd.Index(range(frame.shape[1]))
    # drop blank records (blank lines, rows of empty cells such as Excel's trailing ",,,")
    empty = np.ones(len(frame), dtype=bool)
    for k in range(frame.shape[1]):
        if not empty.any():
            break
        empty &= frame[k].str.strip().to_numpy() == ""
    if empty.any():
        frame = frame[~empty]
        rows = rows[~empty]
    # unnamed columns: dropped when empty (a trailing delimiter), an error otherwise
    keep = []
    for k, name in enumerate(names):
        if name == "":
            if (frame[k].str.strip() != "").any():
                notes.append(Problem(first + 1, None, None, "a column name",
                                     f"column {k + 1} has values but no name"))  # fmt: skip
            continue
        keep.append(k)
    frame = frame[keep]
    frame.columns = pd.Index([names[k] for k in keep])
    frame = frame.reset_index(drop=True)
    return RawTable(frame, rows, header_row=lines[first], notes=notes)


def number_text(values: pd.Series | np.ndarray) -> np.ndarray:
    """Numbers as the shortest text that reads back to the same double: ``3`` for 3.0, ``3.5``, ``0.1``
    (never ``3.0``, never exponent notation); missing values as ``""``."""
    x = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    out = np.full(len(x), "", dtype=object)
    finite = np.isfinite(x)
    with np.errstate(invalid="ignore"):
        whole = finite & (np.mod(x, 1) == 0) & (np.abs(x) < 2.0**53)
    out[whole] = (x[whole] + 0.0).astype(np.int64).astype(str)
    rest = np.flatnonzero(finite & ~whole)
    out[rest] = [np.format_float_positional(v, unique=True, trim="-") for v in x[rest].tolist()]
    return out


def text_frame(typed: pd.DataFrame) -> pd.DataFrame:
    """A typed cohort frame as the strings written to CSV: integer columns without ``.0``, decimal
    columns in the shortest round-trip form (``3``, ``3.5``), dates ISO, NA empty."""
    out = {}
    for name in typed.columns:
        s = typed[name]
        col = COLUMN_BY_NAME.get(str(name))
        if col is not None and col.numeric:
            text = number_text(s.to_numpy())
            if col.special and s.dtype == object:  # age "90+" is written as such
                token = s.isin([t for t, _ in col.special]).to_numpy()
                text[token] = s.to_numpy()[token]
            out[name] = pd.Series(text, index=s.index, dtype=object)
        elif col is not None and col.kind == "date":
            out[name] = s.dt.strftime("%Y-%m-%d")
        else:
            out[name] = s
    return pd.DataFrame(out, index=typed.index)


def write_csv(
    typed: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    progress: Callable[[int, int], None] | None = None,
    chunk: int = 100_000,
) -> None:
    """Write a typed cohort frame as cohort CSV (UTF-8, comma, ``\\n``), atomically, in chunks.

    ``progress(done, total)`` is called after each chunk of ``chunk`` rows.
    """
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    n = len(typed)
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        for start in range(0, max(n, 1), chunk):
            part = text_frame(typed.iloc[start : start + chunk])
            part.to_csv(fh, index=False, header=start == 0, lineterminator="\n", na_rep="")
            if progress is not None:
                progress(min(start + chunk, n), n)
    os.replace(tmp, path)
