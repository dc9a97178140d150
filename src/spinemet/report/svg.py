"""Lightweight SVG versions of the report's figures, written directly (no matplotlib) for the HTML report.

Same layout and colours as :mod:`spinemet.report.figures` (which draws the print files and the Word
figures): a Kaplan-Meier step curve with its confidence band, censor ticks and the numbers at risk under the
time axis; and the before/after mean plot. Writing the SVG ourselves keeps a cold ``spinemet report`` quick
(matplotlib's import and SVG backend cost about a second) and gives real, selectable text in the page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from markupsafe import escape

from spinemet.report.colours import colours_for
from spinemet.report.km_axis import numbers_at_risk

__all__ = ["LEGEND_ROW", "before_after_svg", "km_svg", "legend_rows"]

LEGEND_ROW = 18.0  # height of one legend row above the Kaplan-Meier plot
_CHAR_PX = 7.0  # width of a 12-px character, for laying out legend items
_FONT = 'font-family="Helvetica, Arial, sans-serif"'


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _steps(t: np.ndarray, y: np.ndarray, sx: Any, sy: Any) -> str:
    """SVG path of a right-continuous step function through (t[i], y[i]) starting at (t[0], y[0])."""
    parts = [f"M{_f(sx(t[0]))},{_f(sy(y[0]))}"]
    for i in range(1, t.size):
        parts.append(f"H{_f(sx(t[i]))}V{_f(sy(y[i]))}")
    return "".join(parts)


def _step_points(t: np.ndarray, y: np.ndarray, end: float) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the step function (t[i], y[i]) held until the next time, drawn up to ``end``."""
    t_next = np.concatenate([t[1:], [max(end, float(t[-1]))]])
    xs = np.column_stack([t, t_next]).ravel()
    ys = np.column_stack([y, y]).ravel()
    return xs, ys


def _step_xy(table: Any, column: str, fill: float) -> tuple[np.ndarray, np.ndarray]:
    t = np.concatenate([[0.0], table["time"].to_numpy(dtype=float)])
    y = np.concatenate([[1.0], table[column].to_numpy(dtype=float)])
    return t, np.nan_to_num(y, nan=fill)


def legend_rows(labels: Sequence[str], plot_w: float) -> list[list[tuple[int, float]]]:
    """Legend items laid out in rows above the plot: per row, (curve index, x offset from the plot's left)."""
    rows: list[list[tuple[int, float]]] = [[]]
    x = 0.0
    for i, label in enumerate(labels):
        w = 28 + _CHAR_PX * len(label) + 18
        if rows[-1] and x + w > plot_w:
            rows.append([])
            x = 0.0
        rows[-1].append((i, x))
        x += w
    return rows


def _svg_open(width: float, height: float, label: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_f(width)} {_f(height)}" role="img" '
        f'aria-label="{escape(label)}" {_FONT} font-size="12">',
        f"<title>{escape(label)}</title>",
        f'<rect width="{_f(width)}" height="{_f(height)}" fill="#fff"/>',
    ]


def km_svg(
    curves: Sequence[tuple[str, Any, np.ndarray]],
    ticks: Sequence[float],
    *,
    annotation: str | None = None,
    label: str = "Kaplan-Meier survival curve",
    show_ci: bool = True,
) -> str:
    """Kaplan-Meier curves as SVG text.

    ``curves`` holds ``(label, km_table, follow_up_times)`` per group, ``km_table`` having the columns
    ``time``, ``survival``, ``lower``, ``upper``, ``n_censor`` (``kaplan_meier(...).table``); ``ticks`` are
    the time-axis ticks, which are also the times of the numbers at risk.
    """
    n = len(curves)
    left = 64.0 if n == 1 else 150.0
    width, right, plot_h = 720.0, 24.0, 300.0
    plot_w = width - left - right
    palette = colours_for([c[0] for c in curves])
    rows = legend_rows([c[0] for c in curves], plot_w) if n > 1 else []
    top = 14.0 + LEGEND_ROW * len(rows)  # the legend sits above the plot area, never on a curve
    risk_top = top + plot_h + 52
    height = risk_top + 22 + 18 * n + 8
    t_max = float(ticks[-1]) if len(ticks) and ticks[-1] > 0 else 1.0

    def sx(t: float) -> float:
        return left + plot_w * float(t) / t_max

    def sy(y: float) -> float:
        return top + plot_h * (1.0 - float(y) / 1.02)

    out = _svg_open(width, height, label)
    # axes, grid ticks and labels
    y0, x0 = sy(0.0), sx(0.0)
    out.append(
        f'<g stroke="#333" stroke-width="1"><line x1="{_f(x0)}" y1="{_f(y0)}" x2="{_f(left + plot_w)}" '
        f'y2="{_f(y0)}"/><line x1="{_f(x0)}" y1="{_f(y0)}" x2="{_f(x0)}" y2="{_f(top)}"/></g>'
    )
    for v in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        y = sy(v)
        out.append(
            f'<line x1="{_f(x0 - 5)}" y1="{_f(y)}" x2="{_f(x0)}" y2="{_f(y)}" stroke="#333"/>'
            f'<text x="{_f(x0 - 8)}" y="{_f(y + 4)}" text-anchor="end">{v:.1f}</text>'
        )
    for t in ticks:
        x = sx(t)
        out.append(
            f'<line x1="{_f(x)}" y1="{_f(y0)}" x2="{_f(x)}" y2="{_f(y0 + 5)}" stroke="#333"/>'
            f'<text x="{_f(x)}" y="{_f(y0 + 18)}" text-anchor="middle">{t:g}</text>'
        )
    out.append(
        f'<text x="{_f(left + plot_w / 2)}" y="{_f(y0 + 36)}" text-anchor="middle">Months after '
        "surgery</text>"
    )
    cy = top + plot_h / 2
    out.append(
        f'<text x="{_f(left - 44)}" y="{_f(cy)}" text-anchor="middle" '
        f'transform="rotate(-90 {_f(left - 44)} {_f(cy)})">Survival probability</text>'
    )
    # the median: where the curves cross 50% survival
    out.append(
        f'<line x1="{_f(x0)}" y1="{_f(sy(0.5))}" x2="{_f(left + plot_w)}" y2="{_f(sy(0.5))}" '
        'stroke="#9aa0a6" stroke-width="1" stroke-dasharray="2 3"/>'
    )
    alpha = 0.15 if n == 1 else 0.08
    for i, (name, table, _time) in enumerate(curves):
        colour = palette[i]
        table = table[table["time"] <= t_max]
        t, s = _step_xy(table, "survival", 0.0)
        end = min(float(_time.max()) if len(_time) else 0.0, t_max)
        if show_ci and {"lower", "upper"} <= set(table.columns):
            _, lo = _step_xy(table, "lower", 0.0)
            _, hi = _step_xy(table, "upper", 1.0)
            ux, uy = _step_points(t, hi, end)
            lx, ly = _step_points(t, lo, end)
            xs = np.concatenate([ux, lx[::-1]])
            ys = np.concatenate([uy, ly[::-1]])
            pts = " ".join(f"{_f(sx(a))},{_f(sy(b))}" for a, b in zip(xs, ys, strict=True))
            out.append(f'<polygon points="{pts}" fill="{colour}" fill-opacity="{alpha}" stroke="none"/>')
        tt = np.concatenate([t, [end]])
        out.append(
            f'<path d="{_steps(tt, np.concatenate([s, s[-1:]]), sx, sy)}" fill="none" stroke="{colour}" '
            f'stroke-width="1.8"><title>{escape(name)}</title></path>'
        )
        cens = table[table["n_censor"] > 0]
        if len(cens):
            marks = "".join(
                f"M{_f(sx(a))},{_f(sy(b) - 5)}v10"
                for a, b in zip(cens["time"], cens["survival"], strict=True)
            )
            out.append(f'<path d="{marks}" stroke="{colour}" stroke-width="1.3"/>')
    for r, items in enumerate(rows):
        y = 14.0 + LEGEND_ROW * r - 4
        for i, lx in items:
            name = curves[i][0]
            out.append(
                f'<line x1="{_f(left + lx)}" y1="{_f(y)}" x2="{_f(left + lx + 22)}" y2="{_f(y)}" '
                f'stroke="{palette[i]}" stroke-width="2"/><text x="{_f(left + lx + 28)}" y="{_f(y + 4)}" '
                f'class="legend">{escape(name)}</text>'
            )
    if annotation:
        out.append(f'<text x="{_f(x0 + 10)}" y="{_f(y0 - 10)}">{escape(annotation)}</text>')
    out.append(f'<text x="8" y="{_f(risk_top)}" font-weight="bold">Number at risk</text>')
    for i, (name, _table, time) in enumerate(curves):
        colour = palette[i]
        y = risk_top + 20 + 18 * i
        if n > 1:
            out.append(f'<text x="8" y="{_f(y)}" fill="{colour}" font-size="11">{escape(name)}</text>')
        for t, count in zip(ticks, numbers_at_risk(time, ticks), strict=True):
            out.append(
                f'<text x="{_f(sx(t))}" y="{_f(y)}" text-anchor="middle" fill="{colour}">{count}</text>'
            )
    out.append("</svg>")
    return "\n".join(out)


def before_after_svg(
    groups: Mapping[str, tuple[float, float]],
    *,
    ylabel: str,
    ylim: tuple[float, float],
    label: str = "Mean before and after surgery",
    cis: Mapping[str, tuple[tuple[float, float], tuple[float, float]]] | None = None,
) -> str:
    """Mean before and after surgery per group as SVG text (a missing mean is not drawn), with 95% CI
    error bars from ``cis`` (label -> ((lo, hi) before, (lo, hi) after)); the legend is right of the plot."""
    width, height = 560.0, 340.0
    left, right, top, bottom = 64.0, 190.0, 16.0, 44.0
    plot_w, plot_h = width - left - right, height - top - bottom
    lo, hi = ylim

    def sy(v: float) -> float:
        return top + plot_h * (1.0 - (min(max(float(v), lo), hi) - lo) / (hi - lo))

    xs = (left + plot_w * 0.18, left + plot_w * 0.82)
    out = _svg_open(width, height, label)
    y0 = sy(lo)
    out.append(
        f'<g stroke="#333"><line x1="{_f(left)}" y1="{_f(y0)}" x2="{_f(left + plot_w)}" y2="{_f(y0)}"/>'
        f'<line x1="{_f(left)}" y1="{_f(y0)}" x2="{_f(left)}" y2="{_f(top)}"/></g>'
    )
    step = (hi - lo) / 5
    for k in range(6):
        v = lo + step * k
        out.append(
            f'<line x1="{_f(left - 5)}" y1="{_f(sy(v))}" x2="{_f(left)}" y2="{_f(sy(v))}" stroke="#333"/>'
            f'<text x="{_f(left - 8)}" y="{_f(sy(v) + 4)}" text-anchor="end">{v:g}</text>'
        )
    for x, text in zip(xs, ("Before surgery", "After surgery"), strict=True):
        out.append(
            f'<line x1="{_f(x)}" y1="{_f(y0)}" x2="{_f(x)}" y2="{_f(y0 + 5)}" stroke="#333"/>'
            f'<text x="{_f(x)}" y="{_f(y0 + 20)}" text-anchor="middle">{text}</text>'
        )
    cy = top + plot_h / 2
    out.append(
        f'<text x="{_f(left - 44)}" y="{_f(cy)}" text-anchor="middle" '
        f'transform="rotate(-90 {_f(left - 44)} {_f(cy)})">{escape(ylabel)}</text>'
    )
    palette = colours_for(list(groups))
    n = len(groups)
    for i, (name, (before, after)) in enumerate(groups.items()):
        colour = palette[i]
        dx = (i - (n - 1) / 2) * 6.0
        gx = (xs[0] + dx, xs[1] + dx)
        pts = [(x, v) for x, v in zip(gx, (before, after), strict=True) if v is not None and not np.isnan(v)]
        if len(pts) == 2:
            out.append(
                f'<line x1="{_f(pts[0][0])}" y1="{_f(sy(pts[0][1]))}" x2="{_f(pts[1][0])}" '
                f'y2="{_f(sy(pts[1][1]))}" stroke="{colour}" stroke-width="2"/>'
            )
        if cis and name in cis:
            for x, (a, b) in zip(gx, cis[name], strict=True):
                if np.isnan(a) or np.isnan(b):
                    continue
                out.append(
                    f'<path d="M{_f(x)},{_f(sy(a))}V{_f(sy(b))}M{_f(x - 3)},{_f(sy(a))}h6M{_f(x - 3)},'
                    f'{_f(sy(b))}h6" stroke="{colour}" stroke-width="1.2" fill="none"/>'
                )
        for x, v in pts:
            out.append(
                f'<circle cx="{_f(x)}" cy="{_f(sy(v))}" r="4" fill="{colour}"><title>{escape(name)}: '
                f"{v:.1f}</title></circle>"
            )
        ly = top + 14 + 18 * i
        lx = left + plot_w + 14
        out.append(
            f'<line x1="{_f(lx)}" y1="{_f(ly)}" x2="{_f(lx + 20)}" y2="{_f(ly)}" stroke="{colour}" '
            f'stroke-width="2"/><circle cx="{_f(lx + 10)}" cy="{_f(ly)}" r="3.5" fill="{colour}"/>'
            f'<text x="{_f(lx + 26)}" y="{_f(ly + 4)}" font-size="11" class="legend">{escape(name)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)
