"""The one error type for invalid clinical input.

Every message names the field, the value received and the values allowed, e.g.
``kps: got 75; allowed: 10-100 in steps of 10``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["InvalidInputError"]


def _shown(value: Any) -> Any:
    """The value as a user reads it: numpy scalars as Python numbers (``2.5``, not ``np.float64(2.5)``),
    also inside lists, tuples and sets. numpy is not imported here: any object with ``item()`` and a
    ``dtype`` (a numpy scalar) is converted."""
    if hasattr(value, "dtype") and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return value.item()
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(_shown(v) for v in value)
    return value


class InvalidInputError(ValueError):
    """A value that a score, rule or cohort column does not accept.

    Attributes:
        field: the input or column name (e.g. ``"kps"``).
        value: the value received, as given.
        allowed: a human-readable description of the allowed values.
    """

    def __init__(self, field: str, value: Any, allowed: str, detail: str | None = None) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        self.detail = detail
        message = f"{field}: got {_shown(value)!r}; allowed: {allowed}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)
