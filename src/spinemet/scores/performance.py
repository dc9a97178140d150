"""Performance status (Karnofsky, ECOG) and pain (visual analogue scale).

Karnofsky performance status (KPS): 100 (normal) to 0 (dead) in steps of 10 (Karnofsky & Burchenal
1949). ECOG/WHO performance status: 0 (fully active) to 5 (dead) (Oken et al., Am J Clin Oncol
1982;5:649). There is no formal published mapping between the two (hemonc.org); the crosswalk used here
is the conventional one (KPS 100-90 -> 0, 80-70 -> 1, 60-50 -> 2, 40-30 -> 3, 20-10 -> 4, 0 -> 5) and
the single-value inverse is Buccheri et al., Eur J Cancer 1996;32A:1135 (0 -> 90, 1 -> 80, 2 -> 60,
3 -> 40, 4 -> 20; 5 -> 0). Every conversion is approximate.

Note: the seed paper (Uei 2018) writes "Karnofsky performance status >= 3"; this can only mean ECOG >= 3
(about KPS <= 40).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores._validate import as_float, int_in, require

__all__ = [
    "ECOG_DESCRIPTIONS",
    "ECOG_TO_KPS",
    "KPS_DESCRIPTIONS",
    "KPS_TO_ECOG",
    "ecog",
    "ecog_to_kps",
    "kps",
    "kps_to_ecog",
    "vas",
]

KPS_DESCRIPTIONS: MappingProxyType[int, str] = MappingProxyType(
    {
        100: "normal, no complaints",
        90: "minor signs or symptoms",
        80: "normal activity with effort",
        70: "cares for self, unable to work",
        60: "requires occasional assistance",
        50: "requires considerable assistance",
        40: "disabled",
        30: "severely disabled",
        20: "very sick",
        10: "moribund",
        0: "dead",
    }
)

ECOG_DESCRIPTIONS: MappingProxyType[int, str] = MappingProxyType(
    {
        0: "fully active",
        1: "restricted in strenuous activity",
        2: "ambulatory, up more than 50% of waking hours",
        3: "limited self-care, in bed or chair more than 50% of waking hours",
        4: "completely disabled",
        5: "dead",
    }
)

KPS_TO_ECOG: MappingProxyType[int, int] = MappingProxyType(
    {100: 0, 90: 0, 80: 1, 70: 1, 60: 2, 50: 2, 40: 3, 30: 3, 20: 4, 10: 4, 0: 5}
)
"""Conventional KPS -> ECOG crosswalk (approximate)."""

ECOG_TO_KPS: MappingProxyType[int, int] = MappingProxyType({0: 90, 1: 80, 2: 60, 3: 40, 4: 20, 5: 0})
"""Single-value ECOG -> KPS equivalents (Buccheri 1996; approximate)."""


def kps(value: Any, *, allow_zero: bool = True, field: str = "kps") -> int:
    """Validate a Karnofsky score: 0-100 in steps of 10 (10-100 when ``allow_zero`` is False)."""
    return int_in(field, value, 0 if allow_zero else 10, 100, 10)


def ecog(value: Any, *, field: str = "ecog") -> int:
    """Validate an ECOG performance status: integer 0-5."""
    return int_in(field, value, 0, 5)


def kps_to_ecog(kps_value: Any) -> int:
    """Approximate ECOG grade of a KPS value (conventional crosswalk; no formal published mapping)."""
    return KPS_TO_ECOG[kps(kps_value)]


def ecog_to_kps(ecog_value: Any) -> int:
    """Approximate single KPS value of an ECOG grade (Buccheri 1996 equivalents)."""
    return ECOG_TO_KPS[ecog(ecog_value)]


def vas(value: Any, *, field: str = "vas") -> float:
    """Validate a pain visual analogue scale value: a number 0-10 (decimals allowed)."""
    allowed = "number 0-10"
    require(field, value, allowed)
    number = as_float(field, value, allowed)
    if not 0 <= number <= 10:
        raise InvalidInputError(field, value, allowed)
    return number
