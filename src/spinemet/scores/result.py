"""The result type every score returns: total, components, band, version and citation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Component", "ScoreResult"]


@dataclass(frozen=True)
class Component:
    """One item of a score: what was given, which category it fell into, and its points.

    ``derived_from`` names the input the value was derived from when it was not given directly
    (e.g. palsy points from ``frankel_pre``, SINS location from ``main_level``).
    """

    name: str
    label: str
    value: Any
    category: str
    points: int | float
    derived_from: str | None = None


@dataclass(frozen=True)
class ScoreResult:
    """A computed clinical score.

    Attributes:
        score: machine name, e.g. ``"tokuhashi_revised"``.
        total: the total points.
        components: the items with their points (empty when only a total was given).
        band: band code, e.g. ``"0-8"`` or ``"potentially_unstable"``; ``None`` for scores without bands.
        band_label: the band's clinical meaning, e.g. ``"< 6 months"``.
        version: the scale version, e.g. ``"revised 2005"``.
        citation: the primary source.
        notes: caveats: cut-offs not confirmed by a primary source, derivations, source disagreements.
        extra: score-specific values (e.g. NESMS ``weighted_sum``, Tokuhashi suggested treatment).
        total_range: (lowest, highest) total the patient could have when a component is not known
            exactly (e.g. a missing laboratory value); ``None`` when the total is exact. Then ``total``
            is the lowest possible total (kept for compatibility) and should not be shown alone.
        possible_bands: the bands the possible totals fall in (empty when the total is exact).
    """

    score: str
    total: int | float
    components: tuple[Component, ...]
    band: str | None
    band_label: str | None
    version: str
    citation: str
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    total_range: tuple[int | float, int | float] | None = None
    possible_bands: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        """True when the total is known exactly (no range)."""
        return self.total_range is None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every field."""
        return asdict(self)
