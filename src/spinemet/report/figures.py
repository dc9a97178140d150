"""Publication figures: Kaplan-Meier curves with a numbers-at-risk table, and before/after plots.

Figures are matplotlib ``Figure`` objects drawn with the non-interactive Agg backend; ``figure_to_svg``,
``save_figure`` turn them into SVG text (embedded in the HTML report) or PNG/SVG/PDF files at print
resolution.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from spinemet.report.colours import colours_for
from spinemet.report.km_axis import numbers_at_risk, tick_times

__all__ = [
    "PRINT_DPI",
    "KMCurve",
    "before_after_figure",
    "figure_to_svg",
    "km_figure",
    "numbers_at_risk",
    "save_figure",
    "tick_times",
]

PRINT_DPI = 300
"""Resolution of raster figures written for print (journals ask for >= 300 dpi)."""

PNG_OPTIONS = {"compress_level": 1}
"""zlib level of the PNG files (lossless at every level): 1 encodes a 300-dpi figure several times faster
than PIL's default 6, for files about a third larger."""


@dataclass(frozen=True)
class KMCurve:
    """One Kaplan-Meier curve to draw.

    ``table`` is a Kaplan-Meier table with the columns ``time``, ``survival``, ``lower``, ``upper`` and
    ``n_censor`` (as ``spinemet.analysis.kaplan_meier(...).table``); ``time`` holds the raw follow-up times
    of the group, used for the numbers at risk.
    """

    label: str
    table: pd.DataFrame
    time: np.ndarray


def _step_arrays(table: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Right-continuous step coordinates starting at (0, 1)."""
    t = np.concatenate([[0.0], table["time"].to_numpy(dtype=float)])
    y = np.concatenate([[1.0], table[column].to_numpy(dtype=float)])
    return t, y


def km_figure(
    curves: Sequence[KMCurve],
    *,
    title: str | None = None,
    time_label: str = "Months after surgery",
    annotation: str | None = None,
    show_ci: bool = True,
) -> Figure:
    """Kaplan-Meier curves with censor marks, a shaded confidence band and numbers at risk beneath.

    ``annotation`` (e.g. the median and its CI, or the log-rank p) is written in the plot's corner.
    """
    if not curves:
        raise ValueError("curves: need at least one Kaplan-Meier curve; got none")
    max_time = max(float(np.max(c.time)) if len(c.time) else 0.0 for c in curves) or 1.0
    ticks = tick_times(max_time)
    n_rows = len(curves)
    fig = plt.figure(figsize=(7.0, 4.6 + 0.28 * n_rows))
    left = 0.12 if n_rows == 1 else 0.2
    width = 0.96 - left
    legend_room = 0.05 if n_rows > 1 else 0.0
    top = fig.add_axes((left, 0.14 + 0.06 * n_rows + 0.08, width, 0.74 - 0.06 * n_rows - legend_room))
    palette = colours_for([c.label for c in curves])
    # the median: where the curves cross 50% survival
    top.axhline(0.5, color="#9aa0a6", linewidth=0.8, linestyle=":", zorder=0)
    for i, curve in enumerate(curves):
        colour = palette[i]
        t, s = _step_arrays(curve.table, "survival")
        top.step(t, s, where="post", color=colour, linewidth=1.6, label=curve.label)
        if show_ci and {"lower", "upper"} <= set(curve.table.columns):
            _, lo = _step_arrays(curve.table, "lower")
            _, hi = _step_arrays(curve.table, "upper")
            top.fill_between(
                t,
                np.nan_to_num(lo, nan=0.0),
                np.nan_to_num(hi, nan=1.0),
                step="post",
                color=colour,
                alpha=0.15 if n_rows == 1 else 0.08,
                linewidth=0,
            )
        censored = curve.table[curve.table["n_censor"] > 0]
        if len(censored):
            top.plot(
                censored["time"],
                censored["survival"],
                linestyle="none",
                marker="|",
                markersize=8,
                color=colour,
            )
    top.set_xlim(0, ticks[-1])
    top.set_ylim(0, 1.02)
    top.set_xticks(ticks)
    top.set_ylabel("Survival probability")
    top.set_xlabel(time_label)
    top.spines[["top", "right"]].set_visible(False)
    if title:
        top.set_title(title, fontsize=11)
    if n_rows > 1:  # above the plot area, so it never covers a curve
        top.legend(frameon=False, fontsize=9, loc="lower left", bbox_to_anchor=(0.0, 1.0),
                   ncol=min(n_rows, 4), borderaxespad=0.2)
    if annotation:
        top.text(0.02, 0.03, annotation, transform=top.transAxes, fontsize=9, va="bottom")

    risk = fig.add_axes((left, 0.03, width, 0.06 * n_rows + 0.02))
    risk.set_xlim(top.get_xlim())
    risk.set_ylim(-0.5, n_rows - 0.5)
    risk.axis("off")
    risk_top = 0.03 + 0.06 * n_rows + 0.02
    fig.text(0.02, risk_top + 0.01, "Number at risk", ha="left", va="bottom", fontsize=9, fontweight="bold")
    for i, curve in enumerate(curves):
        row = n_rows - 1 - i
        colour = palette[i]
        for t, n in zip(ticks, numbers_at_risk(curve.time, ticks), strict=True):
            risk.text(t, row, str(n), ha="center", va="center", fontsize=9, color=colour)
        if n_rows > 1:
            _, y = risk.transData.transform((0, row))
            fig.text(
                0.02,
                fig.transFigure.inverted().transform((0, y))[1],
                curve.label,
                ha="left",
                va="center",
                fontsize=8,
                color=colour,
            )
    return fig


def before_after_figure(
    groups: Mapping[str, tuple[float, float]],
    *,
    ylabel: str,
    title: str | None = None,
    ylim: tuple[float, float] | None = None,
    cis: Mapping[str, tuple[tuple[float, float], tuple[float, float]]] | None = None,
) -> Figure:
    """Mean before and after surgery per group (e.g. Barthel index overall and by Tokuhashi band).

    ``groups`` maps a group label to ``(mean before, mean after)``; a group with a missing mean is drawn
    without that point. ``cis`` maps a label to the 95% CIs ``((lo, hi) before, (lo, hi) after)``, drawn as
    error bars (groups are spread slightly along the axis so the bars do not overlap). The legend is
    outside the plot area, on the right.
    """
    fig, ax = plt.subplots(figsize=(6.6, 3.8))
    palette = colours_for(list(groups))
    n = len(groups)
    for i, (label, (before, after)) in enumerate(groups.items()):
        colour = palette[i]
        dx = (i - (n - 1) / 2) * 0.035
        xs = np.array([0.0, 1.0]) + dx
        ax.plot(xs, [before, after], marker="o", color=colour, linewidth=1.6, label=label)
        if cis and label in cis:
            (b_lo, b_hi), (a_lo, a_hi) = cis[label]
            ys = np.array([before, after], dtype=float)
            err = np.array([[ys[0] - b_lo, ys[1] - a_lo], [b_hi - ys[0], a_hi - ys[1]]], dtype=float)
            ax.errorbar(xs, ys, yerr=np.clip(np.nan_to_num(err), 0, None), fmt="none", ecolor=colour,
                        elinewidth=1.0, capsize=3)
    ax.set_xticks([0, 1], ["Before surgery", "After surgery"])
    ax.set_xlim(-0.3, 1.3)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=11)
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0)
    fig.tight_layout()
    return fig


def figure_to_svg(fig: Figure) -> str:
    """The figure as standalone SVG text (fonts as paths, so it renders the same everywhere)."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def save_figure(fig: Figure, path: Path, *, close: bool = False) -> Path:
    """Write the figure to PNG, SVG or PDF (chosen by ``path``'s suffix) at ``PRINT_DPI``."""
    suffix = path.suffix.lower()
    if suffix not in {".png", ".svg", ".pdf"}:
        raise ValueError(f"path: figure format must be .png, .svg or .pdf; got {path.name!r}")
    extra = {"pil_kwargs": PNG_OPTIONS} if suffix == ".png" else {}
    fig.savefig(path, dpi=PRINT_DPI, bbox_inches="tight", **extra)
    if close:
        plt.close(fig)
    return path
