"""Export the registry as a cohort file (CSV, Excel, SPSS) through the cohort layer's writers.

``deidentified=True`` passes the frame through :func:`spinemet.cohort.deidentify` first (new ids derived
from a secret key, dates shifted per patient; see docs/registry.md), so the file holds no original
``patient_id``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from spinemet.errors import InvalidInputError
from spinemet.registry.query import load_frame
from spinemet.registry.schema import ensure_schema

__all__ = ["EXPORT_FORMATS", "export_file", "export_frame"]

EXPORT_FORMATS = ("csv", "xlsx", "sav")


def export_frame(
    engine: Engine,
    *,
    site: str | None = None,
    deidentified: bool = False,
    key: str | None = None,
    shift_dates: bool = True,
) -> pd.DataFrame:
    """The registry (or one centre) as a typed cohort frame, optionally de-identified."""
    ensure_schema(engine)
    with engine.connect() as conn:
        frame = load_frame(conn, site=site)
    if frame["site"].isna().all():
        frame = frame.drop(columns="site")
    if deidentified:
        from spinemet.cohort import deidentify

        kwargs: dict[str, object] = {"shift_dates": shift_dates}
        if key is not None:
            kwargs["key"] = key
        frame = deidentify(frame, **kwargs)
    return frame


def export_file(
    engine: Engine,
    path: str | Path,
    fmt: str | None = None,
    *,
    site: str | None = None,
    deidentified: bool = False,
    key: str | None = None,
    shift_dates: bool = True,
) -> int:
    """Write the registry to ``path`` as ``fmt`` (default: the file's suffix); returns the row count."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in EXPORT_FORMATS:
        raise InvalidInputError("--format", fmt, ", ".join(EXPORT_FORMATS))
    frame = export_frame(engine, site=site, deidentified=deidentified, key=key, shift_dates=shift_dates)
    from spinemet.cohort import write_cohort

    write_cohort(frame, path, fmt)
    return len(frame)
