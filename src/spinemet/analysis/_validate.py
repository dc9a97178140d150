"""Input validation for the array arguments of the analysis functions.

Every check raises :class:`spinemet.errors.InvalidInputError` naming the argument, the offending value,
what is allowed and (for arrays) the 0-based index of the first bad element, e.g.
``time: got -1.0; allowed: finite numbers >= 0 (first bad value at index 3)``.
The checks are vectorised (one pass of numpy per rule), so they cost little next to the analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from spinemet.errors import InvalidInputError

__all__ = [
    "TIMEFIX_TOLERANCE",
    "as_event",
    "as_float_array",
    "as_group",
    "as_time",
    "as_weights",
    "check_conf_level",
    "check_same_length",
    "event_flags",
    "timefix",
    "timefix_clusters",
    "timefix_sorted",
    "timefix_tied",
]

# R survival's aeqSurv default tolerance, sqrt(.Machine$double.eps)
TIMEFIX_TOLERANCE = float(np.sqrt(np.finfo(np.float64).eps))


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _plain(value: Any) -> Any:
    """numpy scalar -> Python scalar, so messages read ``got 2`` rather than ``got np.int64(2)``."""
    return value.item() if isinstance(value, np.generic) else value


def _one_dim(values: Any, name: str) -> np.ndarray:
    if isinstance(values, pd.Series | pd.Index):
        values = values.to_numpy()
    arr = np.asarray(values)
    if arr.ndim == 0:
        raise InvalidInputError(name, values, "a one-dimensional array of values", "got a scalar")
    if arr.ndim != 1:
        raise InvalidInputError(name, f"array of shape {arr.shape}", "a one-dimensional array")
    if arr.size == 0:
        raise InvalidInputError(name, "an empty array", "at least one observation")
    return arr


def as_float_array(values: Any, name: str) -> np.ndarray:
    """A one-dimensional float64 array; NaN allowed (callers drop or reject missing values themselves)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(name, values, "numeric values", str(exc)) from exc
    if arr.ndim != 1:
        raise InvalidInputError(name, f"array of shape {arr.shape}", "a one-dimensional array")
    return arr


_POSITIVE_INF_BITS = int(np.array(np.inf).view(np.uint64))


def as_time(values: Any, name: str = "time") -> np.ndarray:
    """Follow-up times as float64: finite and >= 0 (missing values are not allowed)."""
    arr = _one_dim(values, name)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        try:
            arr = pd.to_numeric(pd.Series(arr), errors="raise").to_numpy(dtype=float, na_value=np.nan)
        except (ValueError, TypeError):
            series = pd.Series(arr)
            numeric = pd.to_numeric(series, errors="coerce")
            idx = _first_bad((numeric.isna() & series.notna()).to_numpy())
            raise InvalidInputError(
                name, _plain(arr[idx]), "finite numbers >= 0", f"first bad value at index {idx}"
            ) from None
    arr = np.asarray(arr, dtype=np.float64)
    # fast path, one pass: the bits of a finite double >= +0.0 read as an unsigned integer lie below
    # those of +inf; negatives (and -0.0), inf and NaN lie at or above (-0.0 is then let through below)
    if arr.size and int(arr.view(np.uint64).max()) < _POSITIVE_INF_BITS:
        return arr
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        idx = _first_bad(bad)
        raise InvalidInputError(
            name, float(arr[idx]), "finite numbers >= 0", f"first bad value at index {idx}"
        )
    return arr


def as_event(values: Any, name: str = "event") -> np.ndarray:
    """Event indicators as float64 0/1 (1 = the event, e.g. death; 0 = censored); bool accepted."""
    arr = _one_dim(values, name)
    if arr.dtype == bool:
        return arr.astype(np.float64)
    if arr.dtype.kind in "iu" and arr.min() >= 0 and arr.max() <= 1:  # fast path for 0/1 integers
        return arr.astype(np.float64)
    if arr.dtype.kind in "iuf":
        fl = arr.astype(np.float64, copy=False)
        bad = (fl != 0) & (fl != 1)  # NaN compares unequal, so it is caught here too
    else:
        fl = np.zeros(arr.shape, dtype=np.float64)
        bad = np.zeros(arr.shape, dtype=bool)
        for i, v in enumerate(arr):  # object arrays only (rare): check element by element
            if isinstance(v, bool | np.bool_) or (isinstance(v, int | float | np.number) and v in (0, 1)):
                fl[i] = float(v)
            else:
                bad[i] = True
    if bad.any():
        idx = _first_bad(bad)
        raise InvalidInputError(
            name, _plain(arr[idx]), "0/1 or False/True", f"first bad value at index {idx}"
        )
    return fl


def event_flags(values: Any, name: str = "event") -> np.ndarray:
    """Event indicators as a 0/1 array without a float copy where the input allows (bool as is, 0/1
    integers as is, after the same checks as :func:`as_event`); other inputs through :func:`as_event`.
    For unweighted counting, which adds the flags to integer keys."""
    arr = _one_dim(values, name)
    if arr.dtype == bool:
        return arr
    if arr.dtype.kind in "iu" and arr.size and int(arr.view(f"u{arr.dtype.itemsize}").max()) <= 1:
        return arr  # 0/1 integers, in one pass (negatives read as unsigned are large)
    return as_event(arr, name).astype(np.int8)


def as_weights(values: Any, name: str = "weights") -> np.ndarray:
    """Case weights as float64: finite and > 0."""
    arr = _one_dim(values, name)
    try:
        arr = np.asarray(arr, dtype=np.float64)
    except (ValueError, TypeError):
        raise InvalidInputError(name, "non-numeric values", "finite numbers > 0") from None
    bad = ~np.isfinite(arr) | (arr <= 0)
    if bad.any():
        idx = _first_bad(bad)
        raise InvalidInputError(
            name, float(arr[idx]), "finite numbers > 0", f"first bad value at index {idx}"
        )
    return arr


def as_group(values: Any, name: str = "group") -> tuple[np.ndarray, np.ndarray]:
    """Group labels -> (codes 0..k-1, sorted unique labels). Missing labels are not allowed.

    Labels are sorted as R sorts factor levels for numbers and strings, so group order (and hence the
    order of observed/expected) matches ``survdiff``.
    """
    arr = _one_dim(values, name)
    if arr.dtype.kind in "biu":  # fast path for integer codes (e.g. 0/1/2): no hashing, no sort of n
        ints = arr.astype(np.intp, copy=False)
        lo = int(ints.min())
        span = int(ints.max()) - lo
        if span < 1 << 16:
            shifted = ints - lo if lo else ints
            present = np.bincount(shifted, minlength=span + 1) > 0
            labels = (np.flatnonzero(present) + lo).astype(arr.dtype)
            if present.all():  # labels are consecutive integers: the codes are the shifted values
                return np.ascontiguousarray(shifted, dtype=np.intp), labels
            lookup = np.cumsum(present) - 1
            return lookup[shifted].astype(np.intp), labels
    missing = pd.isna(arr)
    if np.any(missing):
        idx = _first_bad(np.asarray(missing))
        raise InvalidInputError(
            name, _plain(arr[idx]), "non-missing group labels", f"first missing at index {idx}"
        )
    codes, uniques = pd.factorize(arr, sort=True)
    return codes.astype(np.intp, copy=False), np.asarray(uniques)


def check_same_length(**arrays: Sequence[Any] | np.ndarray | None) -> int:
    """All given arrays have one length; returns it. ``None`` entries are skipped."""
    lengths = {k: len(v) for k, v in arrays.items() if v is not None}
    first_name, first_len = next(iter(lengths.items()))
    for k, n in lengths.items():
        if n != first_len:
            raise InvalidInputError(
                k, f"length {n}", f"the same length as {first_name} ({first_len})"
            )
    return first_len


def check_conf_level(conf_level: float) -> float:
    """Confidence level strictly between 0 and 1 (e.g. 0.95)."""
    try:
        value = float(conf_level)
    except (TypeError, ValueError):
        raise InvalidInputError("conf_level", conf_level, "a number strictly between 0 and 1") from None
    if not (0 < value < 1):
        raise InvalidInputError("conf_level", conf_level, "a number strictly between 0 and 1")
    return value


# ------------------------------------------------------------------------------------------------------
# R's timefix: follow-up times computed in floating point (e.g. days / 30.4375) that differ only by
# rounding error are one time. survival::aeqSurv (survival 3.5, used by survfit, survdiff and coxph unless
# timefix = FALSE): over the sorted distinct times y, y[i + 1] is tied to y[i] when y[i + 1] - y[i] <= tol
# or (y[i + 1] - y[i]) / mean(|y|) <= tol, tol = sqrt(machine epsilon); every time is replaced by the
# smallest time of its run of ties.


def timefix_tied(ut: np.ndarray) -> np.ndarray | None:
    """For ascending distinct finite times: the positions (ascending) of the times that R's timefix ties
    to the time before them, or None when there are none (the usual case)."""
    if ut.size < 2:
        return None
    dy = np.diff(ut)
    mean = np.mean(ut if ut[0] >= 0 else np.abs(ut))  # |ut| = ut for times >= 0 (the same sum)
    # R's test (dy <= tol or dy / mean <= tol) on the gaps that can pass it: dy / mean is monotone in dy,
    # so a gap above both tol and tol * mean (with room for rounding) cannot
    bound = max(TIMEFIX_TOLERANCE, TIMEFIX_TOLERANCE * float(mean) * (1 + 1e-9))
    near = np.flatnonzero(dy <= bound)
    if near.size == 0:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        gaps = dy[near]
        hit = (gaps <= TIMEFIX_TOLERANCE) | (gaps / mean <= TIMEFIX_TOLERANCE)
    if not hit.any():
        return None
    return near[hit] + 1


def timefix_clusters(ut: np.ndarray) -> np.ndarray | None:
    """For ascending distinct finite times: the index of the first time of each merged run, or None
    when no two times are tied (the usual case)."""
    tied = timefix_tied(ut)
    if tied is None:
        return None
    keep = np.ones(ut.size, dtype=bool)
    keep[tied] = False
    return np.flatnonzero(keep)


def timefix_sorted(ts: np.ndarray) -> np.ndarray:
    """:func:`timefix` for times already sorted ascending (repeats allowed); returns ``ts`` itself when
    nothing merges. O(n), no sort."""
    if ts.size < 2:
        return ts
    new = np.empty(ts.size, dtype=bool)
    new[0] = True
    np.not_equal(ts[1:], ts[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    ut = ts[starts]
    first = timefix_clusters(ut)
    if first is None:
        return ts
    return _merged_unique(ut, first)[np.cumsum(new) - 1]


def _merged_unique(ut: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Each sorted unique time replaced by the first time of its timefix cluster (``first``: starts)."""
    cluster = np.zeros(ut.size, dtype=np.intp)
    cluster[first[1:]] = 1
    np.cumsum(cluster, out=cluster)
    return ut[first][cluster]


def _on_grid(t: np.ndarray, scale: float, chunk: int = 1 << 16) -> bool:
    """``rint(t * scale) / scale == t`` for every element, in blocks that stay in cache."""
    buf = np.empty(min(t.size, chunk))
    for start in range(0, t.size, chunk):
        block = t[start : start + chunk]
        part = buf[: block.size]
        if scale == 1.0:
            np.rint(block, out=part)
        else:
            np.multiply(block, scale, out=part)
            np.rint(part, out=part)
            np.divide(part, scale, out=part)
        if not np.array_equal(part, block):
            return False
    return True


def timefix(t: np.ndarray) -> np.ndarray:
    """Times with R's timefix applied (see above); returns ``t`` itself when nothing merges.

    Times on a decimal grid (whole days, months to 0.01) whose spacing cannot fall under the tolerance
    are returned at the cost of one check, without sorting.
    """
    if t.size < 2:
        return t
    tmax = max(abs(float(t.min())), abs(float(t.max())))
    head = t[:1024]
    for scale in (1.0, 10.0, 100.0, 1000.0):
        # distinct grid times differ by >= 1 / scale > tol, and relative to mean |y| <= tmax
        if tmax * scale * TIMEFIX_TOLERANCE >= 1.0:
            break
        if _on_grid(head, scale) and _on_grid(t, scale):
            return t
    ut, inverse = np.unique(t, return_inverse=True)
    first = timefix_clusters(ut)
    if first is None:
        return t
    return _merged_unique(ut, first)[inverse.ravel()]
