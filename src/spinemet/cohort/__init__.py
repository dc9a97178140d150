"""spinemet.cohort: the cohort interchange format (schema, validation, readers/writers, de-identification,
synthetic cohorts, the demo cohort and score columns).

See ``docs/cohort-format.md``. Layer: imports only ``spinemet.errors``, ``spinemet.scores`` and
``spinemet.pathway``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spinemet.cohort.deidentify import deidentify
from spinemet.cohort.io import FORMATS, Cohort, detect_format, read_cohort, validate_file, write_cohort
from spinemet.cohort.problems import CohortValidationError, Problem, ValidationReport
from spinemet.cohort.schema import COLUMN_BY_NAME, COLUMNS, FORMAT_VERSION, Column
from spinemet.cohort.synth import synth
from spinemet.cohort.validate import coerce_frame, validate_frame

if TYPE_CHECKING:  # pragma: no cover
    from spinemet.cohort.demo import load_demo
    from spinemet.cohort.score_columns import add_score_columns

__all__ = [
    "COLUMNS",
    "COLUMN_BY_NAME",
    "FORMATS",
    "FORMAT_VERSION",
    "Cohort",
    "CohortValidationError",
    "Column",
    "Problem",
    "ValidationReport",
    "add_score_columns",
    "coerce_frame",
    "deidentify",
    "detect_format",
    "load_demo",
    "read_cohort",
    "synth",
    "validate_file",
    "validate_frame",
    "write_cohort",
]

_LAZY = {"load_demo": "spinemet.cohort.demo", "add_score_columns": "spinemet.cohort.score_columns"}


def __getattr__(name: str) -> Any:
    """``load_demo`` and ``add_score_columns`` live in modules of other contributors: imported on use."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'spinemet.cohort' has no attribute {name!r}")
