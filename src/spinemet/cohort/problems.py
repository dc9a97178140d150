"""What validation reports: one :class:`Problem` per wrong cell or broken rule, all of them at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

__all__ = ["CohortValidationError", "Problem", "Severity", "ValidationReport"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem in a cohort file.

    Attributes:
        row: the row as the user sees it in the file (CSV: header = line 1, first record = 2; Excel: the
            sheet row; SPSS/REDCap: record index + 2). ``None`` for problems of the whole file.
        column: the column concerned (``None`` for problems of the whole file).
        value: the value as found in the file (``None`` when the cell is empty).
        allowed: the allowed values, e.g. ``"10-100 in steps of 10"``.
        message: a full sentence naming the column, the value and what is allowed.
        severity: ``"error"`` (the file is refused) or ``"warning"`` (shown; the file is accepted).
    """

    row: int | None
    column: str | None
    value: Any
    allowed: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        return f"{self.severity}: {where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (the value as a string, or ``None``)."""
        d = asdict(self)
        if d["value"] is not None and not isinstance(d["value"], str | int | float | bool):
            d["value"] = str(d["value"])
        return d


class CohortValidationError(ValueError):
    """A cohort file or frame with at least one error; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem], source: str | None = None) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.source = source
        n_err = sum(p.severity == "error" for p in self.problems)
        head = f"{source}: " if source else ""
        lines = [f"{head}{n_err} error(s), {len(self.problems) - n_err} warning(s)"]
        lines += [f"  {p}" for p in self.problems]
        super().__init__("\n".join(lines))

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems of severity ``error``."""
        return tuple(p for p in self.problems if p.severity == "error")


@dataclass(frozen=True)
class ValidationReport:
    """The result of :func:`spinemet.cohort.validate_file`: every problem and the number of data rows."""

    problems: tuple[Problem, ...]
    n_rows: int
    source: str | None = None

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems of severity ``error``."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems of severity ``warning``."""
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: source, n_rows, ok, counts and every problem."""
        return {
            "source": self.source,
            "n_rows": self.n_rows,
            "ok": self.ok,
            "n_errors": len(self.errors),
            "n_warnings": len(self.warnings),
            "problems": [p.to_dict() for p in self.problems],
        }


def split(problems: Iterable[Problem]) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings)."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    for p in problems:
        (errors if p.severity == "error" else warnings).append(p)
    return errors, warnings
