"""Text written for spreadsheets never becomes a live formula (CSV/formula injection).

The rule is OWASP's "CSV Injection" advice (https://owasp.org/www-community/attacks/CSV_Injection):
a cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written with a
leading apostrophe, so that Excel, LibreOffice and Google Sheets show it as text instead of running it
(``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``). Numbers (``-1.5``) are left alone: they are not formulas.

Text that already begins with apostrophes before such a character gets one more, so that
:func:`restore_text` (used by the cohort CSV reader) gives back exactly the original text: an export
read by ``validate``/``import`` is unchanged.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

__all__ = ["NEUTRALISED_RE", "TRIGGERS", "neutralise_array", "neutralise_text", "restore_text"]

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula (OWASP)."""

NEUTRALISED_RE = re.compile(r"^'+ *[=+\-@\t\r]")
"""Text as written by :func:`neutralise_text` for a dangerous cell (one apostrophe added)."""

_DANGER_RE = re.compile(r"^'* *[=+\-@\t\r]")
_NUMBER_RE = re.compile(r"^ *[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)? *$")


def neutralise_text(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: formula-like text prefixed with ``'``; anything else as is."""
    if isinstance(value, str) and _DANGER_RE.match(value) and not _NUMBER_RE.match(value):
        return "'" + value
    return value


def restore_text(value: Any) -> Any:
    """The text before :func:`neutralise_text` (one leading apostrophe removed where one was added)."""
    if isinstance(value, str) and NEUTRALISED_RE.match(value) and not _NUMBER_RE.match(value[1:]):
        return value[1:]
    return value


def neutralise_array(values: np.ndarray) -> np.ndarray:
    """:func:`neutralise_text` applied to every cell of an object array, through its distinct values
    (a million cells of a few hundred distinct sites cost a few hundred checks)."""
    import pandas as pd

    arr = np.asarray(values, dtype=object)
    codes, uniques = pd.factorize(arr, use_na_sentinel=True)
    fixed = [neutralise_text(u) for u in uniques]
    if all(a is b for a, b in zip(fixed, uniques, strict=True)):
        return arr
    out = np.asarray([*fixed, None], dtype=object)[codes]
    missing = codes < 0
    out[missing] = arr[missing]
    return out
