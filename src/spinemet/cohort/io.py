"""Reading and writing cohort files in every supported format; the :class:`Cohort` they give.

``read_cohort`` validates everything before returning and refuses the whole file when one cell is wrong
(nothing half-read); ``validate_file`` reports the same problems without raising (for the CLI).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from spinemet.cohort.problems import CohortValidationError, Problem, ValidationReport
from spinemet.cohort.raw import RawTable
from spinemet.cohort.validate import check_frame

__all__ = ["FORMATS", "Cohort", "Format", "detect_format", "read_cohort", "validate_file", "write_cohort"]

Format = Literal["csv", "xlsx", "sav", "redcap"]
FORMATS: tuple[str, ...] = ("csv", "xlsx", "sav", "redcap")
_EXTENSIONS = {".csv": "csv", ".txt": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".sav": "sav"}


@dataclass(frozen=True)
class Cohort:
    """A validated cohort.

    Attributes:
        frame: the typed columns (numeric float64 with NaN; codes as ``str`` with NaN; ``surgery_date``
            datetime64[ns]; ``dead`` 0.0/1.0; ``complications`` the ``;``-separated string).
        source: where it came from (a path, or a description).
        warnings: problems of severity ``warning`` found while reading.
        sha256: SHA-256 of the file's bytes (``None`` for frames built in memory).
        rows: each record's row number in the source (CSV line, sheet row, case index + 2).
    """

    frame: pd.DataFrame
    source: str
    warnings: tuple[Problem, ...] = ()
    sha256: str | None = None
    rows: tuple[int, ...] = field(default=(), repr=False)

    @property
    def n_rows(self) -> int:
        """Number of patients (records)."""
        return len(self.frame)


def detect_format(path: str | os.PathLike[str], data_dictionary: object = None) -> str:
    """``redcap`` when a data dictionary is given, else from the extension (.csv/.txt/.tsv, .xlsx, .sav)."""
    if data_dictionary is not None:
        return "redcap"
    ext = Path(path).suffix.lower()
    if ext not in _EXTENSIONS:
        raise ValueError(f"cannot tell the format of {Path(path).name!r}; allowed extensions: "
                         ".csv, .txt, .tsv, .xlsx, .sav (or give the format: --format)")  # fmt: skip
    return _EXTENSIONS[ext]


def _read_raw(path: str | os.PathLike[str], fmt: str, data_dictionary: object) -> RawTable:
    if fmt == "csv":
        from spinemet.cohort.csv_io import read_csv_raw

        return read_csv_raw(path)
    if fmt == "xlsx":
        from spinemet.cohort.xlsx_io import read_xlsx_raw

        return read_xlsx_raw(path)
    if fmt == "sav":
        from spinemet.cohort.sav_io import read_sav_raw

        return read_sav_raw(path)
    if fmt == "redcap":
        if data_dictionary is None:
            raise ValueError(
                "data_dictionary: got None; allowed: the REDCap data dictionary CSV (for fmt='redcap')"
            )
        from spinemet.cohort.redcap import read_redcap_raw

        return read_redcap_raw(path, data_dictionary)  # type: ignore[arg-type]
    raise ValueError(f"fmt: got {fmt!r}; allowed: one of: {', '.join(FORMATS)}")


def _load(
    path: str | os.PathLike[str], fmt: str | None, keep_extra: bool, data_dictionary: object
) -> tuple[list[Problem], pd.DataFrame | None, np.ndarray]:
    fmt = fmt or detect_format(path, data_dictionary)
    try:
        raw = _read_raw(path, fmt, data_dictionary)
    except CohortValidationError as exc:
        return list(exc.problems), None, np.zeros(0, dtype=np.int64)
    problems, typed = check_frame(raw.frame, keep_extra=keep_extra, rows=raw.rows, header_row=raw.header_row)
    if len(typed) == 0:  # a valid but empty cohort (a template): said, not refused
        message = "no data rows: the file has a header but no patients"
        problems.append(Problem(None, None, None, "at least one patient row", message, "warning"))
    merged = sorted(raw.notes + problems, key=lambda p: -1 if p.row is None else p.row)
    return merged, typed, raw.rows


def read_cohort(
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    keep_extra: bool = False,
    data_dictionary: str | os.PathLike[str] | None = None,
) -> Cohort:
    """Read and validate a cohort file (CSV, .xlsx, .sav, or REDCap export + data dictionary).

    Raises :class:`CohortValidationError` listing every problem when there is at least one error;
    warnings are returned in ``Cohort.warnings``. ``keep_extra`` keeps unknown columns (as found).
    """
    problems, typed, rows = _load(path, fmt, keep_extra, data_dictionary)
    if typed is None or any(p.severity == "error" for p in problems):
        raise CohortValidationError(problems, str(path))
    with open(path, "rb") as fh:  # streamed: a second copy of a big file is never held in memory
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    return Cohort(typed, str(path), tuple(problems), digest, tuple(int(r) for r in rows))


def validate_file(
    path: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    keep_extra: bool = False,
    data_dictionary: str | os.PathLike[str] | None = None,
) -> ValidationReport:
    """Every problem of a cohort file; never raises for problems in the data (only for a missing file)."""
    problems, typed, _ = _load(path, fmt, keep_extra, data_dictionary)
    return ValidationReport(tuple(problems), 0 if typed is None else len(typed), str(path))


def write_cohort(
    cohort: Cohort | pd.DataFrame,
    path: str | os.PathLike[str],
    fmt: str | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """Write a cohort as csv, xlsx or sav (from the extension when ``fmt`` is None), atomically.

    The frame is validated first (extra columns are kept); a frame with errors is refused with
    :class:`CohortValidationError` and nothing is written.
    """
    frame = cohort.frame if isinstance(cohort, Cohort) else cohort
    fmt = fmt or detect_format(path)
    problems, typed = check_frame(frame, keep_extra=True)
    if any(p.severity == "error" for p in problems):
        raise CohortValidationError(problems, "frame to write")
    path = Path(path)
    if fmt == "csv":
        from spinemet.cohort.csv_io import write_csv

        write_csv(typed, path, progress=progress)
    elif fmt == "xlsx":
        from spinemet.cohort.xlsx_io import write_xlsx

        write_xlsx(typed, path, progress=progress)
    elif fmt == "sav":
        from spinemet.cohort.sav_io import write_sav

        write_sav(typed, path)
        if progress is not None:
            progress(len(typed), len(typed))
    else:
        raise ValueError(f"fmt: got {fmt!r}; allowed: one of: csv, xlsx, sav")
    return path
