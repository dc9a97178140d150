"""The rules for one cell of a cohort file, in pure Python (no numpy, no pandas).

One place for what a cell may hold (``docs/cohort-format.md``): the vectorised validator
(:mod:`spinemet.cohort.validate`) applies these functions to each distinct value of a column, and the
one-patient validator (:mod:`spinemet.cohort.patient_values`) to each value of a patient, so both accept,
refuse and explain a value in the same words. Each ``unique_*`` function maps one raw value to
``(typed value, ok, hint)``; a missing or refused number is NaN, a missing or refused code NaN.

numpy and pandas scalars (a spreadsheet reader's cells) are recognised only when those libraries are
already imported: such a value cannot exist otherwise, so this module never imports them.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import math
import re
import sys
import unicodedata
from collections.abc import Sequence
from typing import Any

from spinemet.cohort.codes import MISSING_TOKENS, canonical_code, is_missing_token, suggestion
from spinemet.cohort.schema import COLUMN_BY_NAME, Column

__all__ = [
    "ASCII_CONTROL_RE",
    "MAX_CELL_CHARS",
    "MAX_ID_CHARS",
    "SHOWN_CHARS",
    "cell_message",
    "check_number",
    "display",
    "frankel_hint",
    "id_fault",
    "is_missing",
    "norm",
    "shown_text",
    "text_fault",
    "unique_category",
    "unique_date",
    "unique_multi",
    "unique_number",
]

MAX_ID_CHARS = 100
"""Longest ``patient_id`` accepted (the same on every registry backend)."""
MAX_CELL_CHARS = 1000
"""Longest cell accepted in any other column (no value of the format comes close)."""
SHOWN_CHARS = 60
"""A long value is echoed cut to this many characters."""

NAN = float("nan")

_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DECIMAL_COMMA_RE = re.compile(r"^[+-]?\d+,\d+$")
_FRANKEL_D_RE = re.compile(r"^[Dd]\s*\.?\s*(\d+)$")

# Characters that make two ids look the same while they differ: controls (Cc), format characters such as
# the zero-width space or the BOM (Cf), line/paragraph separators (Zl, Zp), unassigned/private (Cn, Co).
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cn", "Co", "Cs"})
ASCII_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


# ------------------------------------------------------------------- numpy/pandas scalars, if loaded
_PY_TYPES: tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...]] = ((bool,), (float,), (int,))
_with_numpy: list[tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...]]] = []


def _types() -> tuple[tuple[type, ...], tuple[type, ...], tuple[type, ...]]:
    """(bool, float, integer) scalar types: Python's, plus numpy's once numpy is imported."""
    if _with_numpy:
        return _with_numpy[0]
    np = sys.modules.get("numpy")
    if np is None:
        return _PY_TYPES
    _with_numpy.append(((bool, np.bool_), (float, np.floating), (int, np.integer)))
    return _with_numpy[0]


def _is_pandas_missing(value: Any) -> bool:
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)


def _is_bool(value: Any) -> bool:
    return isinstance(value, _types()[0])


def _is_float(value: Any) -> bool:
    return isinstance(value, _types()[1])


def _is_int(value: Any) -> bool:
    return isinstance(value, _types()[2])


def is_missing(value: Any) -> bool:
    """``None``, NaN, or pandas' NA/NaT: an empty cell of a typed column."""
    if value is None or _is_pandas_missing(value):
        return True
    return _is_float(value) and math.isnan(value)


# ------------------------------------------------------------------------------------------- text
def display(value: Any) -> str:
    """A value as shown in messages: integral floats without ``.0``, strings quoted."""
    if _is_float(value) and math.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if value is None:
        return "(empty)"
    if isinstance(value, str) and len(value) > SHOWN_CHARS + 20:
        return f"{value[:SHOWN_CHARS]!r}... ({len(value)} characters)"
    return repr(value) if isinstance(value, str) else str(value)


def norm(value: Any) -> str | None:
    """A raw cell as a stripped string, ``None`` when missing (numbers without a trailing ``.0``)."""
    if value is None or _is_pandas_missing(value):
        return None
    if _is_bool(value):
        return str(bool(value))
    if _is_float(value):
        if math.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if _is_int(value):
        return str(int(value))
    if isinstance(value, _dt.datetime):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def cell_message(column: str, value: Any, allowed: str, hint: str | None = None) -> str:
    """The message of a refused cell: ``COLUMN: got VALUE; allowed: ALLOWED (HINT)``."""
    msg = f"{column}: got {display(value)}; allowed: {allowed}"
    return f"{msg} ({hint})" if hint else msg


# ---------------------------------------------------------------------------------------- numbers
def check_number(col: Column, x: float) -> bool:
    """``x`` is within the column's range, step and allowed values (integers: whole)."""
    if not math.isfinite(x):
        return False
    if col.low is not None and (x <= col.low if col.low_exclusive else x < col.low):
        return False
    if col.high is not None and x > col.high:
        return False
    if col.kind == "integer":
        if not float(x).is_integer():
            return False
        if col.values and str(int(x)) not in col.values:
            return False
        if col.step is not None and col.low is not None and (x - col.low) % col.step != 0:
            return False
    return True


def _number_hint(text: str) -> str | None:
    if _DECIMAL_COMMA_RE.match(text):
        return "use '.' as the decimal separator"
    return None


def _exponent_hint(text: str) -> str:
    """Integer columns refuse exponent notation (``7e1``): a count or a score is written as digits."""
    x = float(text)
    plain = str(int(x)) if math.isfinite(x) and x.is_integer() and abs(x) < 1e15 else "digits"
    return f"exponent notation is not accepted in an integer column; write {plain}"


def unique_number(col: Column, value: Any) -> tuple[float, bool, str | None]:
    """(typed value, ok, hint) for one raw value of a numeric column; NaN when missing or refused."""
    if _is_bool(value):
        return NAN, False, None
    if _is_int(value) or _is_float(value):
        x = float(value)
        if math.isnan(x):
            return NAN, True, None
        ok = check_number(col, x)
        return (x if ok else NAN), ok, None
    text = norm(value)
    if text is None or is_missing_token(col, text):
        return NAN, True, None
    for token, number in col.special:
        if text == token:
            return number, True, None
    if col.kind in ("integer", "binary") and _NUMBER_RE.match(text) and "e" in text.lower():
        return NAN, False, _exponent_hint(text)
    if col.kind == "binary":
        canon = canonical_code(col, text)  # any case and synonyms (yes/no, y/n, true/false): cohort/codes.py
        if canon is not None:
            return float(canon), True, None
        if _NUMBER_RE.match(text) and norm(float(text)) in col.values:
            return float(text), True, None
        return NAN, False, None
    if not _NUMBER_RE.match(text):
        return NAN, False, _number_hint(text)
    x = float(text)
    ok = check_number(col, x)
    return (x if ok else NAN), ok, None


# ------------------------------------------------------------------------------------------ codes
def unique_category(col: Column, value: Any, extra: Sequence[str] = ()) -> tuple[Any, bool, str | None]:
    """(canonical code, ok, hint) for one raw value of a coded column; NaN when missing or refused."""
    text = norm(value)
    if text is None or is_missing_token(col, text):
        return NAN, True, None
    canon = canonical_code(col, text, extra)  # any case, synonyms (cohort/codes.py)
    if canon is not None:
        return canon, True, None
    # numbers written as 2.0 by a spreadsheet: canonical "2" (not exponent notation such as 2e0)
    if _NUMBER_RE.match(text) and "e" not in text.lower():
        canon = norm(float(text))
        if canon in col.values:
            return canon, True, None
    return NAN, False, suggestion(col, text, extra)


def frankel_hint(text: str, original: bool) -> str | None:
    """A "did you mean" for an invalid Frankel grade, among the grades allowed on the row's scale only:
    A-E with ``frankel_scale = original``, A, B, C, D1-D3, E otherwise (``D4`` -> ``D3``, not ``D``)."""
    allowed = ["A", "B", "C", "D", "E"] if original else list(COLUMN_BY_NAME["frankel_pre"].values)
    lower = {v.lower(): v for v in allowed}
    if text.lower() in lower:
        return f"did you mean {lower[text.lower()]!r}?"
    sub = _FRANKEL_D_RE.match(text)
    if sub:
        return f"did you mean {'D' if original else 'D' + str(min(max(int(sub.group(1)), 1), 3))!r}?"
    close = difflib.get_close_matches(text, allowed, n=1)
    return f"did you mean {close[0]!r}?" if close else None


def unique_multi(col: Column, value: Any) -> tuple[Any, bool, str | None]:
    """(the codes joined by ``;`` in the column's order, ok, hint) for one raw value of a multi column."""
    text = norm(value)
    if text is None or is_missing_token(col, text):
        return NAN, True, None
    items = [t.strip() for t in text.split(";")]
    items = [canonical_code(col, t) or t for t in items if t]
    unknown = [t for t in items if t not in col.values]
    if unknown:
        return NAN, False, "unknown item(s): " + ", ".join(repr(t) for t in unknown)
    if not items:
        return NAN, True, None
    kept = set(items)
    return ";".join(v for v in col.values if v in kept), True, None


# ------------------------------------------------------------------------------------------ dates
def unique_date(value: Any) -> tuple[_dt.date | None, bool, str | None]:
    """(the day, ok, hint) for one raw value of a date column; ``None`` when missing or refused."""
    if isinstance(value, _dt.datetime):  # pandas.Timestamp too
        if _is_pandas_missing(value):
            return None, True, None
        if (value.hour, value.minute, value.second, value.microsecond) != (0, 0, 0, 0):
            return None, False, "a date without a time of day"
        return _checked_day(value.date())
    if isinstance(value, _dt.date):
        return _checked_day(value)
    text = norm(value)
    if text is None or text.lower() in MISSING_TOKENS:
        return None, True, None
    if not _DATE_RE.match(text):
        return None, False, None
    try:
        day = _dt.date.fromisoformat(text)
    except ValueError:
        return None, False, "not a calendar date"
    return _checked_day(day)


def _checked_day(day: _dt.date) -> tuple[_dt.date | None, bool, str | None]:
    if not 1900 <= day.year <= 2200:
        return None, False, "the year must be 1900-2200"
    return day, True, None


# ------------------------------------------------------------------------------------------- text
def text_fault(text: str) -> str | None:
    """Why an (already stripped) text cell other than the id - the centre code - is refused: a line break
    or another control character (``None`` when accepted). A line break inside a cell of a cohort file is
    what a quote left open leaves behind: the csv reading takes the following lines into that cell, up to
    the next quote, and their rows disappear from the file."""
    bad = ASCII_CONTROL_RE.search(text)
    if bad is None:
        return None
    if bad.group() in "\r\n":
        return ("a line break inside the cell: a quote opened before it may be unclosed, so that the cell "
                "took in the lines that follow; check the file's quotes")
    char = bad.group()
    return f"holds the control character U+{ord(char):04X}; text must be visible characters"


def shown_text(text: str) -> str:
    """A refused text cell as its message shows it: up to its first line break only, marked ``...``.
    Lines after it may be other rows that an unclosed quote took in, with their ids and dates, which an
    error message must not repeat."""
    first, sep, _rest = text.replace("\r", "\n").partition("\n")
    return first + " ..." if sep else text


# -------------------------------------------------------------------------------------------- ids
def id_fault(text: str) -> str | None:
    """Why an (already stripped, NFC) ``patient_id`` is refused: too long, or an invisible or control
    character that would make it look like another id; ``None`` when it is accepted."""
    if len(text) > MAX_ID_CHARS:
        return f"patient_id: has {len(text)} characters; allowed: at most {MAX_ID_CHARS}"
    if text.isascii():
        bad = ASCII_CONTROL_RE.search(text)
        char = bad.group() if bad else None
    else:
        char = next((c for c in text if unicodedata.category(c) in _INVISIBLE or c in "\u00a0\u3000"), None)
    if char is not None:
        return (f"patient_id: holds the invisible or control character U+{ord(char):04X} "
                f"({unicodedata.name(char, 'control')}); ids must be visible text")  # fmt: skip
    return None
