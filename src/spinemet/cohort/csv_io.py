"""Cohort CSV files: reading (UTF-8, BOM, CRLF, ``;``/tab detection, stray spaces) and writing.

Row numbers are the file's line numbers: header = line 1, first record = line 2 (a record whose quoted
field spans several lines is numbered by its first line).
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from spinemet.cohort.atomic_file import replacing
from spinemet.cohort.problems import CohortValidationError, Problem
from spinemet.cohort.raw import RawTable
from spinemet.cohort.schema import COLUMN_BY_NAME
from spinemet.cohort.spreadsheet_safety import NEUTRALISED_RE, neutralise_array, neutralise_text, restore_text

__all__ = [
    "MAX_COLUMNS",
    "decode_text",
    "number_text",
    "read_csv_raw",
    "text_frame",
    "unneutralise",
    "write_csv",
]

_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
_CHUNK = 1 << 24  # bytes scanned at a time for line ends and delimiters (bounded temporary arrays)
MAX_COLUMNS = 1000
"""At most this many columns in a cohort file (the format has fewer than 100)."""


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


def _delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _check_encoding(data: bytes, source: str) -> None:
    """Refuse anything but UTF-8 (checked without keeping a decoded copy of an all-ASCII file)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        decode_text(data[:2], source)  # raises the UTF-16 message
    if not data.isascii():
        decode_text(data, source)  # raises with the line of the first invalid byte


def _header_record(data: bytes) -> tuple[int, int]:
    """(offset, end) of the first non-blank line."""
    start = 0
    while start < len(data):
        end = data.find(b"\n", start)
        end = len(data) if end < 0 else end
        if data[start:end].strip():
            return start, end
        start = end + 1
    return len(data), len(data)


def _layout_plain(data: bytes, delim: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each line's start offset, end offset (its ``\\n`` or the end of the data) and number of fields,
    for data without quotes; vectorised in bounded chunks (no Python object per line)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    nl_code, d_code = ord("\n"), delim[0]
    ends: list[np.ndarray] = []
    cums: list[np.ndarray] = []
    total = 0
    for start in range(0, len(arr), _CHUNK):
        part = arr[start : start + _CHUNK]
        nl = np.flatnonzero(part == nl_code)
        dp = np.flatnonzero(part == d_code)
        ends.append(nl + start)
        cums.append(total + np.searchsorted(dp, nl))
        total += len(dp)
    end = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
    cum = np.concatenate(cums) if cums else np.zeros(0, dtype=np.int64)
    if len(data) and data[-1:] != b"\n":  # a last line without its line end
        end = np.append(end, len(data))
        cum = np.append(cum, total)
    begin = np.concatenate(([0], end[:-1] + 1)).astype(np.int64)
    counts = np.diff(cum, prepend=0) + 1
    return begin, end.astype(np.int64), counts


def _layout_quoted(text: str, delim: str) -> tuple[list[int], list[int], list[int], list[tuple[int, int]]]:
    """(first line, last line, number of fields of each record, (record, field) of each NUL) with
    quoted fields, through the csv module (quoted fields may span lines)."""
    firsts: list[int] = []
    lasts: list[int] = []
    counts: list[int] = []
    nuls: list[tuple[int, int]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    prev = 0
    for fields in reader:
        if "\x00" in "".join(fields):
            nuls += [(len(firsts), k) for k, f in enumerate(fields) if "\x00" in f]
        firsts.append(prev + 1)
        lasts.append(reader.line_num)
        counts.append(len(fields) if fields else 1)
        prev = reader.line_num
    return firsts, lasts, counts, nuls


def _nul_cells(data: bytes, begin: np.ndarray, delim: bytes) -> list[tuple[int, int]]:
    """(line index, field index) of each cell holding a NUL byte (files without quotes)."""
    found: list[tuple[int, int]] = []
    pos = data.find(b"\x00")
    while pos >= 0:
        line = int(np.searchsorted(begin, pos, side="right")) - 1
        cell = (line, data.count(delim, int(begin[line]), pos))
        if not found or found[-1] != cell:
            found.append(cell)
        pos = data.find(b"\x00", pos + 1)
    return found


def _header_names(record: bytes, delim: str) -> list[str]:
    text = record.decode("utf-8").rstrip("\r\n")
    fields = next(csv.reader([text], delimiter=delim), [])
    return [f.strip().lstrip("\ufeff") for f in fields]


def _kept_bytes(data: bytes, begin: np.ndarray, end: np.ndarray, keep: np.ndarray) -> bytes | memoryview:
    """The bytes of the kept records (each with its line end), joined run by run."""
    idx = np.flatnonzero(keep)
    if idx.size == 0:
        return b""
    if idx.size == len(keep) or idx[-1] - idx[0] + 1 == idx.size:  # one contiguous run
        return memoryview(data)[int(begin[idx[0]]) : int(end[idx[-1]]) + 1]
    breaks = np.flatnonzero(np.diff(idx) != 1)
    starts = np.concatenate(([idx[0]], idx[breaks + 1]))
    stops = np.concatenate((idx[breaks], [idx[-1]]))
    parts = [
        data[int(begin[a]) : int(end[b]) + 1] for a, b in zip(starts.tolist(), stops.tolist(), strict=True)
    ]
    return b"".join(p if p.endswith(b"\n") else p + b"\n" for p in parts)


def unneutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo the spreadsheet-formula neutralisation of :mod:`spinemet.cohort.spreadsheet_safety` (``'=``
    -> ``=``), so that an export reads back unchanged; works on the distinct values of each column."""
    for k in frame.columns:
        s = frame[k]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if not len(cats) or cats.dtype != object:
                continue
            marked = cats.str.match(NEUTRALISED_RE.pattern)
            if not marked.any():
                continue
            new = [restore_text(c) for c in cats.tolist()]
            if len(set(new)) == len(new):
                frame[k] = s.cat.rename_categories(new)
            else:
                frame[k] = s.astype(object).map(restore_text).astype("category")
        elif s.dtype == object and _may_be_neutralised(s.to_numpy()):
            frame[k] = s.map(lambda v: restore_text(v) if isinstance(v, str) else v)
    return frame


def _may_be_neutralised(values: np.ndarray) -> bool:
    """False when no cell can be neutralised text (none begins with an apostrophe), checked on all the
    cells joined in one string (a million ids in milliseconds); True when unsure (cells not all text)."""
    try:
        joined = "\n" + "\n".join(values.tolist())
    except TypeError:
        return True
    return "\n'" in joined


def _plain_text_column(name: str) -> bool:
    """Columns whose values are all different (``patient_id``): kept as plain text, not categories
    (a dictionary of a million distinct ids would only cost time and memory)."""
    col = COLUMN_BY_NAME.get(name)
    return col is not None and col.unique


def _parse_records(
    path: str | os.PathLike[str],
    body: bytes | memoryview | None,
    delim: str,
    names: list[str],
    quoted: bool,
    engine: str,
) -> pd.DataFrame:
    """The records (``body``, or the file after its one-line header when ``body`` is None), every cell as
    its exact text: a categorical column (object categories) per header name, plain ``object`` text for
    :func:`_plain_text_column`. Columns are labelled 0..n-1.

    pyarrow's multi-threaded reader is used; pandas' C parser is the fallback (``engine="pandas"``, or
    when pyarrow refuses the records, which the record scan should make impossible)."""
    if engine not in ("pyarrow", "pandas"):
        raise ValueError(f"engine: got {engine!r}; allowed: 'pyarrow' or 'pandas'")
    try:
        import pyarrow as pa
    except ImportError:  # a dependency, but an environment without it still reads CSV (more slowly)
        engine = "pandas"
    if engine == "pyarrow":
        try:
            return _parse_arrow(path, body, delim, names, quoted)
        except pa.ArrowInvalid:
            # pyarrow refused a record the scan found well-formed (a quoting case where the csv module
            # and pyarrow differ): pandas parses it, and the record count is checked as ever
            pass
    return _parse_pandas(path, body, delim, names)


def _parse_arrow(
    path: str | os.PathLike[str], body: bytes | memoryview | None, delim: str, names: list[str], quoted: bool
) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    n = len(names)
    labels = [str(k) for k in range(n)]
    text_type = pa.dictionary(pa.int32(), pa.string())
    types = {labels[k]: pa.string() if _plain_text_column(names[k]) else text_type for k in range(n)}
    read = pacsv.ReadOptions(column_names=labels, skip_rows=1 if body is None else 0)
    # without quotes in the file, quote handling is switched off: a lone " is then text, as in the scan
    parse = pacsv.ParseOptions(
        delimiter=delim,
        quote_char='"' if quoted else False,
        double_quote=True,
        escape_char=False,
        newlines_in_values=quoted,
        ignore_empty_lines=False,
    )
    convert = pacsv.ConvertOptions(
        column_types=types,
        null_values=[],
        true_values=[],
        false_values=[],
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
        check_utf8=False,  # UTF-8 already checked (_check_encoding)
    )
    source: Any = Path(path) if body is None else pa.BufferReader(pa.py_buffer(body))
    table = pacsv.read_csv(source, read_options=read, parse_options=parse, convert_options=convert,
                           memory_pool=_arrow_pool())  # fmt: skip
    columns = table.columns
    del table
    out: dict[int, pd.Series] = {}
    for k in range(n):
        chunked = columns[k]
        columns[k] = None  # freed column by column
        if pa.types.is_dictionary(chunked.type):
            whole = chunked.unify_dictionaries().combine_chunks() if chunked.num_chunks else None
            if whole is None:
                codes, cats = np.zeros(0, dtype=np.int32), []
            else:
                codes = whole.indices.to_numpy(zero_copy_only=False)
                cats = whole.dictionary.to_pylist()
            del whole
            out[k] = pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object),
                                                         validate=False), copy=False)  # fmt: skip
        else:
            values = chunked.to_numpy(zero_copy_only=False)
            out[k] = pd.Series(np.asarray(values, dtype=object), dtype=object, copy=False)
        del chunked
    return pd.DataFrame(out, copy=False)


def _arrow_pool() -> Any:
    """jemalloc when pyarrow has it: the parsed table is freed column by column while the frame is built,
    and jemalloc gives those pages back after its decay time (measured: before validation reaches its
    peak); with the default pool (mimalloc) or the system's malloc the process kept those ~300 MB
    (many small blocks) until it ended (1,000,000 rows: peak RSS 1.8 GB instead of 1.3 GB). A decay of 0
    gave the same peak for 0.6 s more system time."""
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc (e.g. some conda or Windows builds)
        return pa.default_memory_pool()


def _parse_pandas(
    path: str | os.PathLike[str], body: bytes | memoryview | None, delim: str, names: list[str]
) -> pd.DataFrame:
    """The fallback parser: pandas' C engine, every cell read as text then made categorical (object
    categories: pandas 3 would infer their type, ``075`` -> 75, which loses what the validator must see)."""
    options: dict[str, Any] = dict(
        sep=delim, header=None, dtype=object, keep_default_na=False, na_filter=False,
        skip_blank_lines=False, engine="c", names=range(len(names)), encoding="utf-8",
    )  # fmt: skip
    if body is None:
        frame = pd.read_csv(path, skiprows=1, **options)
    else:
        frame = pd.read_csv(io.BytesIO(body), **options)
    for k in frame.columns:
        values = frame[k].to_numpy(dtype=object)
        if _plain_text_column(names[k]):
            frame[k] = pd.Series(values, dtype=object, copy=False)
            continue
        codes, uniques = pd.factorize(values)
        frame[k] = pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype=object))
    return frame


#: A quoted cell up to its closing quote: a quote not followed by another (``""`` is a quote inside).
_CLOSED_QUOTED = re.compile(rb'"[^"]*(?:""[^"]*)*"(?!")')


def _ends_in_open_quote(data: bytes, start: int, delim: bytes) -> bool:
    """Whether the file ends inside a quoted cell opened in its last record (which starts at ``start``):
    the csv module's reading of that record, cell by cell. A cell that starts with a quote runs to its
    closing quote (``""`` inside is a quote), then, like any other cell, to the next delimiter or line end,
    its quotes taken literally (``5" screw``); the file ends in an open quote when a quoted cell finds no
    closing quote. (Counting the file's quotes would also count a literal quote in an earlier record.)"""
    rest = re.compile(b"[^" + re.escape(delim) + b"\r\n]*")
    pos, n = start, len(data)
    while pos < n:
        if data[pos : pos + 1] == b'"':
            closed = _CLOSED_QUOTED.match(data, pos)
            if closed is None:
                return True
            pos = closed.end()
        pos = rest.match(data, pos).end()  # type: ignore[union-attr]  # matches the empty string at least
        if data[pos : pos + 1] != delim:
            return False  # the record ended (a line end) or the file did
        pos += 1
    return False


def _scan_and_parse(
    path: str | os.PathLike[str], box: list[bytes], delim: str, plain_file: bool, engine: str, source: str
) -> tuple[pd.DataFrame, np.ndarray, int, list[str], list[Problem]]:
    """(frame, row of each record, header row, column names, problems of records) through the record
    layout: each line's fields counted, blank lines, NUL bytes and quoted cells found, then the
    well-formed records parsed (rows numbered by their first line). The file's bytes come in ``box``,
    emptied so that they are freed before the parser's copy is made."""
    data = box.pop()
    bdelim = delim.encode("ascii")
    begin, end, line_fields = _layout_plain(data, bdelim)
    if b'"' in data:  # quoted fields may hold delimiters and line ends: records through the csv module
        firsts, lasts, fields, nul_at = _layout_quoted(data.decode("utf-8"), delim)
        first_line = np.asarray(firsts, dtype=np.int64)
        if lasts and lasts[-1] > len(begin):  # a lone carriage return inside the file counts as a line end
            message = ("the file mixes line ends (a carriage return without a line feed inside it); save it "
                       "again as 'CSV UTF-8'")  # fmt: skip
            raise CohortValidationError([Problem(None, None, None, "one kind of line end", message)], source)
        last_line = np.asarray(lasts, dtype=np.int64)
        rec_begin = begin[first_line - 1]
        rec_end = end[last_line - 1]
        counts = np.asarray(fields, dtype=np.int64)
        nuls = [(int(first_line[r]), f) for r, f in nul_at]
    else:
        first_line = last_line = np.arange(1, len(begin) + 1, dtype=np.int64)
        rec_begin, rec_end, counts = begin, end, line_fields
        nuls = [(line + 1, f) for line, f in _nul_cells(data, begin, bdelim)] if b"\x00" in data else []
    unterminated = None
    if b'"' in data and _ends_in_open_quote(data, int(rec_begin[-1]), bdelim):
        unterminated = len(counts) - 1  # the csv module read the rest of the file as one cell
    blank = np.zeros(len(counts), dtype=bool)
    for k in np.flatnonzero(counts == 1).tolist():
        blank[k] = not data[int(rec_begin[k]) : int(rec_end[k])].strip()
    head = int(np.flatnonzero(~blank)[0])  # the header is the first non-blank record
    names = _header_names(data[int(rec_begin[head]) : int(rec_end[head]) + 1], delim)
    n_header = len(names)
    if n_header > MAX_COLUMNS:
        message = f"the header has {n_header} columns; allowed: at most {MAX_COLUMNS}"
        allowed = f"at most {MAX_COLUMNS} columns"
        raise CohortValidationError([Problem(int(first_line[head]), None, None, allowed, message)], source)
    keep = ~blank
    keep[: head + 1] = False
    problems: list[Problem] = []
    for k in np.flatnonzero(keep & (counts != n_header)).tolist():
        message = f"row has {int(counts[k])} fields but the header has {n_header}"
        if last_line[k] > first_line[k]:  # a quoted cell took in line ends
            message += (f"; a quoted cell makes it run from line {int(first_line[k])} to line "
                        f"{int(last_line[k])} (a quote left open takes in the lines that follow: check the "
                        "quotes)")  # fmt: skip
        problems.append(
            Problem(int(first_line[k]), None, None, f"{n_header} fields, as in the header", message)
        )
        keep[k] = False
    if unterminated is not None and unterminated > head:
        line = int(first_line[unterminated])
        message = (f"a quoted cell opened on line {line} is never closed (a missing \"); the rest of the "
                   "file was read as one cell")  # fmt: skip
        problems = [p for p in problems if p.row != line]
        problems.append(Problem(line, None, None, 'quotes in pairs ("...")', message))
        keep[unterminated] = False
    nul_lines = {line for line, _ in nuls}
    for line, f in nuls:
        column = names[f] if f < n_header else None
        problems.append(Problem(line, column, None, "text without NUL bytes",
                                f"{column or f'field {f + 1}'}: the cell holds a NUL byte (0x00), which is "
                                "not text; the file is damaged or not a CSV export"))  # fmt: skip
    if nul_lines:
        keep &= ~np.isin(first_line, np.fromiter(nul_lines, dtype=np.int64))
    rows = first_line[keep]
    quoted = b'"' in data
    frame: pd.DataFrame | None
    if not len(rows):
        frame = pd.DataFrame({k: pd.Series([], dtype=object) for k in range(n_header)})
    else:
        whole = plain_file and bool(keep[head + 1 :].all()) and int(rec_end[head]) == int(end[head])
        if whole and head == 0 and int(first_line[0]) == 1:
            # every record after a one-line header: the parser reads the file itself, our copy is freed
            del data, begin, end, rec_begin, rec_end
            body: Any = None
        else:
            body = _kept_bytes(data, rec_begin, rec_end, keep)
            del data
        try:
            frame = _parse_records(path, body, delim, names, quoted, engine)
        except pd.errors.ParserError:  # the fallback parser refused the records the scan found
            frame = None
        del body
    if frame is None or len(frame) != len(rows):  # parser and scan disagree: refuse rather than misnumber
        parsed = "none" if frame is None else len(frame)
        raise CohortValidationError([Problem(None, None, None, "a well-formed CSV file",
                                             f"the file's records cannot be told apart ({parsed} parsed, "
                                             f"{len(rows)} found); check its quotes")], source)  # fmt: skip
    return frame, rows, int(first_line[head]), names, problems


def _parse_clean(
    path: str | os.PathLike[str], data: bytes, delim: str, h_end: int
) -> tuple[pd.DataFrame, np.ndarray, int, list[str], list[Problem]] | None:
    """The usual file (header on line 1, no quotes, NUL bytes or lone carriage returns) parsed without
    the record scan: pyarrow refuses a record with another number of fields than the header, and each
    line is one record (an empty line a record of empty cells, dropped later), so record k is line k + 2
    when pyarrow returns as many records as there are lines. ``None`` (then the scan and its exact
    problems) for anything else."""
    if b'"' in data or b"\x00" in data or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n")):
        return None
    n_lines = data.count(b"\n", h_end + 1) + (0 if data.endswith(b"\n") else 1)
    if h_end >= len(data) - 1 or n_lines < 1:
        return None
    names = _header_names(data[: h_end + 1], delim)
    if len(names) > MAX_COLUMNS:
        return None
    try:
        import pyarrow as pa
    except ImportError:
        return None
    try:
        # from the bytes already read and checked (not the file again: it could have changed since)
        frame = _parse_arrow(path, memoryview(data)[h_end + 1 :], delim, names, quoted=False)
    except pa.ArrowInvalid:  # a ragged record: the scan says which
        return None
    if len(frame) != n_lines:
        return None
    return frame, np.arange(2, n_lines + 2, dtype=np.int64), 1, names, []


def read_csv_raw(
    path: str | os.PathLike[str], *, text: str | None = None, engine: str = "pyarrow"
) -> RawTable:
    """Read a cohort CSV file into a :class:`RawTable` of strings (cells not yet checked).

    The bytes are read once. The records are parsed by pyarrow's multi-threaded reader (``engine``;
    ``"pandas"``: pandas' C parser, the fallback) into categorical columns of each cell's exact text (each
    distinct string stored once; ``patient_id`` as plain text). A usual file (header on line 1, no
    quotes, NUL bytes or ragged rows) is parsed as is, its rows being its lines; any other is first
    scanned for its record layout (line numbers, field counts, blank lines, NUL bytes) and only its
    well-formed records are parsed. A record with the wrong number of fields or a NUL byte is that
    record's error: it is left out and every other record is still read and checked.
    """
    source = str(path)
    data = Path(path).read_bytes() if text is None else text.encode("utf-8")
    _check_encoding(data, source)
    plain_file = text is None  # the file's bytes are those parsed (no BOM, usual line ends)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        plain_file = False
    notes: list[Problem] = []
    if b"\n" not in data and b"\r" in data:  # classic Mac line ends
        data = data.replace(b"\r", b"\n")
        plain_file = False
    h_start, h_end = _header_record(data)
    header = data[h_start:h_end].rstrip(b"\r").decode("utf-8")
    if not header.strip():
        raise CohortValidationError([Problem(1, None, None, "a header row", "the file is empty")], source)
    delim = _delimiter(header)
    if delim != ",":
        notes.append(Problem(None, None, _DELIMITERS[delim], "comma-separated values",
                             f"columns are separated by {_DELIMITERS[delim]}s, not commas; read as such",
                             "warning"))  # fmt: skip
    scanned = None
    if engine == "pyarrow" and plain_file and h_start == 0:
        scanned = _parse_clean(path, data, delim, h_end)
    if scanned is None:
        box = [data]
        del data
        scanned = _scan_and_parse(path, box, delim, plain_file, engine, source)
    else:
        del data
    frame, rows, header_line, names, problems = scanned
    # drop blank records (rows of empty cells such as Excel's trailing ",,,")
    empty = np.ones(len(frame), dtype=bool)
    for k in range(frame.shape[1]):
        if not empty.any():
            break
        empty &= _blank_cells(frame[k])
    if empty.any():
        frame = frame[~empty]
        rows = rows[~empty]
    # unnamed columns: dropped when empty (a trailing delimiter), an error otherwise
    keep_cols = []
    for k, name in enumerate(names):
        if name == "":
            if (~_blank_cells(frame[k])).any():
                notes.append(Problem(header_line, None, None, "a column name",
                                     f"column {k + 1} has values but no name"))  # fmt: skip
            continue
        keep_cols.append(k)
    if len(keep_cols) < frame.shape[1]:
        frame = frame.iloc[:, keep_cols]
    frame.columns = pd.Index([names[k] for k in keep_cols])
    if empty.any():
        frame = frame.reset_index(drop=True)
    frame = unneutralise(frame)
    return RawTable(frame, np.asarray(rows, dtype=np.int64), header_row=header_line,
                    notes=notes + problems)  # fmt: skip


def _blank_cells(s: pd.Series) -> np.ndarray:
    """Which cells are empty or spaces only (through the categories of a categorical column)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = s.cat.categories
        blank_u = np.append(np.asarray(cats.astype(str).str.strip() == "", dtype=bool), True)
        return blank_u[s.cat.codes.to_numpy()]
    values = s.to_numpy(dtype=object).tolist()
    try:  # plain text (the ids): none blank (the usual case) checked in one pass of C loops
        if all(map(str.strip, values)):
            return np.zeros(len(values), dtype=bool)
        return np.fromiter((not v.strip() for v in values), dtype=bool, count=len(values))
    except (AttributeError, TypeError):
        pass
    return np.asarray(s.astype(object).fillna("").astype(str).str.strip() == "", dtype=bool)


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
        elif s.dtype == object and not (col is not None and col.values and _safe_codes(col.values)):
            # free text (ids, sites, extra columns): formulas neutralised for spreadsheets (OWASP)
            out[name] = pd.Series(neutralise_array(s.to_numpy()), index=s.index, dtype=object)
        else:
            out[name] = s
    return pd.DataFrame(out, index=typed.index)


def _safe_codes(values: tuple[str, ...] | list[str]) -> bool:
    """A coded column whose allowed codes never look like a formula (a validated frame holds no other)."""
    return all(neutralise_text(v) == v and restore_text(v) == v for v in values)


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
    n = len(typed)
    with replacing(path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        for start in range(0, max(n, 1), chunk):
            part = text_frame(typed.iloc[start : start + chunk])
            part.to_csv(fh, index=False, header=start == 0, lineterminator="\n", na_rep="")
            if progress is not None:
                progress(min(start + chunk, n), n)
