"""``spinemet score``: score a cohort file, or one patient given as ``key=value`` pairs.

File mode: ``spinemet score INPUT -o OUTPUT.csv`` reads and validates the cohort, adds the score columns
(``spinemet.cohort.score_columns``) and writes a CSV atomically (temporary file, then rename). Invalid input
lists every problem with its row, column, value and what is allowed, exits with status 1 and writes
nothing.

Patient mode: ``spinemet score --patient kps=70 --patient primary_tumor=lung ...`` (or
``--patient kps=70 primary_tumor=lung ...``) prints a card: every score that the values allow, with its
components, points, band, version and citation, then the pathway's verdicts with their reasons.
``--json`` prints the same as JSON. Keys are cohort column names.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spinemet.cli.app import app
from spinemet.cli.problems_format import echo_problems, problem_line, problems_json, summary_line

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["score", "score_patient"]

EXIT_INVALID = 1


class _Abort(Exception):
    """Invalid user input: the lines to print on stderr (and the problems, for ``--json``)."""

    def __init__(self, lines: list[str], problems: Sequence[Any] = (), source: str | None = None) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines
        self.problems = tuple(problems)
        self.source = source


# ------------------------------------------------------------------------------------------ patient
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


# --------------------------------------------------------------------------------------------- file
def _output_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as CSV text: cohort columns as ``write_cohort`` writes them (integers without ``.0``,
    decimals in the shortest round-trip form, dates ISO); added float columns the same way."""
    import pandas as pd

    from spinemet.cohort.csv_io import number_text, text_frame
    from spinemet.cohort.schema import COLUMN_BY_NAME

    out = text_frame(frame)
    for name in frame.columns:
        s = frame[name]
        if str(name) in COLUMN_BY_NAME:
            continue
        if pd.api.types.is_float_dtype(s):
            out[name] = pd.Series(number_text(s.to_numpy()), index=frame.index, dtype=object)
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[name] = s.dt.strftime("%Y-%m-%d")
    return out


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            _output_frame(frame).to_csv(fh, index=False, lineterminator="\n", na_rep="")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _score_file(input_path: Path, output: Path, keep_extra: bool) -> int:
    import pandas as pd

    from spinemet.cohort import CohortValidationError, read_cohort
    from spinemet.cohort.score_columns import ScoreColumnError, add_score_columns

    if output.suffix.lower() != ".csv":
        raise _Abort([f"-o/--output: got {str(output)!r}; allowed: a .csv file"])
    if not output.parent.exists():
        raise _Abort([f"-o/--output: folder {str(output.parent)!r} does not exist"])
    if not input_path.is_file():
        raise _Abort([f"INPUT: file {str(input_path)!r} not found"])
    try:
        cohort = read_cohort(input_path, keep_extra=keep_extra)
    except CohortValidationError as err:
        lines = [problem_line(p, input_path.name) for p in err.problems]
        lines.append(summary_line(input_path.name, None, err.problems, "nothing written"))
        raise _Abort(lines, err.problems, input_path.name) from err
    except ValueError as err:  # e.g. an extension that names no cohort format
        raise _Abort([f"INPUT: {err}; nothing written"]) from err
    echo_problems(getattr(cohort, "warnings", ()), input_path.name)
    frame = cohort.frame
    rows = getattr(cohort, "rows", None)
    try:
        scored = add_score_columns(frame)
    except ScoreColumnError as err:
        row = err.row
        if rows:
            row = int(rows[frame.index.get_loc(err.row)])
        elif isinstance(frame.index, pd.RangeIndex) and input_path.suffix.lower() == ".csv":
            row = int(frame.index.get_loc(err.row)) + 2  # header = line 1
        from spinemet.cohort.problems import Problem

        problem = Problem(int(row), err.field, err.value, err.allowed,
                          f"{err.field}: got {err.value!r}; allowed: {err.allowed}"
                          f"{f' ({err.detail})' if err.detail else ''}")  # fmt: skip
        lines = [problem_line(problem, input_path.name), summary_line(input_path.name, None, [problem],
                                                                      "nothing written")]  # fmt: skip
        raise _Abort(lines, [problem], input_path.name) from err
    _write_atomic(scored, output)
    return len(scored)


# ----------------------------------------------------------------------------------------- command
@app.command("score")
def score(
    args: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="INPUT | KEY=VALUE...",
            help="INPUT cohort file (file mode), or more key=value pairs (with --patient).",
        ),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Output CSV (file mode).", dir_okay=False)
    ] = None,
    patient: Annotated[
        list[str] | None,
        typer.Option("--patient", "-p", help="One patient's value as key=value (cohort column); repeatable."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the patient's card as JSON.")] = False,
    keep_extra: Annotated[
        bool, typer.Option("--keep-extra", help="Keep columns that are not in the cohort format.")
    ] = False,
) -> None:
    """Add score columns to a cohort file, or score one patient (--patient key=value ...)."""
    args = args or []
    try:
        if patient:
            card = score_patient(_parse_pairs([*patient, *args]))
            for w in card["warnings"]:
                typer.echo(f"--patient: {w}", err=True)
            if as_json:
                typer.echo(json.dumps(card, indent=2, ensure_ascii=False, default=_json_default))
            else:
                _print_card(card)
            return
        if len(args) != 1 or output is None:
            raise _Abort(
                ["usage: spinemet score INPUT -o OUTPUT.csv, or spinemet score --patient key=value ..."]
            )
        n = _score_file(Path(args[0]), output, keep_extra)
        typer.echo(f"{n} rows scored; written to {output}")
    except _Abort as err:
        if as_json and err.problems:  # the same JSON document as validate --json
            typer.echo(problems_json(err.problems, err.source))
        else:
            for line in err.lines:
                typer.echo(line, err=True)
        raise typer.Exit(EXIT_INVALID) from None


def _json_default(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return _plain(value) if hasattr(value, "item") or hasattr(value, "isoformat") else str(value)
