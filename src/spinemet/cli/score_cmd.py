"""``spinemet score``: score a cohort file, or one patient given as ``key=value`` pairs.

File mode: ``spinemet score INPUT -o OUTPUT.csv`` reads and validates the cohort, adds the score columns
(``spinemet.cohort.score_columns``) and writes a CSV atomically (temporary file, then rename). Invalid input
lists every problem with its row, column, value and what is allowed, exits with status 1 and writes
nothing.

Patient mode: ``spinemet score --patient kps=70 --patient primary_tumor=lung ...`` (or
``--patient kps=70 primary_tumor=lung ...``) prints a card: every score that the values allow, with its
components, points, band, version and citation, then the pathway's verdicts with their reasons.
``--json`` prints the same as JSON. Keys are cohort column names. It lives in
:mod:`spinemet.cli.patient_mode` (no typer, no pandas), which ``spinemet`` runs directly when the command
line is a plain ``score --patient ...``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from spinemet.cli.app import app
from spinemet.cli.patient_mode import EXIT_INVALID, _Abort, run, score_patient
from spinemet.cli.problems_format import echo_problems, problem_line, problems_json, summary_line

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["score", "score_patient"]

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
    if patient:  # cli/patient_mode.py, also run without typer by cli/main.py
        code = run([*patient, *args], as_json)
        if code:
            raise typer.Exit(code)
        return
    try:
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
