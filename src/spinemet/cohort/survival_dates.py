"""Survival from dates: ``survival_months`` and ``dead`` derived from ``surgery_date``, ``death_date`` and
``last_contact_date``, and the checks that the dates and any typed values agree.

Clinical meaning: survival is measured from surgery to death (``dead = 1``) or, for a patient alive at
the end of follow-up, to the date last known alive (censored, ``dead = 0``). Months are days / 30.4375
(the mean month of the Julian year, 365.25 / 12), the convention of R's ``lubridate`` and of most
survival papers; the report's methods paragraph states it when the dates were used.

Rules (each problem names the row and the column):

* ``death_date`` or ``last_contact_date`` without ``surgery_date``: the dates cannot be used (error).
* a date before ``surgery_date``; ``last_contact_date`` after ``death_date`` (error).
* typed ``survival_months`` that differs from the dates by more than one day, or typed ``dead`` that
  contradicts them (death date given -> 1; only a last contact -> 0): an error naming both values.
* otherwise, missing ``survival_months``/``dead`` are filled from the dates; typed values remain valid on
  their own (files that have only them).

:func:`derive_survival` applies the rules to a frame (vectorised); :func:`survival_of_patient` to one
patient in pure Python (``spinemet score --patient``), with the same problems in the same order.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

__all__ = ["DAYS_PER_MONTH", "DateProblem", "derive_survival", "survival_of_patient"]

DAYS_PER_MONTH = 30.4375
_TOLERANCE_MONTHS = 1.0 / DAYS_PER_MONTH  # one day: typed months are usually rounded to 0.1 or 0.01


@dataclass(frozen=True)
class DateProblem:
    """A disagreement at position ``pos`` (0-based record) in ``column``."""

    pos: int
    column: str
    allowed: str
    message: str


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def derive_survival(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[DateProblem], np.ndarray]:
    """Derive survival from dates in a typed cohort frame.

    Returns (the frame with ``survival_months``/``dead`` filled where the dates give them, the problems,
    a boolean array of the rows whose survival came from the dates). Frames without the date columns are
    returned unchanged.
    """
    import numpy as np
    import pandas as pd

    n = len(frame)
    used = np.zeros(n, dtype=bool)
    if "death_date" not in frame.columns and "last_contact_date" not in frame.columns:
        return frame, [], used
    nat = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    surgery = frame["surgery_date"] if "surgery_date" in frame.columns else nat
    death = frame["death_date"] if "death_date" in frame.columns else nat
    contact = frame["last_contact_date"] if "last_contact_date" in frame.columns else nat
    problems: list[DateProblem] = []
    has_s, has_d, has_c = surgery.notna().to_numpy(), death.notna().to_numpy(), contact.notna().to_numpy()
    for i in np.flatnonzero((has_d | has_c) & ~has_s):
        col = "death_date" if has_d[i] else "last_contact_date"
        problems.append(DateProblem(int(i), "surgery_date", "a date YYYY-MM-DD when " + col + " is given",
                                    f"surgery_date: missing while {col} is given; survival is measured "
                                    "from surgery"))
    ok = has_s.copy()
    for col, series, present in (("death_date", death, has_d), ("last_contact_date", contact, has_c)):
        early = present & has_s & (series < surgery).to_numpy()
        for i in np.flatnonzero(early):
            problems.append(DateProblem(int(i), col, "a date on or after surgery_date",
                                        f"{col}: got {series.iat[i]:%Y-%m-%d}, before surgery_date "
                                        f"{surgery.iat[i]:%Y-%m-%d}"))
        ok &= ~early
    after = has_d & has_c & (contact > death).to_numpy()
    for i in np.flatnonzero(after):
        problems.append(DateProblem(int(i), "last_contact_date", "a date on or before death_date",
                                    f"last_contact_date: got {contact.iat[i]:%Y-%m-%d}, after death_date "
                                    f"{death.iat[i]:%Y-%m-%d}"))
    ok &= ~after & (has_d | has_c)
    end = death.where(death.notna(), contact)
    days = (end - surgery).dt.days.to_numpy(dtype=np.float64)
    months = days / DAYS_PER_MONTH
    dead = has_d.astype(np.float64)
    out = frame.copy(deep=False)  # the two columns below are replaced, never written into: no data copied
    typed_m = (out["survival_months"].to_numpy(dtype=np.float64) if "survival_months" in out.columns
               else np.full(n, np.nan))
    typed_dead = out["dead"].to_numpy(dtype=np.float64) if "dead" in out.columns else np.full(n, np.nan)
    clash_m = ok & ~np.isnan(typed_m) & (np.abs(np.nan_to_num(typed_m) - months) > _TOLERANCE_MONTHS + 1e-9)
    for i in np.flatnonzero(clash_m):
        src = "death_date" if has_d[i] else "last_contact_date"
        problems.append(DateProblem(int(i), "survival_months", f"{_fmt(months[i])} (from the dates) or empty",
                                    f"survival_months: got {_fmt(typed_m[i])} but surgery_date to {src} is "
                                    f"{int(days[i])} days = {_fmt(months[i])} months (days / 30.4375)"))
    clash_d = ok & ~np.isnan(typed_dead) & (np.nan_to_num(typed_dead, nan=-1) != dead)
    for i in np.flatnonzero(clash_d):
        why = "death_date is given" if has_d[i] else "only last_contact_date is given (alive then)"
        problems.append(DateProblem(int(i), "dead", f"{int(dead[i])} (from the dates) or empty",
                                    f"dead: got {int(typed_dead[i])} but {why}"))
    fill = ok & ~clash_m & ~clash_d
    out["survival_months"] = np.where(fill, months, typed_m)
    out["dead"] = np.where(fill, dead, typed_dead)
    return out, problems, fill


def survival_of_patient(
    surgery: _dt.date | None,
    death: _dt.date | None,
    contact: _dt.date | None,
    months: float,
    dead: float,
) -> tuple[float, float, list[DateProblem], bool]:
    """The rules of :func:`derive_survival` for one patient (position 0) whose typed dates are given
    (``None`` when missing) with its typed ``survival_months`` and ``dead`` (NaN when missing).

    Returns (survival_months, dead, the problems, whether they came from the dates); the caller applies
    it only when ``death_date`` or ``last_contact_date`` is among the patient's fields, as the frame
    version does for frames that have the column.
    """
    problems: list[DateProblem] = []
    has_s, has_d, has_c = surgery is not None, death is not None, contact is not None
    if (has_d or has_c) and not has_s:
        col = "death_date" if has_d else "last_contact_date"
        problems.append(DateProblem(0, "surgery_date", "a date YYYY-MM-DD when " + col + " is given",
                                    f"surgery_date: missing while {col} is given; survival is measured "
                                    "from surgery"))  # fmt: skip
    ok = has_s
    for col, day in (("death_date", death), ("last_contact_date", contact)):
        if day is not None and surgery is not None and day < surgery:
            problems.append(DateProblem(0, col, "a date on or after surgery_date",
                                        f"{col}: got {day:%Y-%m-%d}, before surgery_date "
                                        f"{surgery:%Y-%m-%d}"))  # fmt: skip
            ok = False
    if death is not None and contact is not None and contact > death:
        problems.append(DateProblem(0, "last_contact_date", "a date on or before death_date",
                                    f"last_contact_date: got {contact:%Y-%m-%d}, after death_date "
                                    f"{death:%Y-%m-%d}"))  # fmt: skip
        ok = False
    ok = ok and (has_d or has_c)
    if not ok or surgery is None:
        return months, dead, problems, False
    end = death if death is not None else contact
    assert end is not None
    days = float((end - surgery).days)
    derived = days / DAYS_PER_MONTH
    dead_from_dates = 1.0 if has_d else 0.0
    clash_m = not math.isnan(months) and abs(months - derived) > _TOLERANCE_MONTHS + 1e-9
    if clash_m:
        src = "death_date" if has_d else "last_contact_date"
        problems.append(DateProblem(0, "survival_months", f"{_fmt(derived)} (from the dates) or empty",
                                    f"survival_months: got {_fmt(months)} but surgery_date to {src} is "
                                    f"{int(days)} days = {_fmt(derived)} months "
                                    "(days / 30.4375)"))  # fmt: skip
    clash_d = not math.isnan(dead) and dead != dead_from_dates
    if clash_d:
        why = "death_date is given" if has_d else "only last_contact_date is given (alive then)"
        problems.append(DateProblem(0, "dead", f"{int(dead_from_dates)} (from the dates) or empty",
                                    f"dead: got {int(dead)} but {why}"))  # fmt: skip
    if clash_m or clash_d:
        return months, dead, problems, False
    return derived, dead_from_dates, problems, True
