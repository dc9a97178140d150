"""spinemet.cohort: the cohort interchange format (schema, validation, readers/writers, de-identification,
synthetic cohorts, the demo cohort and score columns).

See ``docs/cohort-format.md``. Layer: imports only ``spinemet.errors``, ``spinemet.scores`` and
``spinemet.pathway``.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from spinemet.cohort.deidentify import deidentify
    from spinemet.cohort.demo import load_demo
    from spinemet.cohort.io import FORMATS, Cohort, detect_format, read_cohort, validate_file, write_cohort
    from spinemet.cohort.problems import CohortValidationError, Problem, ValidationReport
    from spinemet.cohort.schema import COLUMN_BY_NAME, COLUMNS, FORMAT_VERSION, Column
    from spinemet.cohort.score_columns import add_score_columns
    from spinemet.cohort.synth import synth
    from spinemet.cohort.validate import coerce_frame, validate_frame

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

_LAZY = {
    "COLUMNS": "spinemet.cohort.schema",
    "COLUMN_BY_NAME": "spinemet.cohort.schema",
    "FORMAT_VERSION": "spinemet.cohort.schema",
    "Column": "spinemet.cohort.schema",
    "CohortValidationError": "spinemet.cohort.problems",
    "Problem": "spinemet.cohort.problems",
    "ValidationReport": "spinemet.cohort.problems",
    "FORMATS": "spinemet.cohort.io",
    "Cohort": "spinemet.cohort.io",
    "detect_format": "spinemet.cohort.io",
    "read_cohort": "spinemet.cohort.io",
    "validate_file": "spinemet.cohort.io",
    "write_cohort": "spinemet.cohort.io",
    "coerce_frame": "spinemet.cohort.validate",
    "validate_frame": "spinemet.cohort.validate",
    "deidentify": "spinemet.cohort.deidentify",
    "synth": "spinemet.cohort.synth",
    "load_demo": "spinemet.cohort.demo",
    "add_score_columns": "spinemet.cohort.score_columns",
}
"""Public name -> the module that defines it. Nothing is imported with the package itself: the modules
that need pandas (readers, validation of frames, synthetic cohorts) load on first use, so the one-patient
path (``spinemet score --patient``, :mod:`spinemet.cohort.patient_values`) starts without pandas."""


def __getattr__(name: str) -> Any:
    """Each public name is imported from its module on first use (and kept as a package attribute)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'spinemet.cohort' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """The package keeps its functions ``synth`` and ``deidentify`` when their submodules of the same name
    are imported (the import system sets the submodule as a package attribute), as eager imports did."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _LAZY.get(name) == f"{__name__}.{name}":
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
