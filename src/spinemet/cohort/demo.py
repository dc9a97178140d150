"""The bundled synthetic demo cohort: 55 patients built from the seed study's published figures.

Source: Uei H, Tokuhashi Y, et al. Clinical results of multidisciplinary therapy including palliative
posterior spinal stabilization surgery and postoperative adjuvant therapy for metastatic spinal tumor.
J Orthop Surg Res 2018;13:17 (Tables 1, 3, 4, 5 and the Results). **No row is a real patient**: the
cohort is generated deterministically by ``tools/make_demo_cohort.py`` so that its counts, means, ranges,
the Table 3 Frankel transitions and the Kaplan-Meier median with SPSS's CI reproduce the paper where the
paper is consistent. ``docs/demo-cohort.md`` lists what is exact, what is approximate and how the paper's
contradictions were resolved.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from spinemet.cohort.io import Cohort, read_cohort

__all__ = ["DEMO_CITATION", "DEMO_FILE", "demo_path", "load_demo"]

DEMO_FILE = "demo_cohort.csv"
"""File name of the packaged demo cohort in ``spinemet/cohort/data``."""

DEMO_CITATION = (
    "Synthetic cohort generated from the published figures of Uei H, et al. J Orthop Surg Res "
    "2018;13:17 (no real patient)."
)


def demo_path() -> Path:
    """Path of the packaged demo cohort CSV (cohort format version 1, 55 rows, ``DEMO-001``...)."""
    resource = resources.files("spinemet.cohort").joinpath("data", DEMO_FILE)
    path = Path(str(resource))
    if not path.is_file():  # pragma: no cover - only for zipped installs, which spinemet does not ship
        raise FileNotFoundError(f"demo cohort not found at {path}")
    return path


def load_demo() -> Cohort:
    """The demo cohort, read and validated like any user file: ``read_cohort(demo_path())``."""
    return read_cohort(demo_path())
