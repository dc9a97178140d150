"""Input normalisation shared by the score functions (private).

Rules, applied the same way everywhere (documented in ``docs/scores.md``):

- ``None``, float NaN, pandas ``NA``/``NaT`` and blank strings count as *missing*.
- Categorical codes are matched after stripping whitespace and lower-casing (``" Lytic "`` -> ``lytic``);
  Frankel grades and vertebral levels are upper-cased instead (``" d1 "`` -> ``D1``, ``"l4"`` -> ``L4``).
- Integers may arrive as ``int``, as an integral float (``70.0``, as pandas stores them) or as a string
  (``"70"``, as the CLI passes them). ``bool`` is never a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from spinemet.errors import InvalidInputError

YES_NO = ("yes", "no")


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA/NaT and blank strings."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return value.strip() == ""
    # pandas.NA / NaT without importing pandas (scores import only spinemet.errors).
    return type(value).__name__ in {"NAType", "NaTType"}


def require(field: str, value: Any, allowed: str) -> None:
    """Raise the 'missing' error for ``field`` if ``value`` is missing."""
    if is_missing(value):
        raise InvalidInputError(field, value, allowed, "missing")


def as_int(field: str, value: Any, allowed: str) -> int:
    """An integer from int, integral float or numeric string; anything else raises."""
    if isinstance(value, bool):
        raise InvalidInputError(field, value, allowed)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise InvalidInputError(field, value, allowed)
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise InvalidInputError(field, value, allowed) from None
            if math.isfinite(number) and number.is_integer():
                return int(number)
            raise InvalidInputError(field, value, allowed) from None
    # numpy integer / floating scalars expose item()
    item = getattr(value, "item", None)
    if callable(item):
        return as_int(field, item(), allowed)
    raise InvalidInputError(field, value, allowed)


def as_float(field: str, value: Any, allowed: str) -> float:
    """A finite float from a number or numeric string; anything else raises."""
    if isinstance(value, bool):
        raise InvalidInputError(field, value, allowed)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise InvalidInputError(field, value, allowed) from None
    else:
        item = getattr(value, "item", None)
        if not callable(item):
            raise InvalidInputError(field, value, allowed)
        return as_float(field, item(), allowed)
    if not math.isfinite(number):
        raise InvalidInputError(field, value, allowed)
    return number


def int_in(field: str, value: Any, low: int, high: int | None = None, step: int = 1) -> int:
    """An integer in ``low..high`` (``high=None``: no upper bound) on a grid of ``step``."""
    if high is None:
        allowed = f"integer >= {low}"
    elif step == 1:
        allowed = f"integer {low}-{high}"
    else:
        allowed = f"{low}-{high} in steps of {step}"
    require(field, value, allowed)
    number = as_int(field, value, allowed)
    if number < low or (high is not None and number > high) or (number - low) % step:
        raise InvalidInputError(field, value, allowed)
    return number


def choice(field: str, value: Any, allowed: Iterable[str]) -> str:
    """A lower-case vocabulary code from ``allowed`` (input stripped and lower-cased)."""
    options = tuple(allowed)
    text = ", ".join(options)
    require(field, value, text)
    if not isinstance(value, str):
        raise InvalidInputError(field, value, text)
    code = value.strip().lower()
    if code not in options:
        raise InvalidInputError(field, value, text)
    return code


def yes_no(field: str, value: Any) -> bool:
    """``yes``/``no`` (also ``True``/``False`` and 1/0) as a bool."""
    item = getattr(value, "item", None)
    if not isinstance(value, str | int | float) and callable(item):
        value = item()  # numpy scalar
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not is_missing(value) and value in (0, 1):
        return bool(value)
    return choice(field, value, YES_NO) == "yes"

