"""The one error type for invalid clinical input.

Every message names the field, the value received and the values allowed, e.g.
``kps: got 75; allowed: 10-100 in steps of 10``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["InvalidInputError"]


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
        message = f"{field}: got {value!r}; allowed: {allowed}"
        if detail:
            message += f" ({detail})"
        super().__init__(message)
