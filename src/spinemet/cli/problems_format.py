"""The one way every command (``validate``, ``import``, ``score``, ``report``) shows cohort problems.

Text: one line per problem, never hard-wrapped, ``FILE, row N: SEVERITY: MESSAGE``, where the message
names the column, the value as found and what is allowed (added when the validator's message does not
already say it). JSON (``--json``): one object per problem with the same keys everywhere,
:data:`PROBLEM_KEYS`. Values are escaped for the terminal (control characters shown as ``\\x..``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

__all__ = [
    "PROBLEM_KEYS",
    "echo_problems",
    "problem_dict",
    "problem_line",
    "problems_json",
    "summary_line",
]

PROBLEM_KEYS = ("file", "row", "column", "value", "message", "allowed", "severity")
"""The keys of every problem printed with ``--json``."""


class _ProblemLike(Protocol):
    row: int | None
    column: str | None
    value: Any
    allowed: str
    message: str
    severity: str


def _safe(text: str) -> str:
    """``text`` with control characters (ANSI escapes, carriage returns, NUL) made visible."""
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


def _value_text(value: Any) -> str:
    from spinemet.cohort.validate import display

    return display(value)


def problem_line(p: _ProblemLike, source: str | None = None) -> str:
    """One problem as one line: where (file, row), severity, and a message naming column, value, allowed."""
    row = None if p.row is None else f"row {p.row}"
    where = ", ".join(x for x in (source, row) if x) or "file"
    message = p.message
    if p.column and p.column not in message:
        message = f"{p.column}: {message}"
    extra = []
    value = _value_text(p.value)
    if p.value is not None and value not in message:
        extra.append(f"value {value}")
    if p.allowed and p.allowed not in message:
        extra.append(f"allowed: {p.allowed}")
    if extra:
        message += f" ({'; '.join(extra)})"
    return _safe(f"{where}: {p.severity}: {message}")


def problem_dict(p: _ProblemLike, source: str | None = None) -> dict[str, Any]:
    """One problem as a JSON-ready dict with the keys :data:`PROBLEM_KEYS`."""
    value = p.value
    if value is not None and not isinstance(value, str | int | float | bool):
        value = str(value)
    return {
        "file": source,
        "row": p.row,
        "column": p.column,
        "value": value,
        "message": p.message,
        "allowed": p.allowed,
        "severity": p.severity,
    }


def summary_line(source: str, n_rows: int | None, problems: Sequence[_ProblemLike], verdict: str) -> str:
    """``FILE: VERDICT: N rows, E error(s), W warning(s)``."""
    n_err = sum(p.severity == "error" for p in problems)
    rows = "" if n_rows is None else f"{n_rows} rows, "
    return _safe(f"{source}: {verdict}: {rows}{n_err} error(s), {len(problems) - n_err} warning(s)")


def problems_json(
    problems: Iterable[_ProblemLike], source: str | None, *, n_rows: int | None = None, **extra: Any
) -> str:
    """The JSON document every command prints with ``--json`` for problems: file, ok, counts, problems."""
    items = [problem_dict(p, source) for p in problems]
    n_err = sum(p["severity"] == "error" for p in items)
    doc: dict[str, Any] = {"file": source, "ok": n_err == 0}
    if n_rows is not None:
        doc["n_rows"] = n_rows
    doc |= {"n_errors": n_err, "n_warnings": len(items) - n_err, **extra, "problems": items}
    return json.dumps(doc, indent=2, ensure_ascii=False, default=str)


def echo_problems(problems: Iterable[_ProblemLike], source: str | None, *, err: bool = True) -> None:
    """Print each problem with :func:`problem_line` (stderr by default; never wrapped)."""
    import typer

    for p in problems:
        typer.echo(problem_line(p, source), err=err)
