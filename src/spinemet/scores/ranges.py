"""While a score's inputs are incomplete: the range the total could still take, and the possible bands.

At the bedside some items are not known yet (the CT is pending, the laboratory has not reported). The
calculator then shows e.g. "Tokuhashi 7-9: band 0-8 or 9-11". The range is found by brute force through
the real score function (never a second copy of a points table): every allowed value of each missing item
is tried, one representative per distinct point value (taken from the score's own point table), so the
enumeration stays small (Tokuhashi with all six items missing: 3*3*3*3*5*3 calls).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spinemet.errors import InvalidInputError
from spinemet.scores.katagiri import (
    KATAGIRI_LAB_POINTS,
    KATAGIRI_PRIMARY_POINTS,
    KATAGIRI_VISCERAL_POINTS,
    katagiri,
)
from spinemet.scores.result import ScoreResult
from spinemet.scores.sins import (
    SINS_ALIGNMENT_POINTS,
    SINS_COLLAPSE_POINTS,
    SINS_LESION_POINTS,
    SINS_LOCATION_POINTS,
    SINS_PAIN_POINTS,
    SINS_POSTEROLATERAL_POINTS,
    sins,
)
from spinemet.scores.tokuhashi import (
    TOKUHASHI_EXTRASPINAL_POINTS,
    TOKUHASHI_KPS_POINTS,
    TOKUHASHI_PALSY_POINTS,
    TOKUHASHI_PRIMARY_POINTS,
    TOKUHASHI_VERTEBRAL_POINTS,
    TOKUHASHI_VISCERAL_POINTS,
    tokuhashi,
)
from spinemet.scores.tomita import TOMITA_BONE_POINTS, TOMITA_PRIMARY_POINTS, TOMITA_VISCERAL_POINTS, tomita

__all__ = ["RANGE_SPECS", "RangeSpec", "ScoreRange", "representatives", "score_range", "score_ranges"]

#: Upper bound on the number of score-function calls for one range (guards against a huge domain).
MAX_CALLS = 20_000


def representatives(table: Mapping[Any, int | float]) -> tuple[Any, ...]:
    """One input value per distinct point value of a point table (the first in table order)."""
    seen: dict[int | float, Any] = {}
    for value, points in table.items():
        seen.setdefault(points, value)
    return tuple(seen.values())


@dataclass(frozen=True)
class RangeSpec:
    """A score whose range can be enumerated.

    Attributes:
        key: the score's key on the score card (``tokuhashi``, ``sins``...).
        fn: the real score function (keyword arguments = cohort columns).
        domains: for each input, the values to try when it is missing.
        alternatives: an input that stands for another one when given (SINS: ``main_level`` gives the
            location), so the other is not missing.
    """

    key: str
    fn: Callable[..., ScoreResult]
    domains: Mapping[str, Sequence[Any]]
    alternatives: Mapping[str, str] | None = None


@dataclass(frozen=True)
class ScoreRange:
    """The total could still be ``low``..``high`` and the bands reachable (code, label), lowest up."""

    score: str
    low: int | float
    high: int | float
    bands: tuple[tuple[str | None, str | None], ...]
    missing: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "score": self.score,
            "low": self.low,
            "high": self.high,
            "bands": [{"band": b, "band_label": label} for b, label in self.bands],
            "missing": list(self.missing),
        }


def score_range(spec: RangeSpec, given: Mapping[str, Any]) -> ScoreRange | None:
    """The range of ``spec``'s total given the known inputs ``given`` (cohort column -> typed value).

    Returns ``None`` when no completion is valid (a given value is itself invalid) or when the
    enumeration would exceed :data:`MAX_CALLS`. With nothing missing the range is the exact total.
    """
    known = {k: v for k, v in given.items() if k in spec.domains or k in (spec.alternatives or {})}
    skip = {target for alt, target in (spec.alternatives or {}).items() if alt in known}
    missing = [k for k in spec.domains if k not in known and k not in skip]
    choices = [tuple(spec.domains[k]) for k in missing]
    n_calls = 1
    for c in choices:
        n_calls *= max(len(c), 1)
    if n_calls > MAX_CALLS:
        return None
    totals: list[int | float] = []
    bands: dict[tuple[str | None, str | None], int | float] = {}
    for combo in itertools.product(*choices):
        try:
            result = spec.fn(**known, **dict(zip(missing, combo, strict=True)))
        except InvalidInputError:
            continue
        totals.append(result.total)
        band = (result.band, result.band_label)
        bands[band] = min(bands.get(band, result.total), result.total)
    if not totals:
        return None
    ordered = sorted(bands, key=lambda b: bands[b])  # bands from the lowest reachable total up
    return ScoreRange(spec.key, min(totals), max(totals), tuple(ordered), tuple(missing))


RANGE_SPECS: tuple[RangeSpec, ...] = (
    RangeSpec(
        "tokuhashi",
        tokuhashi,
        {
            "kps": representatives(TOKUHASHI_KPS_POINTS),
            "extraspinal_bone_mets": representatives(TOKUHASHI_EXTRASPINAL_POINTS),
            "vertebral_mets": representatives(TOKUHASHI_VERTEBRAL_POINTS),
            "visceral_mets": representatives(TOKUHASHI_VISCERAL_POINTS),
            "primary_tumor": representatives(TOKUHASHI_PRIMARY_POINTS),
            "frankel_pre": representatives(TOKUHASHI_PALSY_POINTS),
        },
    ),
    RangeSpec(
        "sins",
        sins,
        {
            "sins_location": representatives(SINS_LOCATION_POINTS),
            "sins_pain": representatives(SINS_PAIN_POINTS),
            "sins_lesion": representatives(SINS_LESION_POINTS),
            "sins_alignment": representatives(SINS_ALIGNMENT_POINTS),
            "sins_collapse": representatives(SINS_COLLAPSE_POINTS),
            "sins_posterolateral": representatives(SINS_POSTEROLATERAL_POINTS),
        },
        alternatives={"main_level": "sins_location"},
    ),
    RangeSpec(
        "tomita",
        tomita,
        {
            "tomita_primary_growth": representatives(TOMITA_PRIMARY_POINTS),
            "tomita_visceral": representatives(TOMITA_VISCERAL_POINTS),
            "tomita_bone_mets": representatives(TOMITA_BONE_POINTS),
        },
    ),
    RangeSpec(
        "katagiri",
        katagiri,
        {
            "katagiri_primary_growth": representatives(KATAGIRI_PRIMARY_POINTS),
            "katagiri_visceral": representatives(KATAGIRI_VISCERAL_POINTS),
            "ecog": (0, 1, 2, 3, 4),
            "previous_chemotherapy": (0, 1),
            "multiple_skeletal_mets": (0, 1),
            "katagiri_lab": representatives(KATAGIRI_LAB_POINTS),
        },
    ),
)


def score_ranges(given: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """For every score of :data:`RANGE_SPECS` with some but not all inputs known: its range as a dict."""
    out: dict[str, dict[str, Any]] = {}
    for spec in RANGE_SPECS:
        names = set(spec.domains) | set(spec.alternatives or {})
        if not any(k in given for k in names):
            continue
        found = score_range(spec, given)
        if found is not None and found.missing:
            out[spec.key] = found.to_dict()
    return out
