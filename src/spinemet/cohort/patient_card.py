"""One patient's score card: every score the values allow and the pathway's verdicts, as JSON-ready data.

Shared by ``spinemet score --patient`` (the CLI) and the web application's calculator and patient record,
so both show the same scores from the same rules. The input is text keyed by cohort column, checked by
the rules of ``spinemet validate`` (:mod:`spinemet.cohort.patient_values`, without pandas).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from spinemet.cohort.problems import Problem
from spinemet.errors import InvalidInputError

__all__ = ["PatientCardError", "score_patient", "score_specs", "typed_patient"]


class PatientCardError(ValueError):
    """The values cannot be scored: ``problems`` are the validation errors (row ``None``)."""

    def __init__(self, problems: list[Problem], lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.problems = problems
        self.lines = lines


def problem_text(p: Any, *, with_row: bool = True) -> str:
    """One problem as a line naming its row, column, value and what is allowed."""
    where = f"row {p.row}: " if with_row and p.row is not None else ""
    if p.column and p.message.startswith(f"{p.column}: got "):
        return f"{p.severity}: {where}{p.message}"  # the standard form names column, value and allowed
    value = "(empty)" if p.value is None else repr(p.value)
    column = f"column {p.column}, " if p.column else ""
    return f"{p.severity}: {where}{column}value {value}; allowed: {p.allowed} ({p.message})"


def typed_patient(values: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Validate text values against the cohort format: (typed values without missing, warnings).

    The rules of ``spinemet validate`` for one patient, in pure Python
    (:func:`spinemet.cohort.patient_values.check_patient`, proven equal to ``validate_frame`` and
    ``coerce_frame`` on the one-row frame): no pandas is loaded to score one patient.

    Raises:
        PatientCardError: a key that is not a cohort column, or a value not allowed for its column.
    """
    from spinemet.cohort.patient_values import check_patient

    text = dict(values)
    text.setdefault("patient_id", "patient")
    problems, typed = check_patient(text)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise PatientCardError(errors, [problem_text(p, with_row=False) for p in errors])
    warnings = [problem_text(p, with_row=False) for p in problems if p.severity == "warning"]
    return typed, warnings


def _why(err: InvalidInputError) -> str:
    """Why a score was not computed, in words: a missing input is "missing", never "got None"."""
    if err.value is None or _missing(err.value):
        detail = (err.detail or "").removeprefix("missing; ").removeprefix("missing")
        needed = f" ({detail})" if detail else ""
        return f"{err.field} missing{needed}; allowed: {err.allowed}"
    return str(err)


def _missing(value: Any) -> bool:
    from spinemet.cohort.cell_rules import is_missing

    return is_missing(value)


def _call(fn: Callable[..., Any], patient: Mapping[str, Any], total_key: str | None = None) -> Any:
    params = inspect.signature(fn).parameters
    kwargs = {k: v for k, v in patient.items() if k in params and k != "total"}
    if total_key and "total" in params and total_key in patient:
        kwargs["total"] = patient[total_key]
    return fn(**kwargs)


def _barthel_items(patient: Mapping[str, Any], suffix: str) -> dict[str, Any]:
    from spinemet.scores.barthel import BARTHEL_ITEMS

    items = {}
    for item in BARTHEL_ITEMS:
        for key in [item, item + "_pre"] if suffix == "_pre" else [item + suffix]:
            if key in patient:
                items[item] = patient[key]
    return items


def score_specs() -> list[tuple[str, str, Callable[[Mapping[str, Any]], Any], tuple[str, ...]]]:
    """(key, title, compute, input columns) of every score shown on the card."""
    from spinemet.scores.barthel import BARTHEL_ITEMS, barthel
    from spinemet.scores.bauer import bauer, modified_bauer
    from spinemet.scores.escc import escc
    from spinemet.scores.katagiri import katagiri
    from spinemet.scores.nesms import nesms
    from spinemet.scores.sins import sins
    from spinemet.scores.tokuhashi import tokuhashi
    from spinemet.scores.tomita import tomita

    def inputs(fn: Callable[..., Any], *extra: str) -> tuple[str, ...]:
        return (*(p for p in inspect.signature(fn).parameters if p != "total"), *extra)

    def barthel_of(suffix: str, total_key: str) -> Callable[[Mapping[str, Any]], Any]:
        def compute(p: Mapping[str, Any]) -> Any:
            items = _barthel_items(p, suffix)
            return barthel(items=items or None, total=p.get(total_key))

        return compute

    items = tuple(BARTHEL_ITEMS)
    return [
        ("tokuhashi", "Revised Tokuhashi score", lambda p: _call(tokuhashi, p, "tokuhashi"),
         inputs(tokuhashi, "tokuhashi")),
        ("sins", "Spinal Instability Neoplastic Score (SINS)", lambda p: _call(sins, p, "sins"),
         inputs(sins, "sins")),
        ("escc", "Epidural spinal cord compression (Bilsky)", lambda p: escc(p.get("escc")), ("escc",)),
        ("barthel_pre", "Barthel index before surgery", barthel_of("_pre", "barthel_pre"),
         ("barthel_pre", *items, *(i + "_pre" for i in items))),
        ("barthel_post", "Barthel index after surgery", barthel_of("_post", "barthel_post"),
         ("barthel_post", *(i + "_post" for i in items))),
        ("tomita", "Tomita score", lambda p: _call(tomita, p), inputs(tomita)),
        ("katagiri", "New Katagiri score", lambda p: _call(katagiri, p),
         ("katagiri_primary_growth", "katagiri_visceral", "katagiri_lab")),
        ("modified_bauer", "Modified Bauer score", lambda p: _call(modified_bauer, p),
         ("solitary_skeletal_met", "visceral_mets")),
        ("bauer", "Bauer score", lambda p: _call(bauer, p), ("pathologic_fracture",)),
        ("nesms", "New England Spinal Metastasis Score (NESMS)", lambda p: _call(nesms, p),
         ("ambulatory", "albumin_g_dl", "modified_bauer")),
    ]  # fmt: skip


def score_patient(values: Mapping[str, str]) -> dict[str, Any]:
    """Score one patient given as text values keyed by cohort column: a JSON-ready dict.

    Keys: ``patient`` (the typed values), ``scores`` (``ScoreResult.to_dict()`` per score computed),
    ``not_computed`` (score -> why), ``frankel_change``, ``pathway`` (``PathwayAssessment.to_dict()``),
    ``warnings`` (validation warnings, as text).

    Raises:
        PatientCardError: a key that is not a cohort column, or a value not allowed for its column.
    """
    from spinemet.pathway import assess
    from spinemet.scores.frankel import frankel_change

    patient, warnings = typed_patient(values)
    scores: dict[str, Any] = {}
    not_computed: dict[str, str] = {}
    for key, _title, compute, keys in score_specs():
        if not any(k in patient for k in keys):
            needs = list(dict.fromkeys(keys))
            text = ", ".join(needs) if len(needs) <= 6 else f"{needs[0]}, or its items {needs[1]}, ..."
            not_computed[key] = f"no inputs given (needs: {text})"
            continue
        try:
            scores[key] = compute(patient).to_dict()
        except InvalidInputError as err:
            not_computed[key] = _why(err)
    change = None
    if "frankel_pre" in patient and "frankel_post" in patient:
        change = frankel_change(
            patient["frankel_pre"], patient["frankel_post"], patient.get("frankel_scale", "modified")
        )
    try:
        pathway = assess(patient).to_dict()
    except InvalidInputError as err:
        raise PatientCardError([], [str(err)]) from err
    return {
        "patient": {k: plain(v) for k, v in patient.items()},
        "scores": scores,
        "not_computed": not_computed,
        "frankel_change": change,
        "pathway": pathway,
        "warnings": warnings,
    }


def plain(value: Any) -> Any:
    """A JSON-ready scalar: whole floats as int, dates as ``YYYY-MM-DD``, numpy scalars as Python."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    if hasattr(value, "item"):
        return value.item()
    return value
