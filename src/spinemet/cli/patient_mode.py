"""``spinemet score --patient``: one patient's card, without typer, pandas or numpy.

The patient mode of :mod:`spinemet.cli.score_cmd`, in a module that imports neither typer nor pandas so
that a cold ``spinemet score --patient ...`` starts in a fraction of a second: :func:`run` is called by
the ``score`` command, and by :func:`spinemet.cli.main.main` directly (:func:`fast_argv`) when the
command line holds only ``score``, ``--patient``/``-p`` values, ``key=value`` pairs and ``--json``.
Both give the same output, messages and exit status (``tests/cli/test_score_fast.py``).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO

from spinemet.cli.problems_format import problem_line, problems_json

__all__ = ["EXIT_INVALID", "echo", "fast_argv", "run", "score_patient"]

EXIT_INVALID = 1


class _Abort(Exception):
    """Invalid user input: the lines to print on stderr (and the problems, for ``--json``)."""

    def __init__(self, lines: list[str], problems: Sequence[Any] = (), source: str | None = None) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
        self.problems = tuple(problems)
        self.source = source


def _parse_pairs(pairs: list[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    problems: list[str] = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(f"--patient {pair!r}: expected key=value, e.g. kps=70")
        elif key in values:
            problems.append(f"{key}: given twice ({values[key]!r} and {value.strip()!r})")
        else:
            values[key] = value.strip()
    if problems:
        raise _Abort(problems)
    return values


def score_patient(values: Mapping[str, str]) -> dict[str, Any]:
    """Score one patient given as text values keyed by cohort column (``spinemet.cohort.patient_card``).

    Raises:
        _Abort: a key that is not a cohort column, or a value not allowed for its column.
    """
    from spinemet.cohort.patient_card import PatientCardError
    from spinemet.cohort.patient_card import score_patient as card_of

    try:
        return card_of(values)
    except PatientCardError as err:
        if not err.problems:
            raise _Abort(err.lines) from err
        problems = [dataclasses.replace(p, row=None) for p in err.problems]  # one patient: no row numbers
        raise _Abort([problem_line(p, "--patient") for p in problems], problems, "--patient") from err


def _plain(value: Any) -> Any:
    from spinemet.cohort.patient_card import plain

    return plain(value)


def _score_specs() -> list[tuple[str, str, Callable[[Mapping[str, Any]], Any], tuple[str, ...]]]:
    from spinemet.cohort.patient_card import score_specs

    return score_specs()


def _band_text(band: str | None, label: str | None) -> str:
    """The band as shown after the total: a word code is replaced by its words (SINS
    ``potentially_unstable`` -> "indeterminate (potentially unstable); surgical consultation"), a range of
    points keeps its range ("band 9-11 (>= 6 months)")."""
    if not band:
        return f" - {label}" if label else ""
    if any(ch.isalpha() for ch in band):
        return f" - {label or band.replace('_', ' ')}"
    return f", band {band}" + (f" ({label})" if label else "")


def _fmt_points(points: Any) -> str:
    if isinstance(points, float) and points.is_integer():
        return str(int(points))
    return str(points)


def _print_card(card: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console()
    if console.color_system is None:  # no styles reach the output (a pipe, a file): the highlighter's
        console = Console(highlight=False)  # regexes would change nothing; 20 ms of a cold run
    titles = {key: title for key, title, _c, _k in _score_specs()}
    console.rule("[bold]spinemet: scores")
    for key, result in card["scores"].items():
        band = _band_text(result.get("band"), result.get("band_label"))
        total = _fmt_points(result["total"])
        if key == "escc":  # a grade, not points: its rank is internal and not shown
            total = f"grade {result['extra']['label']}"
        if result.get("total_range"):  # a missing component: the totals and bands it could take
            low, high = result["total_range"]
            total = f"{_fmt_points(low)}\u2013{_fmt_points(high)} (not exact)"
            band = f", band {' or '.join(result['possible_bands'])}"
        # title and source as lines of their own: long ones are not hard-wrapped into the table's width
        console.print(f"[bold]{escape(titles[key])}: {total}[/bold]{escape(band)}", soft_wrap=True)
        table = Table()
        for col in ("Component", "Value", "Category", "Points"):
            table.add_column(col, justify="right" if col == "Points" else "left")
        for c in result["components"]:
            derived = f" (from {c['derived_from']})" if c.get("derived_from") else ""
            points = "-" if key == "escc" else _fmt_points(c["points"])
            table.add_row(escape(c["label"]), escape(f"{_plain(c['value'])}{derived}"),
                          escape(str(c["category"])), points)  # fmt: skip
        if not result["components"]:
            table.add_row("(total given; no components)", "", "", _fmt_points(result["total"]))
        console.print(table)
        console.print(escape(f"version {result['version']}; {result['citation']}"), soft_wrap=True)
        for note in result.get("notes", ()):
            console.print(f"  note: {escape(note)}", soft_wrap=True)
    for key, why in card["not_computed"].items():
        console.print(f"[yellow]{titles[key]}: not computed[/]: {escape(why)}", soft_wrap=True)
    if card["frankel_change"]:
        console.print(f"Frankel change: {card['frankel_change']} (modified Frankel, Uei 2018)")
    pathway = card["pathway"]
    console.rule(f"[bold]spinemet: pathway (rules version {pathway['rules_version']})")
    verdicts = [v for k, v in pathway.items() if isinstance(v, dict) and "rule" in v]
    verdicts += list(pathway["noms"].values())
    for v in verdicts:
        colour = "yellow" if v["decision"] == "undetermined" else "green"
        console.print(f"[bold]{v['rule']}[/]: [{colour}]{v['decision']}[/]")
        for reason in v["reasons"]:
            console.print(f"  - {escape(reason)}", soft_wrap=True)
        if v["missing"]:
            console.print(f"  missing: {', '.join(v['missing'])}", soft_wrap=True)
        console.print(f"  [dim]source: {escape(v['citation'])}[/]", soft_wrap=True)


# ------------------------------------------------------------------------------------------- run
_ANSI_RE = re.compile(r"\033\[[;?0-9]*[a-zA-Z]")


def echo(message: str, err: bool = False) -> None:
    """Print a line as ``typer.echo`` (``click.echo``) does: ANSI escapes removed when the stream is not
    a terminal, then flushed."""
    stream: TextIO | None = sys.stderr if err else sys.stdout
    if stream is None:  # no console (pythonw): click.echo prints nothing either
        return
    if not stream.isatty():
        message = _ANSI_RE.sub("", message)
    stream.write(message + "\n")
    stream.flush()


def run(pairs: list[str], as_json: bool) -> int:
    """Score the patient of ``pairs`` (``key=value``) and print the card (or JSON): the exit status."""
    try:
        card = score_patient(_parse_pairs(pairs))
        for w in card["warnings"]:
            echo(f"--patient: {w}", err=True)
        if as_json:
            echo(json.dumps(card, indent=2, ensure_ascii=False, default=_json_default))
        else:
            _print_card(card)
        return 0
    except _Abort as err:
        if as_json and err.problems:  # the same JSON document as validate --json
            echo(problems_json(err.problems, err.source))
        else:
            for line in err.lines:
                echo(line, err=True)
        return EXIT_INVALID


def fast_argv(argv: Sequence[str]) -> tuple[list[str], bool] | None:
    """(the key=value pairs, --json) when ``argv`` is ``score`` with only ``--patient``/``-p`` values,
    ``--patient=VALUE``, ``key=value`` arguments and ``--json``, at least one ``--patient``; ``None``
    for anything else (``--help``, ``-o``, ``--``, a value that looks like an option...), which typer
    parses. Patient values come first, then the other arguments, as in the ``score`` command."""
    if not argv or argv[0] != "score":
        return None
    patient: list[str] = []
    args: list[str] = []
    as_json = False
    rest = list(argv[1:])
    while rest:
        token = rest.pop(0)
        if token in ("--patient", "-p"):
            if not rest or rest[0].startswith("-"):
                return None
            patient.append(rest.pop(0))
        elif token.startswith("--patient="):
            patient.append(token.removeprefix("--patient="))
        elif token == "--json":
            as_json = True
        elif token.startswith("-"):
            return None
        else:
            args.append(token)
    if not patient:
        return None
    return [*patient, *args], as_json


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return _plain(value) if hasattr(value, "item") or hasattr(value, "isoformat") else str(value)
