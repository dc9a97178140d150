"""One patient checked against the cohort format in pure Python: no numpy, no pandas.

``spinemet score --patient`` and the web calculator check one patient's values. The frame validator
(:func:`spinemet.cohort.validate.check_frame`) gives the answer too, but loading pandas costs ten times
the checking itself. :func:`check_patient` applies the same rules (the per-cell rules are shared:
:mod:`spinemet.cohort.cell_rules`; the survival-from-dates rules of :mod:`spinemet.cohort.survival_dates`
and the totals of :mod:`spinemet.cohort._totals` through their scalar forms) and returns exactly the
problems and typed values of ``check_frame`` on the one-row frame of the same values (row 1 = header,
row 2 = the patient), which ``tests/cohort/test_patient_values.py`` proves on many drawn patients.
"""

from __future__ import annotations

import datetime as _dt
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spinemet.cohort import _totals
from spinemet.cohort.cell_rules import (
    MAX_CELL_CHARS,
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
from spinemet.cohort.problems import Problem, Severity
from spinemet.cohort.schema import (
    BARTHEL_ITEM_SETS,
    COLUMN_BY_NAME,
    COLUMNS,
    FRANKEL_ORIGINAL_ONLY,
    SINS_COMPONENTS,
    TOKUHASHI_COMPONENTS,
)
from spinemet.cohort.survival_dates import survival_of_patient
from spinemet.errors import InvalidInputError

__all__ = ["check_patient"]

HEADER_ROW = 1
"""The row of problems about the fields themselves (an unknown column), as in a CSV file's header."""
ROW = 2
"""The row of the patient's values (the first record of a CSV file)."""

_NAN = float("nan")


@dataclass
class _Cell:
    """One field after parsing: the value as found, the typed value (NaN/None when missing or refused)."""

    raw: Any
    typed: Any
    present: bool  # the value was not empty
    bad: bool  # the value was not empty and refused
    from_dates: bool = False  # survival_months/dead filled from the dates


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


class _Problems:
    """Problems in the order of ``check_frame``: by row, then column (the format's order), then as found."""

    def __init__(self, order: dict[str, int]) -> None:
        self.order = order
        self.items: list[tuple[int, int, int, Problem]] = []

    def add(self, row: int, column: str, value: Any, allowed: str, message: str,
            severity: Severity = "error") -> None:  # fmt: skip
        problem = Problem(row, column, value, allowed, message, severity)
        self.items.append((row, self.order.get(column, -1), len(self.items), problem))

    def sorted(self) -> list[Problem]:
        return [p for *_, p in sorted(self.items, key=lambda t: (t[0], t[1], t[2]))]


def _unknown_column(name: str) -> str:
    import difflib

    lower = {c.lower(): c for c in COLUMN_BY_NAME}
    close = [lower[name.lower()]] if name.lower() in lower else []
    close = close or difflib.get_close_matches(name, list(COLUMN_BY_NAME), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown column {name!r}{hint} (to keep it: --keep-extra)"


def _parse(name: str, raw: Any, scale_raw: Any) -> tuple[_Cell, str | None]:
    """The cell of a known column and its hint (``scale_raw``: the raw ``frankel_scale``, for Frankel)."""
    col = COLUMN_BY_NAME[name]
    if col.kind == "text":  # stripped; empty = missing
        text = norm(raw)
        fault = None if text is None or name == "patient_id" else text_fault(text)  # the id: _check_id
        if fault is not None:
            return _Cell(shown_text(text), _NAN, True, True), fault
        return _Cell(text, _NAN if text is None else text, text is not None, False), None
    if _missing(raw):  # an empty cell of the frame: no distinct value
        typed: Any = None if col.kind == "date" else _NAN
        return _Cell(None, typed, False, False), None
    if col.numeric:
        typed, ok, hint = unique_number(col, raw)
        token = norm(raw)
        if any(token == t for t, _ in col.special):
            typed = token  # the typed frame keeps the token (age "90+"), see validate._with_special_tokens
    elif col.kind == "date":
        day, ok, hint = unique_date(raw)
        typed = None if day is None else _dt.datetime(day.year, day.month, day.day)
    elif col.kind == "multi":
        typed, ok, hint = unique_multi(col, raw)
    else:
        extra = FRANKEL_ORIGINAL_ONLY if name in ("frankel_pre", "frankel_post") else ()
        typed, ok, hint = unique_category(col, raw, extra)
        if not ok and extra:
            text = norm(raw)
            hint = None if text is None else frankel_hint(text, norm(scale_raw) == "original")
    return _Cell(raw, typed, norm(raw) is not None, not ok), hint


def _check_id(cell: _Cell, out: _Problems) -> None:
    """``patient_id``: Unicode NFC, and refused when too long or holding invisible characters."""
    text = cell.typed
    if not cell.present or not isinstance(text, str):
        return
    if not text.isascii():
        text = cell.typed = unicodedata.normalize("NFC", text)
    fault = id_fault(text)
    if fault is not None:
        shown = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS] + "..."
        out.add(ROW, "patient_id", shown, COLUMN_BY_NAME["patient_id"].allowed, fault)
        cell.typed = _NAN
        cell.bad = True


def check_patient(values: Mapping[str, Any]) -> tuple[list[Problem], dict[str, Any]]:
    """Check one patient's values (text keyed by cohort column): (every problem, the typed values).

    The problems are those of :func:`spinemet.cohort.validate.check_frame` on the one-row frame of
    ``values`` (unknown fields are refused, row 1; the values' problems are on row 2), errors and
    warnings. The typed values are the known fields that are not missing: numbers as ``float`` (``age``
    ``"90+"`` kept as the token), codes as canonical ``str``, dates as ``datetime`` at midnight, and
    ``survival_months``/``dead`` derived from the dates when the dates give them.
    """
    names = [str(k) for k in values]
    raws = dict(zip(names, values.values(), strict=True))
    order = {c.name: k for k, c in enumerate(COLUMNS)}
    for k, name in enumerate(names):
        order.setdefault(name, len(COLUMNS) + k)
    out = _Problems(order)

    for name in names:
        if name not in COLUMN_BY_NAME:
            allowed = "a column of the cohort format (docs/cohort-format.md)"
            out.add(HEADER_ROW, name, name, allowed, _unknown_column(name))
    if "patient_id" not in raws:
        allowed = COLUMN_BY_NAME["patient_id"].allowed
        out.add(HEADER_ROW, "patient_id", None, allowed, "required column 'patient_id' is missing")

    for name in names:  # cells too long to be a value: reported once, then empty
        v = raws[name]
        if name != "patient_id" and isinstance(v, str) and len(v) > MAX_CELL_CHARS:
            allowed = f"at most {MAX_CELL_CHARS} characters"
            out.add(ROW, name, v[:SHOWN_CHARS] + "...", allowed,
                    f"{name}: the cell has {len(v)} characters; allowed: {allowed}")  # fmt: skip
            raws[name] = None

    cells: dict[str, _Cell] = {}
    for name in names:
        col = COLUMN_BY_NAME.get(name)
        if col is None:
            continue
        cell, hint = _parse(name, raws[name], raws.get("frankel_scale"))
        cells[name] = cell
        if cell.bad:
            out.add(ROW, name, cell.raw, col.allowed, cell_message(name, cell.raw, col.allowed, hint))
        if name == "patient_id":
            _check_id(cell, out)

    if "death_date" in cells or "last_contact_date" in cells:
        _survival(cells, out)
    _cross_rules(cells, out)
    typed = {name: cell.typed for name, cell in cells.items() if not _missing(cell.typed)}
    return out.sorted(), typed


def _date(cells: Mapping[str, _Cell], name: str) -> _dt.date | None:
    cell = cells.get(name)
    return None if cell is None or cell.typed is None else cell.typed.date()


def _number(cells: Mapping[str, _Cell], name: str) -> float:
    """The typed number of a field, NaN when absent or missing."""
    cell = cells.get(name)
    return _NAN if cell is None or not isinstance(cell.typed, float) else cell.typed


def _survival(cells: dict[str, _Cell], out: _Problems) -> None:
    """``survival_months``/``dead`` from the dates (cohort/survival_dates.py) and their problems."""
    months, dead, problems, filled = survival_of_patient(
        _date(cells, "surgery_date"), _date(cells, "death_date"), _date(cells, "last_contact_date"),
        _number(cells, "survival_months"), _number(cells, "dead"),
    )  # fmt: skip
    for prob in problems:
        value = cells[prob.column].raw if prob.column in cells else None
        out.add(ROW, prob.column, value, prob.allowed, prob.message)
    if filled:
        for name, value in (("survival_months", months), ("dead", dead)):
            old = cells.get(name)
            if old is None:
                cells[name] = _Cell(None, value, True, False, from_dates=True)
            else:
                old.typed, old.present, old.from_dates = value, True, True


def _cross_rules(cells: dict[str, _Cell], out: _Problems) -> None:
    """The cross-field rules of ``validate._cross_rules``, in the same order, for one patient."""

    def has(name: str) -> bool:
        return name in cells and cells[name].present and not cells[name].bad

    def present(name: str) -> bool:
        return name in cells and cells[name].present

    def bad(name: str) -> bool:
        return name in cells and cells[name].bad

    def raw(name: str) -> Any:
        return cells[name].raw if name in cells else None

    def typed(name: str) -> Any:
        """The typed value of a field that is valid, else ``None``."""
        cell = cells.get(name)
        if cell is None or cell.bad or _missing(cell.typed):
            return None
        return cell.typed

    if "patient_id" in cells and _missing(cells["patient_id"].typed) and not bad("patient_id"):
        allowed = COLUMN_BY_NAME["patient_id"].allowed
        out.add(ROW, "patient_id", None, allowed, "patient_id: missing; it is required")

    # Frankel: original D needs frankel_scale = original; D1-D3 are not on the original scale
    original = typed("frankel_scale") == "original"
    for name in ("frankel_pre", "frankel_post"):
        grade = typed(name)
        if grade is None:
            continue
        bad_d = grade == "D" and not original and not bad("frankel_scale")
        bad_sub = grade in ("D1", "D2", "D3") and original
        if bad_d:
            out.add(ROW, name, raw(name), COLUMN_BY_NAME[name].allowed,
                    f"{name}: got 'D', a grade of the original Frankel scale; give D1, D2 "
                    "or D3, or set frankel_scale = original")  # fmt: skip
        if bad_sub:
            out.add(ROW, name, raw(name), "one of: A, B, C, D, E (frankel_scale = original)",
                    f"{name}: got {grade!r} but frankel_scale = original has A-E only")  # fmt: skip
        if bad_d or bad_sub:
            cells[name].typed, cells[name].bad = _NAN, True

    # paired outcomes: post without pre is a warning (an error only for paired analyses)
    for post, pre in (("frankel_post", "frankel_pre"), ("barthel_post", "barthel_pre")):
        if has(post) and not present(pre):
            out.add(ROW, pre, None, f"required with {post} for paired analyses",
                    f"{pre}: missing while {post} is given; the row is left out of paired analyses",
                    "warning")  # fmt: skip

    # dead and survival_months together
    for a, b in (("dead", "survival_months"), ("survival_months", "dead")):
        if present(b) and not present(a):
            out.add(ROW, a, None, f"required when {b} is given",
                    f"{a}: missing while {b} is given; give both or neither")  # fmt: skip

    dead = cells["dead"].typed if "dead" in cells else _NAN
    if typed("discharge") == "in_hospital_death" and dead == 0:
        out.add(ROW, "dead", raw("dead"), "1 when discharge = in_hospital_death",
                "dead: got 0 but discharge = in_hospital_death")  # fmt: skip

    complications = typed("complications")
    items = complications.split(";") if isinstance(complications, str) else []
    if "early_death" in items:
        if not bad("dead") and dead != 1:  # NaN too
            out.add(ROW, "dead", raw("dead"), "1 when complications include early_death",
                    f"dead: got {display(raw('dead'))} but complications include early_death "
                    "(death within 30 days), which requires dead = 1")  # fmt: skip
        surv = cells["survival_months"].typed if "survival_months" in cells else _NAN
        if not bad("survival_months") and not surv < 1:
            out.add(ROW, "survival_months", raw("survival_months"),
                    "< 1 when complications include early_death",
                    f"survival_months: got {display(raw('survival_months'))} but complications "
                    "include early_death (death within 30 days), "
                    "which requires survival_months < 1")  # fmt: skip
    if "massive_bleeding" in items and "blood_loss_ml" in cells:
        loss = cells["blood_loss_ml"].typed
        if isinstance(loss, float) and loss <= 1500:
            out.add(ROW, "blood_loss_ml", raw("blood_loss_ml"),
                    "> 1500 when complications include massive_bleeding",
                    f"blood_loss_ml: got {display(raw('blood_loss_ml'))} with massive_bleeding "
                    "(> 1500 ml in the study's Table 4)", "warning")  # fmt: skip

    # Barthel item sets vs totals
    for suffix, (item_names, total) in BARTHEL_ITEM_SETS.items():
        if not all(c in cells for c in item_names) or total not in cells:
            continue
        item_values = [cells[c].typed for c in item_names]
        given = cells[total].typed
        if any(_missing(v) for v in item_values) or _missing(given):
            continue
        sums = math.fsum(item_values)
        if sums != given:
            label = f"barthel_*{suffix}"
            out.add(ROW, total, raw(total), f"the sum of the ten {label} items",
                    f"{total}: got {display(raw(total))} but the ten {label} items "
                    f"sum to {int(sums)}")  # fmt: skip

    # SINS location vs main_level (warning: the location is derived from the level when absent)
    from spinemet.scores.levels import SINS_LOCATION_OF_LEVEL

    level, location = typed("main_level"), typed("sins_location")
    known = isinstance(level, str) and isinstance(location, str)
    if known and SINS_LOCATION_OF_LEVEL.get(level, location) != location:
        out.add(ROW, "sins_location", raw("sins_location"), "the location of main_level (Fisher 2010)",
                f"sins_location: got {location!r} but main_level "
                f"{level} is {SINS_LOCATION_OF_LEVEL[level]}", "warning")  # fmt: skip

    for score in ("tokuhashi", "sins"):
        if score in cells:
            _check_total(score, cells, out)


def _check_total(score: str, cells: dict[str, _Cell], out: _Problems) -> None:
    """A given Tokuhashi or SINS total against the total of its components (cohort/_totals.py)."""
    from spinemet.scores.levels import SINS_LOCATION_OF_LEVEL

    components = _totals.COMPONENTS[score]
    values: dict[str, Any] = {}
    for c in components:
        cell = cells.get(c)
        v = None if cell is None or cell.bad or _missing(cell.typed) else cell.typed
        if c == "sins_location" and v is None and "main_level" in cells:
            level = cells["main_level"].typed
            v = SINS_LOCATION_OF_LEVEL.get(level) if isinstance(level, str) else None
        if v is None:
            return  # a component is missing: the total cannot be checked
        values[c] = v
    base_total = _totals.baseline_total(score)
    if base_total is None:
        return
    total, failed = base_total, False
    points: dict[str, float | None] = {}
    for c in components:
        try:
            delta, points[c] = _totals.item_points(score, c, values[c], base_total)
        except InvalidInputError as exc:
            message = f"{score}: cannot be checked: {exc}"
            out.add(ROW, score, raw_of(cells, score), "computable components", message)
            failed = True
            points[c] = None
            continue
        total += delta
    given = cells[score].typed
    if failed or _missing(given) or not isinstance(given, float) or total == given:
        return
    comps = ", ".join(TOKUHASHI_COMPONENTS if score == "tokuhashi" else SINS_COMPONENTS)
    explain = ", ".join(_totals.explain_part(c, values[c], points[c]) for c in components)
    out.add(ROW, score, raw_of(cells, score), f"the total of its components ({comps})",
            f"{score}: got {display(raw_of(cells, score))} but its components give "
            f"{int(total)} ({explain})")  # fmt: skip


def raw_of(cells: Mapping[str, _Cell], name: str) -> Any:
    """The value of a field as found (``None`` when absent or empty)."""
    return cells[name].raw if name in cells else None
