"""Import a cohort file into the registry: validate all of it, then store it in one transaction.

Without ``skip_invalid`` a file with any error stores nothing and every problem is reported (the cohort
layer's :class:`~spinemet.cohort.problems.CohortValidationError`). With ``skip_invalid`` the valid rows
are stored and the rejected rows are written, as found in the file, with their reasons, to
``rejected_out``; problems of the whole file (unknown or missing columns, unreadable file) still refuse it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from spinemet.cohort.problems import CohortValidationError, Problem
from spinemet.registry.audit import WriteContext, default_reason, default_username
from spinemet.registry.schema import ensure_schema
from spinemet.registry.store import ProgressCallback, StoreResult, store_frame

__all__ = ["ImportReport", "file_sha256", "import_file", "read_for_import"]

#: After inserting this many patients, refresh the planner statistics (PostgreSQL would otherwise plan
#: the next import's lookups for an empty table and scan millions of values sequentially).
ANALYZE_AFTER = 1000
REASONS_COLUMN = "rejection_reasons"
ROW_COLUMN = "file_row"


@dataclass
class ImportReport:
    """Outcome of an import: what was stored, which rows were rejected, warnings, the file's sha256."""

    source: str
    sha256: str
    stored: StoreResult
    rejected: int = 0
    warnings: list[Problem] = field(default_factory=list)
    rejected_problems: list[Problem] = field(default_factory=list)


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes (recorded in every audit row of the import)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_raw(path: Path, fmt: str | None, data_dictionary: str | Path | None = None) -> Any:
    """The file's cells before validation (a cohort ``RawTable``), for csv, xlsx, sav and REDCap."""
    from spinemet.cohort import detect_format

    kind = fmt or detect_format(path, data_dictionary)
    if kind == "csv":
        from spinemet.cohort.csv_io import read_csv_raw

        return read_csv_raw(path)
    if kind == "xlsx":
        from spinemet.cohort.xlsx_io import read_xlsx_raw

        return read_xlsx_raw(path)
    if kind == "sav":
        from spinemet.cohort.sav_io import read_sav_raw

        return read_sav_raw(path)
    if kind == "redcap":
        if data_dictionary is None:
            raise ValueError(
                "--dictionary: got None; allowed: the REDCap data dictionary CSV (--format redcap)"
            )
        from spinemet.cohort.redcap import read_redcap_raw

        return read_redcap_raw(path, data_dictionary)
    raise ValueError(f"--format: got {kind!r}; allowed: csv, xlsx, sav, redcap")


def read_for_import(
    path: str | Path,
    *,
    fmt: str | None = None,
    skip_invalid: bool = False,
    data_dictionary: str | Path | None = None,
    keep_extra: bool = False,
) -> tuple[pd.DataFrame, list[Problem], pd.DataFrame | None, list[Problem]]:
    """Read and validate a cohort file for import (a REDCap export needs its ``data_dictionary``).

    Returns:
        (typed frame of the rows to store, warnings, rejected rows as found in the file with a
        ``rejection_reasons`` and ``file_row`` column or ``None``, the problems of the rejected rows).

    Raises:
        CohortValidationError: the file has errors (any, or file-level ones with ``skip_invalid``).
    """
    path = Path(path)
    if not skip_invalid:
        from spinemet.cohort import read_cohort

        cohort = read_cohort(path, fmt=fmt, data_dictionary=data_dictionary, keep_extra=keep_extra)
        warnings = list(cohort.warnings)
        return cohort.frame, warnings, None, []

    from spinemet.cohort.validate import check_frame

    raw = _read_raw(path, fmt, data_dictionary)
    problems, typed = check_frame(raw.frame, rows=raw.rows, header_row=raw.header_row, keep_extra=keep_extra)
    problems = list(raw.notes) + list(problems)
    data_rows = {int(r) for r in np.asarray(raw.rows)}
    errors = [p for p in problems if p.severity == "error"]
    file_level = [p for p in errors if p.row is None or p.row not in data_rows]
    if file_level:
        raise CohortValidationError(file_level, str(path))
    bad_rows = {int(p.row) for p in errors if p.row is not None}
    rejected_mask = np.isin(np.asarray(raw.rows), list(bad_rows))
    warnings = [p for p in problems if p.severity == "warning" and p.row not in bad_rows]
    rejected_problems = [p for p in errors if p.row in bad_rows]
    rejected = None
    if rejected_mask.any():
        reasons: dict[int, list[str]] = {}
        for p in rejected_problems:
            reasons.setdefault(int(p.row), []).append(p.message)  # type: ignore[arg-type]
        rejected = raw.frame[rejected_mask].copy()
        rows = np.asarray(raw.rows)[rejected_mask]
        rejected.insert(0, ROW_COLUMN, rows)
        rejected[REASONS_COLUMN] = ["; ".join(reasons[int(r)]) for r in rows]
        rejected = rejected.reset_index(drop=True)
    keep = typed[~rejected_mask].reset_index(drop=True)
    return keep, warnings, rejected, rejected_problems


def _analyze(engine: Engine) -> None:
    from sqlalchemy import text

    with engine.begin() as conn:
        for table in ("patient", "patient_value", "audit_log"):
            conn.execute(text(f"ANALYZE {table}"))


def import_file(
    engine: Engine,
    path: str | Path,
    *,
    username: str | None = None,
    reason: str | None = None,
    fmt: str | None = None,
    skip_invalid: bool = False,
    rejected_out: str | Path | None = None,
    progress: ProgressCallback | None = None,
    data_dictionary: str | Path | None = None,
    keep_extra: bool = False,
) -> ImportReport:
    """Validate ``path`` and store it in the registry in one transaction (see module docstring).

    Every audit row names the user, the file name (not its directory) and its sha256, and ``reason``
    (default ``"import of <file name>"``).
    A REDCap export (``fmt="redcap"``, or any file given with ``data_dictionary``) is read with its data
    dictionary; the audited file and sha256 are the records file's. ``keep_extra`` stores columns that
    are not in the cohort format as they are (text or numbers), for a study file to use.
    """
    path = Path(path)
    if skip_invalid and rejected_out is None:
        raise ValueError("rejected_out: got None; allowed: a file for the rejected rows with --skip-invalid")
    sha = file_sha256(path)
    frame, warnings, rejected, rejected_problems = read_for_import(
        path, fmt=fmt, skip_invalid=skip_invalid, data_dictionary=data_dictionary, keep_extra=keep_extra
    )
    if not reason:
        reason = default_reason(path.name)
        if data_dictionary is not None:
            reason += f" (REDCap, dictionary {Path(data_dictionary).name})"
    ctx = WriteContext(
        username=username or default_username(), reason=reason, source_file=path.name, source_sha256=sha
    )
    ensure_schema(engine)
    n_rejected = 0
    tmp_out: Path | None = None
    try:
        with engine.begin() as conn:
            stored = store_frame(conn, frame, ctx, progress=progress)
            if rejected_out is not None:  # written before the commit: a failure here stores nothing
                tmp_out = Path(rejected_out).with_name(Path(rejected_out).name + ".part")
                table = (
                    rejected if rejected is not None else pd.DataFrame(columns=[ROW_COLUMN, REASONS_COLUMN])
                )
                table.to_csv(tmp_out, index=False, lineterminator="\n")
                n_rejected = len(table)
        if tmp_out is not None:
            os.replace(tmp_out, Path(rejected_out))  # type: ignore[arg-type]
            tmp_out = None
        if stored.inserted >= ANALYZE_AFTER:
            _analyze(engine)
    finally:
        if tmp_out is not None:
            tmp_out.unlink(missing_ok=True)
    return ImportReport(str(path), sha, stored, n_rejected, warnings, rejected_problems)
