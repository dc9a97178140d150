"""Export the registry as a cohort file (CSV, Excel, SPSS) through the cohort layer's writers.

``deidentified=True`` passes the frame through :func:`spinemet.cohort.deidentify` first (ids re-keyed
with HMAC-SHA256 under a secret key, dates shifted per patient or turned into intervals, ages over 89
grouped as ``90+``, free text dropped; see docs/registry.md), so the file holds no original
``patient_id``. Without a key a random one-time key is used: that export cannot be linked to others.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from spinemet.errors import InvalidInputError
from spinemet.registry.query import load_frame
from spinemet.registry.schema import ensure_schema

__all__ = ["DATE_METHODS", "EXPORT_FORMATS", "ExportResult", "export_file", "export_frame"]

EXPORT_FORMATS = ("csv", "xlsx", "sav")
#: How de-identification treats dates (see :func:`spinemet.cohort.deidentify`).
DATE_METHODS = ("per_patient", "intervals")


@dataclass(frozen=True)
class ExportResult:
    """Rows written, and whether a random one-time de-identification key was used."""

    rows: int
    random_key: bool = False


def export_frame(
    engine: Engine,
    *,
    site: str | None = None,
    deidentified: bool = False,
    key: str | None = None,
    shift_dates: str = "per_patient",
) -> pd.DataFrame:
    """The registry (or one centre) as a typed cohort frame, optionally de-identified with ``key``
    (a random one-time key when ``None``) and ``shift_dates`` (``per_patient`` or ``intervals``)."""
    ensure_schema(engine)
    with engine.connect() as conn:
        frame = load_frame(conn, site=site)
    if frame["site"].isna().all():
        frame = frame.drop(columns="site")
    if deidentified:
        from spinemet.cohort import deidentify

        if shift_dates not in DATE_METHODS:
            raise InvalidInputError("--dates", shift_dates, ", ".join(DATE_METHODS))
        frame = deidentify(frame, key=secrets.token_hex(32) if key is None else key, shift_dates=shift_dates)  # type: ignore[arg-type]
    return frame


def export_file(
    engine: Engine,
    path: str | Path,
    fmt: str | None = None,
    *,
    site: str | None = None,
    deidentified: bool = False,
    key: str | None = None,
    shift_dates: str = "per_patient",
) -> ExportResult:
    """Write the registry to ``path`` as ``fmt`` (default: the file's suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise InvalidInputError("--format", fmt, ", ".join(EXPORT_FORMATS))
    frame = export_frame(engine, site=site, deidentified=deidentified, key=key, shift_dates=shift_dates)
    from spinemet.cohort import write_cohort

    write_cohort(frame, path, fmt)
    return ExportResult(len(frame), random_key=deidentified and key is None)
