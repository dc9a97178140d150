"""Text from the data made safe for the terminal, and foreseeable failures told without patient data.

Values printed by the CLI come from files and databases that anyone may have written: a ``patient_id``
of ``[/bold]`` is rich markup, and ``\\x1b]8;;...`` an escape sequence the terminal would obey. Every
value is printed through :func:`plain` (control characters removed) and, where rich parses markup,
:func:`markup` or :func:`cell` (markup escaped / a ``Text`` that is never parsed).

:func:`describe_failure` turns the exceptions of a foreseeable failure (an unreachable or damaged
database, a wrong URL scheme, a missing folder, a locked file) into one sentence. Database errors are
described by their kind and the driver's first line only: SQLAlchemy's statement and parameter dump and
PostgreSQL's ``DETAIL: Key (patient_id)=(...)`` lines carry patient data and are never shown.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["cell", "describe_failure", "markup", "plain"]

# ESC sequences (CSI, OSC, two-character), then any other C0/C1 control except tab and newline, and the
# bidirectional overrides that reorder what is shown (CVE-2021-42574, "Trojan Source").
_ANSI_RE = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def plain(value: Any) -> str:
    """``value`` as text without terminal escape sequences or control characters (tab, newline kept)."""
    text = str(value)
    if text.isascii() and text.isprintable():
        return text
    return _CONTROL_RE.sub("", _ANSI_RE.sub("", text))


def markup(value: Any) -> str:
    """``value`` for a rich string with markup: control characters removed and ``[`` escaped."""
    from rich.markup import escape

    return escape(plain(value))


def cell(value: Any) -> Any:
    """A rich table cell showing ``value`` literally (a ``Text``: never parsed as markup)."""
    from rich.text import Text

    return Text(plain(value))


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:300]


def describe_failure(exc: BaseException) -> str | None:
    """One sentence for a foreseeable failure, without values from the data; ``None`` when ``exc`` is
    not one (a bug: the traceback is then worth showing)."""
    try:
        import sqlalchemy.exc as sa_exc
    except ImportError:  # pragma: no cover - sqlalchemy is a dependency
        sa_exc = None  # type: ignore[assignment]
    if sa_exc is not None:
        if isinstance(exc, sa_exc.DBAPIError):  # never str(exc): it holds the statement and parameters
            orig = exc.orig
            kind = type(orig).__name__ if orig is not None else type(exc).__name__
            reason = _first_line(str(orig)) if orig is not None else ""
            if "locked" in reason:
                reason += " (another program is writing to the database; try again when it has finished)"
            return plain(f"the database refused the operation ({kind}: {reason})")
        if isinstance(exc, sa_exc.NoSuchModuleError | sa_exc.ArgumentError):
            return ("the database URL cannot be used: give sqlite:///path/to/file.db or "
                    "postgresql+psycopg://user@host/db")  # fmt: skip
        if isinstance(exc, sa_exc.SQLAlchemyError):
            return plain(f"the database failed ({type(exc).__name__})")
    if isinstance(exc, FileNotFoundError):
        if not exc.filename:
            return "a file or folder was not found"
        from pathlib import Path

        name = str(exc.filename).removesuffix(".part")  # the temporary name of an atomic write
        folder = Path(name).parent
        if not folder.exists():
            return plain(f"the folder {folder} does not exist (for {Path(name).name})")
        return plain(f"not found: {name}")
    if isinstance(exc, PermissionError):
        return plain(f"permission denied: {exc.filename}" if exc.filename else "permission denied")
    if isinstance(exc, IsADirectoryError | NotADirectoryError):
        return plain(f"{exc.strerror}: {exc.filename}")
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return plain(f"{exc.strerror or type(exc).__name__}{where}")
    if isinstance(exc, MemoryError):
        return "not enough memory for this operation"
    return None
