"""One text dtype on pandas 2.2 and pandas 3: text and code columns of a cohort frame are ``object`` columns
of ``str`` with NaN for missing (docs/cohort-format.md, "The typed frame"). pandas 3 infers its own
``str`` dtype for such data; :func:`object_text` turns it back, so frames compare equal on both."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["object_text"]


def object_text(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every pandas string-dtype column as ``object`` (missing = NaN); in place, returned."""
    for name in frame.columns:
        s = frame[name]
        if isinstance(s.dtype, pd.StringDtype):
            frame[name] = pd.Series(s.to_numpy(dtype=object, na_value=np.nan), index=s.index, dtype=object)
    return frame
