"""Reading one patient's values from a mapping keyed by cohort column names.

Values may come from a typed cohort frame (floats, NaN, ``pd.NA``) or from text (the CLI). Missing means
absent key, ``None``, NaN/NA or an empty string. A value that is present but invalid raises
``InvalidInputError`` naming the field, the value and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from spinemet.errors import InvalidInputError

__all__ = [
    "CERVICAL_LEVELS",
    "EXTENSION_YES_NO",
    "SPINAL_LEVELS",
    "get_choice",
    "get_int",
    "get_level",
    "get_yes_no",
    "is_missing",
    "missing_of",
    "present",
]

#: Yes/no extension columns used by the pathway (docs/ARCHITECTURE.md, "Extension columns").
EXTENSION_YES_NO = (
    "family_care",
    "en_bloc_candidate",
    "analgesic_or_rt_responsive",
    "reduced_will_to_live",
    "pedicles_confirmable",
    "intractable_pain",
)

CERVICAL_LEVELS = tuple(f"C{i}" for i in range(1, 8))
SPINAL_LEVELS = (
    CERVICAL_LEVELS
    + tuple(f"T{i}" for i in range(1, 13))
    + tuple(f"L{i}" for i in range(1, 6))
    + tuple(f"S{i}" for i in range(1, 6))
)


def is_missing(value: Any) -> bool:
    """True for ``None``, NaN, ``pd.NA``/``NaT`` and blank strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return bool(pd.api.types.is_scalar(value) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def present(patient: Mapping[str, Any], field: str) -> bool:
    """True when ``field`` holds a (non-missing) value."""
    return not is_missing(patient.get(field))


def missing_of(patient: Mapping[str, Any], fields: Iterable[str]) -> tuple[str, ...]:
    """The fields among ``fields`` that are missing, in the given order."""
    return tuple(f for f in fields if not present(patient, f))


def get_yes_no(patient: Mapping[str, Any], field: str) -> bool | None:
    """A yes/no column as ``True``/``False``, or ``None`` when missing. Accepts ``yes``/``no`` and bools."""
    value = patient.get(field)
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("yes", "no"):
        return value.strip().lower() == "yes"
    raise InvalidInputError(field, value, "yes, no")


def get_int(
    patient: Mapping[str, Any], field: str, lo: int, hi: int, step: int = 1, allowed: str | None = None
) -> int | None:
    """An integer column within ``lo..hi`` (multiple of ``step``), or ``None`` when missing.

    Accepts ints, integral floats (typed cohort frames) and integral text ("70", "70.0").
    """
    value = patient.get(field)
    if is_missing(value):
        return None
    allowed = allowed or (f"integer {lo}-{hi}" + (f" in steps of {step}" if step != 1 else ""))
    if isinstance(value, bool):
        raise InvalidInputError(field, value, allowed)
    try:
        number = float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(field, value, allowed) from None
    if not number.is_integer() or not lo <= number <= hi or int(number) % step:
        raise InvalidInputError(field, value, allowed)
    return int(number)


def get_choice(patient: Mapping[str, Any], field: str, choices: Iterable[str]) -> str | None:
    """A categorical column as its code (case-insensitive match), or ``None`` when missing."""
    value = patient.get(field)
    if is_missing(value):
        return None
    choices = tuple(choices)
    text = str(value).strip()
    for choice in choices:
        if text.lower() == choice.lower():
            return choice
    raise InvalidInputError(field, value, ", ".join(choices))


def get_level(patient: Mapping[str, Any], field: str = "main_level") -> str | None:
    """A vertebral level (``C1``..``S5``), or ``None`` when missing."""
    return get_choice(patient, field, SPINAL_LEVELS)
