"""The figures' look: legends never cover a curve, the same group has the same colour in every figure, the
median line is drawn, and Figures 3/4 show 95% CIs (checked in the drawing geometry)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest

from spinemet.report.colours import FIXED, colours_for


def _km_curves(demo_report: Any) -> list[Any]:
    from spinemet.report.figures import KMCurve

    return [KMCurve(g.label, g.km.table, g.time) for g in demo_report.by_band.groups if g.n]


def test_km_legend_does_not_overlap_curves(demo_report: Any) -> None:
    import matplotlib.pyplot as plt

    from spinemet.report.figures import km_figure

    fig = km_figure(_km_curves(demo_report))
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        legend = ax.get_legend().get_window_extent(renderer)
        for line in ax.get_lines():
            xy = line.get_transform().transform(line.get_xydata())
            inside = ((xy[:, 0] >= legend.x0) & (xy[:, 0] <= legend.x1) & (xy[:, 1] >= legend.y0)
                      & (xy[:, 1] <= legend.y1))
            assert not inside.any(), f"legend covers {line.get_label()}"
        assert legend.y0 >= ax.get_window_extent(renderer).y1 - 1  # above the plot area
        # the dotted median line at 50 %
        assert any(np.allclose(line.get_ydata(), 0.5) for line in ax.get_lines())
    finally:
        plt.close(fig)


def test_before_after_legend_outside_and_cis(demo_report: Any) -> None:
    import matplotlib.pyplot as plt

    from spinemet.report.figure_set import figure_specs

    spec = next(s for s in figure_specs(demo_report) if s.key == "figure3_barthel")
    fig = spec.draw()
    try:
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ax = fig.axes[0]
        legend = ax.get_legend().get_window_extent(renderer)
        assert legend.x0 >= ax.get_window_extent(renderer).x1  # right of the plot area
        # error bars: one line collection per group (All patients + three bands)
        from matplotlib.collections import LineCollection

        bars = [c for c in ax.collections if isinstance(c, LineCollection)]
        assert len(bars) == 4
    finally:
        plt.close(fig)
    assert "95% confidence intervals" in spec.caption


def test_inline_svg_legend_above_plot(demo_report: Any) -> None:
    from spinemet.report.figure_set import figure_specs

    spec = next(s for s in figure_specs(demo_report) if s.key == "figure2_km_tokuhashi")
    svg = spec.inline()
    legend_y = [float(y) for y in re.findall(r'<text x="[^"]+" y="([^"]+)" class="legend">', svg)]
    assert len(legend_y) == 3
    # the plot area starts at the y axis' top end (the vertical axis line)
    axis_top = float(re.search(r'<line x1="([^"]+)" y1="([^"]+)" x2="\1" y2="([^"]+)"/></g>', svg).group(3))
    assert max(legend_y) < axis_top
    assert 'stroke-dasharray="2 3"' in svg  # median line


def test_same_group_same_colour_everywhere(demo_report: Any) -> None:
    from spinemet.report.figure_set import figure_specs

    colour_of: dict[str, set[str]] = {}
    for spec in figure_specs(demo_report):
        svg = spec.inline()
        for colour, name in re.findall(r'stroke="(#[0-9a-f]{6})" stroke-width="2"/><(?:circle [^>]*/><)?text '
                                       r'[^>]*class="legend"[^>]*>([^<]+)</text>', svg):
            colour_of.setdefault(name, set()).add(colour)
    assert colour_of["Tokuhashi 0\u20138"] == {FIXED["0\u20138"]}
    assert colour_of["Tokuhashi 12\u201315"] == {FIXED["12\u201315"]}
    assert colour_of["All patients"] == {FIXED["All patients"]}


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["All patients", "Tokuhashi 0\u20138"], [FIXED["All patients"], FIXED["0\u20138"]]),
        (["Tokuhashi 9\u201311", "MISt"], [FIXED["9\u201311"], "#d08a00"]),
    ],
)
def test_colours_for(labels: list[str], expected: list[str]) -> None:
    assert colours_for(labels) == expected
