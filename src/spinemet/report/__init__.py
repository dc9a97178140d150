"""spinemet.report: the study report (Uei et al., JOSR 2018, Tables 1-5 and Figs. 3-4, plus prognostic
accuracy and MISt vs conventional) as self-contained HTML, Word, CSV tables, figures and JSON.

``build_report(frame, ...)`` runs the analyses and holds what every output shows;
``write_outputs(report, OutputPaths(...))`` writes the requested files all-or-nothing.
Submodules are imported on use, so importing ``spinemet.report`` does not load matplotlib.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from spinemet.report.build import Report, build_report
    from spinemet.report.html import render_html
    from spinemet.report.outputs import OutputPaths, write_outputs
    from spinemet.report.survival import allowed_by_columns

__all__ = ["OutputPaths", "Report", "allowed_by_columns", "build_report", "render_html", "write_outputs"]

_LAZY = {
    "Report": "spinemet.report.build",
    "build_report": "spinemet.report.build",
    "render_html": "spinemet.report.html",
    "OutputPaths": "spinemet.report.outputs",
    "write_outputs": "spinemet.report.outputs",
    "allowed_by_columns": "spinemet.report.survival",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'spinemet.report' has no attribute {name!r}")
