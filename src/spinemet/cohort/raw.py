"""A table as read from a file, before validation: cells as found, and each record's row number."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from spinemet.cohort.problems import Problem

__all__ = ["RawTable"]


@dataclass
class RawTable:
    """Cells as found in a file (strings, or the file's own types) and where each record is.

    Attributes:
        frame: one column per header name, in file order (names stripped).
        rows: the row number of each record as the user sees it in the file.
        header_row: the row of the column names (``None`` when the format has none, e.g. SPSS).
        notes: file-level problems found while reading (warnings, or errors such as ragged rows).
    """

    frame: pd.DataFrame
    rows: np.ndarray
    header_row: int | None = 1
    notes: list[Problem] = field(default_factory=list)
