"""Codes the way people type them: any case, common synonyms and missing-value tokens, mapped to the
canonical code of the cohort format (docs/cohort-format.md, "Codes as typed").

The validator (``spinemet.cohort.validate``) calls :func:`canonical_code` and :func:`is_missing_token` for
every distinct raw value of a coded or numeric column, so ``validate``, ``import``, ``score``, ``report``
and the web app all store and show the canonical code. Only what is truly ambiguous is refused, with a
"did you mean" (:func:`suggestion`).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from types import MappingProxyType

from spinemet.cohort.schema import Column

__all__ = [
    "AMBIGUOUS",
    "MISSING_TOKENS",
    "SYNONYMS",
    "canonical_code",
    "is_missing_token",
    "suggestion",
]

MISSING_TOKENS: tuple[str, ...] = ("n/a", "na", "n.a.", "-", ".", "unknown", "not known", "?")
"""Cell texts read as missing (any case) in every coded, numeric and date column that has no such code:
``n/a``/``NA`` (spreadsheets, R), ``-``, ``.`` (SPSS's system-missing), ``unknown``, ``?``. Text columns
(``patient_id``) keep them as written."""

_YES = ("yes", "y", "1", "true", "t")
_NO = ("no", "n", "0", "false", "f")

SYNONYMS: MappingProxyType[tuple[str, ...], MappingProxyType[str, str]] = MappingProxyType(
    {
        ("yes", "no"): MappingProxyType({**{s: "yes" for s in _YES}, **{s: "no" for s in _NO}}),
        ("0", "1"): MappingProxyType({**{s: "1" for s in _YES}, **{s: "0" for s in _NO}}),
        ("M", "F"): MappingProxyType({"male": "M", "man": "M", "female": "F", "woman": "F"}),
    }
)
"""Synonyms (lower case) per set of codes: ``yes``/``no`` fields take ``y``/``n``/``1``/``0``/``true``/
``false``; ``0``/``1`` fields (``dead``) take ``yes``/``no`` and the same; ``sex`` takes
``male``/``female``."""

AMBIGUOUS: MappingProxyType[tuple[str, str], str] = MappingProxyType(
    {("escc", "1"): "grade 1 is ambiguous: give 1a, 1b or 1c"}
)
"""(column, lower-case text) -> why the text cannot be mapped to one code."""

_SEPARATORS = re.compile(r"[\s\-]+")


def _key(text: str) -> str:
    """Case-, space- and hyphen-insensitive form: ``"Non-ambulatory"`` -> ``"non_ambulatory"``."""
    return _SEPARATORS.sub("_", text.strip().lower())


def is_missing_token(column: Column, text: str) -> bool:
    """True when ``text`` is a missing-value token (:data:`MISSING_TOKENS`) that is not a code of
    ``column``; never for free-text columns."""
    if column.kind == "text":
        return False
    low = text.strip().lower()
    return low in MISSING_TOKENS and low not in (v.lower() for v in column.values)


def canonical_code(column: Column, text: str, extra: Sequence[str] = ()) -> str | None:
    """The canonical code for ``text`` in ``column`` (codes ``column.values`` plus ``extra``), or ``None``.

    Exact codes win; then any case (``d2`` -> ``D2``, ``Lung`` -> ``lung``), spaces or hyphens for
    underscores (``in hospital death`` -> ``in_hospital_death``), then :data:`SYNONYMS`. A text that
    matches two codes in this way is not mapped (``None``).
    """
    codes = (*column.values, *extra)
    if text in codes:
        return text
    key = _key(text)
    found = {code for code in codes if _key(code) == key}
    if len(found) == 1:
        return found.pop()
    if found:
        return None
    synonym = SYNONYMS.get(tuple(column.values), {}).get(key)
    return synonym if synonym in codes else None


def suggestion(column: Column, text: str, extra: Sequence[str] = ()) -> str | None:
    """Why ``text`` is refused, or a "did you mean" among the column's codes (``None``: nothing close)."""
    why = AMBIGUOUS.get((column.name, text.strip().lower()))
    if why:
        return why
    codes = [*column.values, *extra]
    by_key = {_key(c): c for c in codes}
    close = difflib.get_close_matches(_key(text), list(by_key), n=1)
    return f"did you mean {by_key[close[0]]!r}?" if close else None
