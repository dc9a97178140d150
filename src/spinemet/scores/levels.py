"""Vertebral levels: the C1..S5 vocabulary, the spinal region and the SINS location of a level.

The SINS location groups are those of Fisher et al., Spine 2010;35:E1221 (Table 1):
junctional = occiput-C2, C7-T2, T11-L1, L5-S1; mobile = C3-C6, L2-L4; semirigid = T3-T10;
rigid = S2-S5. The vocabulary has no code for the occiput, so junctional begins at C1.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._validate import require

__all__ = ["LEVELS", "REGION_OF_LEVEL", "SINS_LOCATION_OF_LEVEL", "region_of_level", "vertebral_level"]

_COUNTS = (("C", 7, "cervical"), ("T", 12, "thoracic"), ("L", 5, "lumbar"), ("S", 5, "sacral"))

LEVELS: tuple[str, ...] = tuple(f"{p}{i}" for p, n, _ in _COUNTS for i in range(1, n + 1))
"""The 29 level codes, cranial to caudal: C1..C7, T1..T12, L1..L5, S1..S5."""

REGION_OF_LEVEL: MappingProxyType[str, str] = MappingProxyType(
    {f"{p}{i}": region for p, n, region in _COUNTS for i in range(1, n + 1)}
)
"""Level code -> ``cervical`` | ``thoracic`` | ``lumbar`` | ``sacral``."""

_JUNCTIONAL = {"C1", "C2", "C7", "T1", "T2", "T11", "T12", "L1", "L5", "S1"}
_MOBILE = {"C3", "C4", "C5", "C6", "L2", "L3", "L4"}
_SEMIRIGID = {f"T{i}" for i in range(3, 11)}
_RIGID = {"S2", "S3", "S4", "S5"}


def _location(code: str) -> str:
    if code in _JUNCTIONAL:
        return "junctional"
    if code in _MOBILE:
        return "mobile"
    if code in _SEMIRIGID:
        return "semirigid"
    assert code in _RIGID
    return "rigid"


SINS_LOCATION_OF_LEVEL: MappingProxyType[str, str] = MappingProxyType({c: _location(c) for c in LEVELS})
"""Level code -> SINS location (``junctional`` | ``mobile`` | ``semirigid`` | ``rigid``), Fisher 2010."""

_ALLOWED = "C1..C7, T1..T12, L1..L5, S1..S5"


def vertebral_level(value: Any, field: str = "main_level") -> str:
    """Normalise a vertebral level code (whitespace stripped, upper-cased: ``" l4 "`` -> ``"L4"``)."""
    require(field, value, _ALLOWED)
    if not isinstance(value, str):
        raise InvalidInputError(field, value, _ALLOWED)
    code = value.strip().upper()
    if code not in REGION_OF_LEVEL:
        raise InvalidInputError(field, value, _ALLOWED)
    return code


def region_of_level(main_level: Any) -> str:
    """The spinal region of a level: ``cervical`` | ``thoracic`` | ``lumbar`` | ``sacral``."""
    return REGION_OF_LEVEL[vertebral_level(main_level)]
