"""One colour per group, the same in every figure: "All patients" is always blue and each revised
Tokuhashi band always has its own colour, whichever figure (Kaplan-Meier or before/after) shows it."""

from __future__ import annotations

__all__ = ["FIXED", "OTHER", "colours_for"]

#: Colours of the groups that appear in several figures.
FIXED: dict[str, str] = {
    "All patients": "#1f4e79",
    "0\u20138": "#c0504d",
    "9\u201311": "#4f7f3a",
    "12\u201315": "#7f3f98",
}
#: Colours of any other groups, in order (none of them is a fixed colour).
OTHER: tuple[str, ...] = ("#d08a00", "#2a9d8f", "#5b6573", "#8c564b", "#1f77b4", "#b5179e")


def _fixed(label: str) -> str | None:
    if label in FIXED:
        return FIXED[label]
    for band, colour in FIXED.items():  # "Tokuhashi 0–8", "0-8"
        if band != "All patients" and (label.endswith(" " + band) or label.replace("-", "\u2013") == band):
            return colour
    return None


def colours_for(labels: list[str]) -> list[str]:
    """The colour of each group label: fixed colours for the shared groups, the others in turn."""
    out: list[str] = []
    k = 0
    for label in labels:
        colour = _fixed(label)
        if colour is None:
            colour = OTHER[k % len(OTHER)]
            k += 1
        out.append(colour)
    return out
