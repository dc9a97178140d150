"""The time axis of Kaplan-Meier figures and the numbers at risk printed under it (no plotting library)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["numbers_at_risk", "tick_times"]


def numbers_at_risk(time: np.ndarray, at: Sequence[float]) -> list[int]:
    """Patients still at risk (follow-up time >= t) at each time in ``at``, as printed under KM plots."""
    sorted_time = np.sort(np.asarray(time, dtype=float))
    return [int(sorted_time.size - np.searchsorted(sorted_time, t, side="left")) for t in at]


def tick_times(max_time: float) -> np.ndarray:
    """Round tick positions (months): every 3, 6, 12, 24, 60 or 120 so that there are at most 8 steps, up to
    the first tick at or after ``max_time`` (so no follow-up is cut off)."""
    for step in (3, 6, 12, 24, 60, 120):
        if max_time / step <= 8:
            break
    last = np.ceil(max_time / step) * step  # the axis reaches the longest follow-up
    return np.arange(0.0, last + step * 0.5, step)
