"""Validation of a cohort frame against the format: every cell, every cross-field rule, in one pass.

Vectorised: a column is checked through its distinct values (``pandas.factorize``), or directly with
numpy when it is already numeric, so a million rows take seconds. The rules are those of
``cohort-format.md`` ("Cross-field rules"); each :class:`Problem` names the row as the user sees it. The
rules of one cell are in :mod:`spinemet.cohort.cell_rules` (pure Python, shared with the one-patient
validator :mod:`spinemet.cohort.patient_values`, which must give the same problems).
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from spinemet.cohort.cell_rules import (
    ASCII_CONTROL_RE,
    MAX_CELL_CHARS,
    MAX_ID_CHARS,
    SHOWN_CHARS,
    cell_message,
    display,
    frankel_hint,
    id_fault,
    norm,
    shown_text,
    text_fault,
    unique_category,
    unique_date,
    unique_multi,
    unique_number,
)
from spinemet.cohort.dtypes import object_text
from spinemet.cohort.problems import CohortValidationError, Problem, Severity
from spinemet.cohort.schema import (
    BARTHEL_ITEM_SETS,
    COLUMN_BY_NAME,
    COLUMNS,
    FRANKEL_ORIGINAL_ONLY,
    SINS_COMPONENTS,
    TOKUHASHI_COMPONENTS,
    Column,
)
from spinemet.cohort.survival_dates import derive_survival

__all__ = ["MAX_CELL_CHARS", "MAX_ID_CHARS", "check_frame", "coerce_frame", "display", "validate_frame"]

@dataclass
class _Parsed:
    """A column after parsing: typed values, which cells were non-empty, which were invalid."""

    typed: np.ndarray
    present: np.ndarray  # bool, the cell was not empty
    bad: np.ndarray  # bool, the cell was not empty and invalid
    raw: Callable[[int], Any]  # position -> value as found
    detail: Callable[[int], str | None]  # position -> extra hint
    codes: np.ndarray | None = None  # distinct-value codes (-1 = empty), when parsed through them
    uniques: list[Any] | None = None  # the distinct raw values the codes point to
    typed_u: np.ndarray | None = None  # typed value of each code; the last slot is the empty value

    def isin(self, values: Collection[Any]) -> np.ndarray:
        """Rows whose typed value is one of ``values`` (through the codes when available)."""
        if self.codes is not None and self.typed_u is not None:
            flags = np.fromiter(
                (v in values for v in self.typed_u.tolist()), dtype=bool, count=len(self.typed_u)
            )
            flags[-1] = False
            return flags[self.codes]
        return np.isin(self.typed, list(values))


# -------------------------------------------------------------------------------------------- parsing
def _unique_date(value: Any) -> tuple[Any, bool, str | None]:
    """:func:`cell_rules.unique_date` with the day as ``datetime64[ns]`` (NaT when missing or refused)."""
    day, ok, hint = unique_date(value)
    return (np.datetime64("NaT", "ns") if day is None else np.datetime64(day, "ns")), ok, hint


def _by_uniques(series: pd.Series, fn: Callable[[Any], tuple[Any, bool, str | None]], dtype: Any) -> _Parsed:
    if isinstance(series.dtype, pd.CategoricalDtype):  # the reader's categories: no second factorize
        codes = series.cat.codes.to_numpy()
        uniq = series.cat.categories.tolist()
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        uniq = list(uniques)
    results = [fn(u) for u in uniq]
    missing_typed = np.datetime64("NaT", "ns") if dtype == "M8[ns]" else np.nan
    typed_u = np.empty(len(uniq) + 1, dtype=dtype)
    ok_u = np.ones(len(uniq) + 1, dtype=bool)
    present_u = np.ones(len(uniq) + 1, dtype=bool)
    hints: list[str | None] = []
    for k, (t, ok, hint) in enumerate(results):
        typed_u[k] = t
        ok_u[k] = ok
        present_u[k] = norm(uniq[k]) is not None
        hints.append(hint)
    typed_u[-1] = missing_typed  # code -1 (NA) picks the last slot
    present_u[-1] = False
    hints.append(None)
    typed = typed_u[codes]
    # the usual case costs no gather: every distinct value valid, and non-empty
    present = (codes >= 0) if present_u[:-1].all() else present_u[codes]
    bad = ~ok_u[codes] if not ok_u.all() else np.zeros(len(codes), dtype=bool)
    return _Parsed(
        typed,
        present,
        bad,
        raw=lambda i: uniq[codes[i]] if codes[i] >= 0 else None,
        detail=lambda i: hints[codes[i]],
        codes=codes,
        uniques=uniq,
        typed_u=np.where(ok_u, typed_u, missing_typed) if dtype != "M8[ns]" else None,
    )


def _parse_numeric_fast(col: Column, series: pd.Series) -> _Parsed:
    x = series.to_numpy(dtype=float, na_value=np.nan)
    present = ~np.isnan(x)
    ok = np.isfinite(x)
    if col.kind == "binary":
        ok &= np.isin(x, [float(v) for v in col.values])
    else:
        if col.low is not None:
            ok &= (x > col.low) if col.low_exclusive else (x >= col.low)
        if col.high is not None:
            ok &= x <= col.high
        if col.kind == "integer":
            with np.errstate(invalid="ignore"):
                ok &= np.mod(x, 1) == 0
                if col.values:
                    ok &= np.isin(x, [float(v) for v in col.values])
                if col.step is not None and col.low is not None:
                    ok &= np.mod(x - col.low, col.step) == 0
    bad = present & ~ok
    typed = np.where(ok, x, np.nan) + 0.0  # -0.0 -> 0.0
    return _Parsed(typed, present, bad, raw=lambda i: float(x[i]), detail=lambda i: None)


def _stripped_texts(values: np.ndarray) -> np.ndarray | None:
    """Each text stripped, empty text as NaN (an object array); ``None`` unless every value is text."""
    try:
        return np.array([v.strip() or np.nan for v in values.tolist()] + [np.nan], dtype=object)[:-1]
    except AttributeError:  # a missing value or a number among the texts: the general path
        return None


def _text_parsed(typed: np.ndarray, present: np.ndarray) -> _Parsed:
    """A text column: any text is valid; the value shown in messages is the stripped text."""
    bad = np.zeros(len(typed), dtype=bool)
    return _Parsed(typed, present, bad, raw=lambda i: typed[i], detail=lambda i: None)


def _parse_text(series: pd.Series) -> _Parsed:
    if isinstance(series.dtype, pd.CategoricalDtype):  # the reader's categories: stripped once each
        typed_u = _stripped_texts(np.asarray(series.cat.categories, dtype=object))
        if typed_u is not None:
            typed = np.append(typed_u, np.nan)[series.cat.codes.to_numpy()]
            present = np.append(pd.notna(typed_u), False)[series.cat.codes.to_numpy()]
            return _text_parsed(typed, present)
        series = series.astype(object)
    if series.dtype == object:
        typed = _stripped_texts(series.to_numpy())
        if typed is not None:  # all text (the ids): one pass in Python, without pandas' per-cell overhead
            return _text_parsed(typed, pd.notna(typed))
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        s = series.astype(object).str.strip()
    else:
        s = series.map(norm, na_action="ignore")
    s = s.where(s.notna() & (s != ""), np.nan)
    typed = s.to_numpy(dtype=object)
    present = s.notna().to_numpy()
    return _Parsed(
        typed, present, np.zeros(len(s), dtype=bool), raw=lambda i: typed[i], detail=lambda i: None
    )


def _parse_dates_fast(series: pd.Series) -> _Parsed:
    s = series
    if getattr(s.dt, "tz", None) is not None:
        s = s.dt.tz_localize(None)
    s = s.astype("datetime64[ns]")
    x = s.to_numpy()
    present = ~np.isnat(x)
    bad = present & (s.dt.normalize().to_numpy() != x)
    typed = np.where(bad, np.datetime64("NaT", "ns"), x)
    return _Parsed(typed, present, bad, raw=lambda i: pd.Timestamp(x[i]), detail=lambda i: None)


def _parse(col: Column, series: pd.Series) -> _Parsed:
    if col.kind == "text":
        return _parse_text(series)
    if col.numeric:
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            return _parse_numeric_fast(col, series)
        return _by_uniques(series, lambda v: unique_number(col, v), float)
    if col.kind == "date":
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            return _parse_dates_fast(series)
        return _by_uniques(series, _unique_date, "M8[ns]")
    if col.kind == "multi":
        return _by_uniques(series, lambda v: unique_multi(col, v), object)
    extra = FRANKEL_ORIGINAL_ONLY if col.name in ("frankel_pre", "frankel_post") else ()
    return _by_uniques(series, lambda v: unique_category(col, v, extra), object)


# ------------------------------------------------------------------------------------ problem building
class _Collector:
    def __init__(self, rows: np.ndarray, order: dict[str, int]) -> None:
        self.rows = rows
        self.order = order
        self.items: list[tuple[int, int, int, Problem]] = []

    def add(self, pos: int | None, problem: Problem) -> None:
        key_row = -1 if problem.row is None else problem.row
        self.items.append((key_row, self.order.get(problem.column or "", -1), len(self.items), problem))

    def cells(
        self,
        positions: np.ndarray,
        column: str,
        value: Callable[[int], Any],
        allowed: str,
        message: Callable[[int], str],
        severity: Severity = "error",
    ) -> None:
        for i in positions.tolist():
            row = int(self.rows[i])
            self.add(i, Problem(row, column, value(i), allowed, message(i), severity))

    def sorted(self) -> list[Problem]:
        return [p for *_, p in sorted(self.items, key=lambda t: (t[0], t[1], t[2]))]


# ------------------------------------------------------------------------------------------ main entry
def check_frame(
    frame: pd.DataFrame,
    *,
    keep_extra: bool = False,
    rows: Sequence[int] | np.ndarray | None = None,
    header_row: int | None = 1,
) -> tuple[list[Problem], pd.DataFrame]:
    """Check ``frame`` and type it: (every problem sorted by row, the typed frame).

    ``rows`` gives each record's row number as the user sees it (default: position + 2, as in a CSV file
    with its header on line 1); ``header_row`` is the row of column names (``None`` when the source has
    none). Invalid cells are missing (NaN) in the typed frame.
    """
    n = len(frame)
    row_arr = np.arange(2, n + 2) if rows is None else np.asarray(rows, dtype=np.int64)
    if len(row_arr) != n:
        raise ValueError(f"rows: got {len(row_arr)} row numbers for {n} records")
    names = [str(c) for c in frame.columns]
    order = {c.name: k for k, c in enumerate(COLUMNS)}
    for k, name in enumerate(names):
        order.setdefault(name, len(COLUMNS) + k)
    out = _Collector(row_arr, order)

    # header: unknown and duplicate columns, required column
    seen: set[str] = set()
    for name in names:
        if name in seen:
            out.add(
                None,
                Problem(
                    header_row, name, name, "each column once", f"column {name!r} appears more than once"
                ),
            )
        seen.add(name)
        if name not in COLUMN_BY_NAME and not keep_extra:
            lower = {c.lower(): c for c in COLUMN_BY_NAME}
            close = [lower[name.lower()]] if name.lower() in lower else []
            close = close or difflib.get_close_matches(name, list(COLUMN_BY_NAME), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            out.add(
                None,
                Problem(
                    header_row,
                    name,
                    name,
                    "a column of the cohort format (docs/cohort-format.md)",
                    f"unknown column {name!r}{hint} (to keep it: --keep-extra)",
                ),
            )
    if "patient_id" not in seen:
        out.add(
            None,
            Problem(
                header_row,
                "patient_id",
                None,
                COLUMN_BY_NAME["patient_id"].allowed,
                "required column 'patient_id' is missing",
            ),
        )

    frame = _without_long_cells(frame, names, row_arr, out)
    typed: dict[str, Any] = {}
    parsed: dict[str, _Parsed] = {}
    for k, name in enumerate(names):
        if name in parsed or name in typed:
            continue
        series = frame.iloc[:, k]
        col = COLUMN_BY_NAME.get(name)
        if col is None:
            if keep_extra:  # kept as found: text stripped, empty cells missing
                is_text = series.dtype == object or isinstance(series.dtype, pd.CategoricalDtype)
                typed[name] = _parse_text(series).typed if is_text else series.to_numpy(copy=True)
            continue
        p = _parse(col, series)
        if name in ("frankel_pre", "frankel_post"):
            p.detail = _frankel_detail(p, frame)
        if col.kind == "text" and name != "patient_id":  # the id has its own checks (_check_ids)
            _check_texts(p)
        parsed[name] = p
        typed[name] = _with_special_tokens(col, series, p)
        bad = np.flatnonzero(p.bad)
        if bad.size:
            out.cells(
                bad,
                name,
                p.raw,
                col.allowed,
                lambda i, p=p, col=col: cell_message(col.name, p.raw(i), col.allowed, p.detail(i)),
            )
        if name == "patient_id":  # after the cell checks: a refused id is reported once
            _check_ids(p, row_arr, out)
            typed[name] = p.typed  # normalised ids (a copy when pandas 3 handed a read-only view)
    typed_frame = object_text(pd.DataFrame(typed, index=pd.RangeIndex(n), copy=False))  # pandas 3: object
    for name in typed_frame.columns:
        col = COLUMN_BY_NAME.get(name)
        if col is not None and col.kind == "date":
            typed_frame[name] = typed_frame[name].astype("datetime64[ns]")

    typed_frame = _survival_from_dates(typed_frame, parsed, out)
    _cross_rules(typed_frame, parsed, out)
    return out.sorted(), typed_frame


def _check_texts(p: _Parsed) -> None:
    """Text cells (the centre code) holding a line break or another control character are refused
    (:func:`cell_rules.text_fault`): marked bad with the reason, their typed value made missing."""
    values = p.typed[p.present].tolist()
    if not values or not ASCII_CONTROL_RE.search("".join(values)):  # the usual case: one search
        return
    typed = p.typed.copy()
    shown, faults = p.raw, {}
    for i in np.flatnonzero(p.present).tolist():
        fault = text_fault(typed[i])
        if fault is not None:
            faults[i] = fault
    kept = {i: shown_text(typed[i]) for i in faults}
    for i in faults:
        typed[i] = np.nan
        p.bad[i] = True
    p.typed = typed
    p.raw = lambda i: kept[i] if i in kept else shown(i)
    p.detail = lambda i: faults.get(i)


def _check_ids(p: _Parsed, rows: np.ndarray, out: _Collector) -> None:
    """Ids normalised to Unicode NFC (the same name typed on a Mac and on Windows is one patient); ids
    that are too long or hold invisible/control characters refused (they would look like another id).
    Refused ids become missing in the typed column and are reported once."""
    typed = p.typed
    if isinstance(typed, np.ndarray) and not typed.flags.writeable:  # pandas 3 (copy-on-write) views
        typed = p.typed = typed.copy()
    ids = typed[p.present].tolist()
    if ids:
        joined = "".join(ids)  # a million ids checked at once: printable ASCII and short (the usual case)
        if joined.isascii() and not ASCII_CONTROL_RE.search(joined) and max(map(len, ids)) <= MAX_ID_CHARS:
            return
    s = pd.Series(typed, dtype=object)
    odd = s.str.contains(r"[^\x20-\x7e]", regex=True, na=False) | (s.str.len() > MAX_ID_CHARS)
    for i in np.flatnonzero(odd.to_numpy(dtype=bool) & p.present).tolist():  # plain ASCII ids skip the loop
        text = typed[i]
        if not isinstance(text, str):
            continue
        if not text.isascii():
            text = unicodedata.normalize("NFC", text)
            typed[i] = text
        fault = id_fault(text)
        if fault is not None:
            shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."
            out.add(
                i, Problem(int(rows[i]), "patient_id", shown, COLUMN_BY_NAME["patient_id"].allowed, fault)
            )
            typed[i] = np.nan
            p.bad[i] = True


def _without_long_cells(
    frame: pd.DataFrame, names: list[str], rows: np.ndarray, out: _Collector
) -> pd.DataFrame:
    """Cells longer than :data:`MAX_CELL_CHARS` reported once (their value cut) and then left empty, so
    that no later check echoes them again. ``patient_id`` has its own, shorter limit."""
    changed: dict[int, pd.Series] = {}
    for k, name in enumerate(names):
        if name == "patient_id":
            continue
        s = frame.iloc[:, k]
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = s.cat.categories
            if cats.dtype != object:
                continue
            long_u = np.asarray(cats.astype(str).str.len() > MAX_CELL_CHARS, dtype=bool)
            if not long_u.any():
                continue
            codes = s.cat.codes.to_numpy()
            hit = np.flatnonzero((codes >= 0) & np.append(long_u, False)[codes])
            values = [cats[c] for c in codes[hit]]
            fixed = s.cat.remove_categories(cats[long_u].tolist())
        elif s.dtype == object:
            lengths = s.map(lambda v: len(v) if isinstance(v, str) else 0).to_numpy()
            hit = np.flatnonzero(lengths > MAX_CELL_CHARS)
            if not hit.size:
                continue
            values = [s.iat[i] for i in hit.tolist()]
            fixed = s.copy()
            fixed.iloc[hit] = None
        else:
            continue
        allowed = f"at most {MAX_CELL_CHARS} characters"
        for i, v in zip(hit.tolist(), values, strict=True):
            out.add(i, Problem(int(rows[i]), name, v[:SHOWN_CHARS] + "...", allowed,
                               f"{name}: the cell has {len(v)} characters; allowed: {allowed}"))  # fmt: skip
        changed[k] = fixed
    if not changed:
        return frame
    frame = frame.copy(deep=False)
    for k, fixed in changed.items():
        frame.isetitem(k, fixed)
    return frame


def _with_special_tokens(col: Column, series: pd.Series, p: _Parsed) -> np.ndarray:
    """The typed column, keeping a special token as written: ``age`` ``"90+"`` (the HIPAA Safe Harbor
    group) stays the string ``"90+"`` so that it is never confused with a real age of 90. The column is
    then object (numbers and the token); without any token it is the usual float64."""
    if not col.special or p.codes is None or p.uniques is None:
        return p.typed
    uniques = p.uniques
    names = {token for token, _ in col.special}
    token_u = [norm(u) if norm(u) in names else None for u in uniques] + [None]
    if not any(token_u):
        return p.typed
    tokens = np.asarray(token_u, dtype=object)[p.codes]
    out = p.typed.astype(object)
    mask = tokens != None  # noqa: E711  (element-wise on an object array)
    out[mask] = tokens[mask]
    return out


def _frankel_detail(p: _Parsed, frame: pd.DataFrame) -> Callable[[int], str | None]:
    """The hint of an invalid Frankel cell, from the grades allowed by that row's ``frankel_scale``."""
    scale = frame["frankel_scale"] if "frankel_scale" in frame.columns else None
    if isinstance(scale, pd.DataFrame):  # a duplicated column, reported elsewhere
        scale = scale.iloc[:, 0]

    def detail(i: int) -> str | None:
        text = norm(p.raw(i))
        if text is None:
            return None
        original = scale is not None and norm(scale.iat[i]) == "original"
        return frankel_hint(text, original)

    return detail


def validate_frame(
    frame: pd.DataFrame, *, keep_extra: bool = False, rows: Sequence[int] | np.ndarray | None = None
) -> list[Problem]:
    """Every problem of ``frame`` (values against the format, cross-field rules, duplicate ids, unknown
    columns), errors and warnings, sorted by row. Row numbers default to position + 2 (CSV lines)."""
    return check_frame(frame, keep_extra=keep_extra, rows=rows)[0]


def coerce_frame(frame: pd.DataFrame, *, keep_extra: bool = False) -> pd.DataFrame:
    """The typed frame of a valid ``frame``; raises :class:`CohortValidationError` listing every problem."""
    problems, typed = check_frame(frame, keep_extra=keep_extra)
    if any(p.severity == "error" for p in problems):
        raise CohortValidationError(problems)
    return typed


# ------------------------------------------------------------------------------- survival from dates
def _survival_from_dates(t: pd.DataFrame, parsed: dict[str, _Parsed], out: _Collector) -> pd.DataFrame:
    """Fill survival_months/dead from the dates and report disagreements (cohort/survival_dates.py)."""
    derived, problems, filled = derive_survival(t)
    for prob in problems:
        value = parsed[prob.column].raw(prob.pos) if prob.column in parsed else None
        out.add(prob.pos, Problem(int(out.rows[prob.pos]), prob.column, value, prob.allowed, prob.message))
    if filled.any():
        n = len(t)
        for name in ("survival_months", "dead"):
            old = parsed.get(name)
            present = filled if old is None else (old.present | filled)
            parsed[name] = _Parsed(
                derived[name].to_numpy(),
                present,
                np.zeros(n, dtype=bool) if old is None else old.bad,
                (lambda i: None) if old is None else old.raw,
                (lambda i: None) if old is None else old.detail,
            )
    return derived


# ---------------------------------------------------------------------------------------- cross rules
def _cross_rules(t: pd.DataFrame, parsed: dict[str, _Parsed], out: _Collector) -> None:
    n = len(t)

    def has(name: str) -> np.ndarray:
        """A valid value is present."""
        return parsed[name].present & ~parsed[name].bad if name in parsed else np.zeros(n, dtype=bool)

    def present(name: str) -> np.ndarray:
        return parsed[name].present if name in parsed else np.zeros(n, dtype=bool)

    def bad(name: str) -> np.ndarray:
        """The cell already failed its own value check: cross-field rules do not judge it again."""
        return parsed[name].bad if name in parsed else np.zeros(n, dtype=bool)

    def raw(name: str) -> Callable[[int], Any]:
        if name in parsed:
            return parsed[name].raw
        return lambda i: None

    # duplicate patient_id
    if "patient_id" in t.columns:
        ids = t["patient_id"]
        pos = np.flatnonzero(ids.isna().to_numpy() & ~bad("patient_id"))
        allowed = COLUMN_BY_NAME["patient_id"].allowed
        out.cells(pos, "patient_id", lambda i: None, allowed, lambda i: "patient_id: missing; it is required")
        dup = ids.duplicated(keep="first").to_numpy() & ids.notna().to_numpy()
        if dup.any():
            first = ids[ids.notna()].drop_duplicates(keep="first")
            first_row = pd.Series(out.rows[first.index.to_numpy()], index=first.to_numpy())
            out.cells(
                np.flatnonzero(dup),
                "patient_id",
                lambda i: ids.iat[i],
                allowed,
                lambda i: (
                    f"patient_id: {ids.iat[i]!r} is duplicated (also in row {int(first_row[ids.iat[i]])})"
                ),
            )

    def isin(name: str, values: Collection[Any]) -> np.ndarray:
        return parsed[name].isin(values) if name in parsed else np.zeros(n, dtype=bool)

    # Frankel: original D needs frankel_scale = original; D1-D3 are not on the original scale
    original = isin("frankel_scale", {"original"})
    scale_bad = bad("frankel_scale")  # an invalid scale: the grade cannot be judged against it
    for name in ("frankel_pre", "frankel_post"):
        if name not in t.columns:
            continue
        v = t[name]
        col = COLUMN_BY_NAME[name]
        bad_d = isin(name, {"D"}) & ~original & ~scale_bad
        bad_sub = isin(name, {"D1", "D2", "D3"}) & original
        out.cells(
            np.flatnonzero(bad_d),
            name,
            raw(name),
            col.allowed,
            lambda i, name=name: (
                f"{name}: got 'D', a grade of the original Frankel scale; give D1, D2 "
                "or D3, or set frankel_scale = original"
            ),
        )
        out.cells(
            np.flatnonzero(bad_sub),
            name,
            raw(name),
            "one of: A, B, C, D, E (frankel_scale = original)",
            lambda i, name=name, v=v: f"{name}: got {v.iat[i]!r} but frankel_scale = original has A-E only",
        )
        if bad_d.any() or bad_sub.any():
            t.loc[bad_d | bad_sub, name] = np.nan
            parsed[name] = _Parsed(
                t[name].to_numpy(),
                parsed[name].present,
                parsed[name].bad | bad_d | bad_sub,
                parsed[name].raw,
                parsed[name].detail,
            )

    # paired outcomes: post without pre is a warning (an error only for paired analyses)
    for post, pre in (("frankel_post", "frankel_pre"), ("barthel_post", "barthel_pre")):
        pos = np.flatnonzero(has(post) & ~present(pre))
        out.cells(
            pos,
            pre,
            lambda i: None,
            f"required with {post} for paired analyses",
            lambda i, post=post, pre=pre: (
                f"{pre}: missing while {post} is given; the row is left out of paired analyses"
            ),
            severity="warning",
        )

    # dead and survival_months together
    for a, b in (("dead", "survival_months"), ("survival_months", "dead")):
        pos = np.flatnonzero(present(b) & ~present(a))
        out.cells(
            pos,
            a,
            lambda i: None,
            f"required when {b} is given",
            lambda i, a=a, b=b: f"{a}: missing while {b} is given; give both or neither",
        )

    # discharge in_hospital_death contradicts dead = 0
    if "discharge" in t.columns and "dead" in t.columns:
        pos = np.flatnonzero(isin("discharge", {"in_hospital_death"}) & (t["dead"].to_numpy() == 0))
        out.cells(
            pos,
            "dead",
            raw("dead"),
            "1 when discharge = in_hospital_death",
            lambda i: "dead: got 0 but discharge = in_hospital_death",
        )

    # complications
    if "complications" in t.columns:
        p = parsed["complications"]
        early = p.isin(
            {v for v in p.typed_u.tolist() if isinstance(v, str) and "early_death" in v.split(";")}
        )
        if early.any():
            dead = t["dead"].to_numpy() if "dead" in t.columns else np.full(n, np.nan)
            surv = t["survival_months"].to_numpy() if "survival_months" in t.columns else np.full(n, np.nan)
            out.cells(
                np.flatnonzero(early & ~bad("dead") & ~(dead == 1)),
                "dead",
                raw("dead"),
                "1 when complications include early_death",
                lambda i: (
                    f"dead: got {display(raw('dead')(i))} but complications include early_death "
                    "(death within 30 days), which requires dead = 1"
                ),
            )
            out.cells(
                np.flatnonzero(early & ~bad("survival_months") & ~(surv < 1)),
                "survival_months",
                raw("survival_months"),
                "< 1 when complications include early_death",
                lambda i: (
                    f"survival_months: got {display(raw('survival_months')(i))} but complications "
                    "include early_death (death within 30 days), which requires survival_months < 1"
                ),
            )
        massive = p.isin(
            {v for v in p.typed_u.tolist() if isinstance(v, str) and "massive_bleeding" in v.split(";")}
        )
        if massive.any() and "blood_loss_ml" in t.columns:
            loss = t["blood_loss_ml"].to_numpy()
            out.cells(
                np.flatnonzero(massive & (loss <= 1500)),
                "blood_loss_ml",
                raw("blood_loss_ml"),
                "> 1500 when complications include massive_bleeding",
                lambda i: (
                    f"blood_loss_ml: got {display(raw('blood_loss_ml')(i))} with massive_bleeding "
                    "(> 1500 ml in the study's Table 4)"
                ),
                severity="warning",
            )

    # Barthel item sets vs totals
    for suffix, (items, total) in BARTHEL_ITEM_SETS.items():
        if not all(c in t.columns for c in items) or total not in t.columns:
            continue
        sums = np.zeros(n)  # column by column: no (rows x 10) copy of the items
        for c in items:
            sums += t[c].to_numpy(dtype=float)
        complete = ~np.isnan(sums)
        tot = t[total].to_numpy()
        pos = np.flatnonzero(complete & ~np.isnan(tot) & (sums != tot))
        label = f"barthel_*{suffix}"
        out.cells(
            pos,
            total,
            raw(total),
            f"the sum of the ten {label} items",
            lambda i, total=total, label=label, sums=sums: (
                f"{total}: got {display(raw(total)(i))} but the ten {label} items sum to {int(sums[i])}"
            ),
        )

    # SINS location vs main_level (warning: the location is derived from the level when absent)
    if "sins_location" in parsed and "main_level" in parsed:
        from spinemet.scores.levels import SINS_LOCATION_OF_LEVEL

        pm, ps = parsed["main_level"], parsed["sins_location"]
        if (
            pm.codes is not None
            and ps.codes is not None
            and pm.typed_u is not None
            and ps.typed_u is not None
        ):
            levels, locations = pm.typed_u.tolist(), ps.typed_u.tolist()
            grid = np.array(
                [[isinstance(a, str) and isinstance(b, str) and SINS_LOCATION_OF_LEVEL.get(a, b) != b
                  for b in locations] for a in levels],
                dtype=bool,
            ).reshape(len(levels), len(locations))  # fmt: skip
            pos = np.flatnonzero(grid[pm.codes, ps.codes])
            out.cells(pos, "sins_location", raw("sins_location"), "the location of main_level (Fisher 2010)",
                      lambda i: f"sins_location: got {t['sins_location'].iat[i]!r} but main_level "
                      f"{t['main_level'].iat[i]} is {SINS_LOCATION_OF_LEVEL[t['main_level'].iat[i]]}",
                      severity="warning")  # fmt: skip

    # totals vs components
    from spinemet.cohort import _totals

    typed_codes = _typed_codes(parsed)
    for score, total in (("tokuhashi", "tokuhashi"), ("sins", "sins")):
        if total not in t.columns:
            continue
        computed, explain, failures = _totals.compute(score, t, typed_codes)
        for i, message in failures:
            out.add(i, Problem(int(out.rows[i]), total, raw(total)(i), "computable components", message))
        given = t[total].to_numpy()
        pos = np.flatnonzero(~np.isnan(computed) & ~np.isnan(given) & (computed != given))
        comps = ", ".join(TOKUHASHI_COMPONENTS if score == "tokuhashi" else SINS_COMPONENTS)
        out.cells(
            pos,
            total,
            raw(total),
            f"the total of its components ({comps})",
            lambda i, total=total, computed=computed, explain=explain: (
                f"{total}: got "
                f"{display(raw(total)(i))} but its components give {int(computed[i])} ({explain(i)})"
            ),
        )


_SCORE_COMPONENTS = frozenset(TOKUHASHI_COMPONENTS) | frozenset(SINS_COMPONENTS)


def _typed_codes(parsed: dict[str, _Parsed]) -> dict[str, tuple[np.ndarray, list[Any]]]:
    """Column -> (codes of the typed values, -1 when missing or invalid; the typed value of each code), for
    the components of the scores whose totals are checked (``_totals.compute``)."""
    out: dict[str, tuple[np.ndarray, list[Any]]] = {}
    for name, p in parsed.items():
        if name not in _SCORE_COMPONENTS or p.codes is None or p.typed_u is None:
            continue
        values = p.typed_u.tolist()
        valid = np.array([not (isinstance(v, float) and math.isnan(v)) for v in values], dtype=bool)
        valid[-1] = False
        out[name] = (np.where(valid[p.codes], p.codes, -1), values[:-1])
    return out
