"""``spinemet validate``, ``spinemet synth`` and ``spinemet template``: check a cohort file; write a
synthetic cohort; write an import template (Excel workbook or REDCap data dictionary)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from spinemet.cli.app import app
from spinemet.cli.problems_format import problem_line, problems_json, summary_line

__all__ = ["synth_command", "template_command", "validate_command"]


@app.command("validate")
def validate_command(
    file: Annotated[Path, typer.Argument(help="Cohort file: .csv, .xlsx, .sav, or a REDCap export .csv.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    keep_extra: Annotated[
        bool, typer.Option("--keep-extra", help="Accept columns that are not in the format.")
    ] = False,
    dictionary: Annotated[
        Path | None,
        typer.Option(
            "--dictionary", help="REDCap data dictionary CSV (FILE is then a REDCap records export)."
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, xlsx, sav or redcap (default: from the name).")
    ] = None,
) -> None:
    """Check a cohort file against the cohort format: every problem with its row, column, value and the
    allowed values. Exit 0 when there is no error (warnings are shown), 1 otherwise, 2 when unreadable."""
    from spinemet.cohort.io import validate_file

    if not file.exists():
        typer.echo(f"error: file not found: {file}", err=True)
        raise typer.Exit(2)
    if dictionary is not None and not dictionary.exists():
        typer.echo(f"error: data dictionary not found: {dictionary}", err=True)
        raise typer.Exit(2)
    try:
        report = validate_file(file, fmt=fmt, keep_extra=keep_extra, data_dictionary=dictionary)
    except ValueError as exc:
        from spinemet.cli.safe_text import plain

        typer.echo(f"error: {plain(exc)}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(problems_json(report.problems, file.name, n_rows=report.n_rows))
    else:
        from spinemet.cli.safe_text import plain

        for p in report.problems:
            typer.echo(plain(problem_line(p, file.name)))
        verdict = "valid" if report.ok else "INVALID"
        typer.echo(summary_line(file.name, report.n_rows, report.problems, verdict))
    raise typer.Exit(0 if report.ok else 1)


@app.command("synth")
def synth_command(
    n: Annotated[int, typer.Option("--n", min=0, help="Number of patients.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Output file: .csv, .xlsx or .sav.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same cohort).")] = 0,
    sites: Annotated[int, typer.Option("--sites", min=1, max=999, help="Number of centres.")] = 1,
) -> None:
    """Write a synthetic cohort resembling the study (not real patients) as CSV, Excel or SPSS."""
    from spinemet.cohort.io import detect_format, write_cohort
    from spinemet.cohort.synth import synth

    try:
        fmt = detect_format(output)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"generating {n} patients from {sites} centre(s), seed {seed} ...", err=True)
    frame = synth(n, seed=seed, sites=sites)
    with typer.progressbar(length=max(n, 1), label=f"writing {output.name}", file=sys.stderr) as bar:
        done = [0]

        def progress(k: int, total: int) -> None:
            bar.update(k - done[0])
            done[0] = k

        try:
            write_cohort(frame, output, fmt, progress=progress)
        except ValueError as exc:
            typer.echo(f"\nerror: {exc}", err=True)
            raise typer.Exit(2) from None
    typer.echo(f"wrote {n} rows to {output}")


@app.command("template")
def template_command(
    output: Annotated[
        Path, typer.Option("-o", "--output", help="File to write (.xlsx, or .csv for REDCap).")
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="xlsx (an Excel workbook with drop-down lists) or redcap-dictionary (a REDCap data "
            "dictionary CSV). Default: from the file name.",
        ),
    ] = "",
    core_only: Annotated[
        bool, typer.Option("--core-only", help="Only the study's core columns (no extension columns).")
    ] = False,
) -> None:
    """Write an import template: one column per field, drop-down lists for every coded field, input
    messages with the allowed values and units, and a sheet that explains each field. A filled template
    validates and imports as is. With --format redcap-dictionary, a REDCap data dictionary to build a REDCap
    project from (its records export is read by validate/import --dictionary)."""
    from spinemet.cohort.template import TEMPLATE_FORMATS, write_template

    fmt = fmt or ("redcap-dictionary" if output.suffix.lower() == ".csv" else "xlsx")
    if fmt not in TEMPLATE_FORMATS:
        typer.echo(f"error: --format: got {fmt!r}; allowed: {', '.join(TEMPLATE_FORMATS)}", err=True)
        raise typer.Exit(2)
    wanted = ".xlsx" if fmt == "xlsx" else ".csv"
    if output.suffix.lower() != wanted:
        typer.echo(f"error: -o/--output: got {output.name!r}; allowed: a {wanted} file for --format {fmt}",
                   err=True)  # fmt: skip
        raise typer.Exit(2)
    if not output.parent.exists():
        typer.echo(f"error: -o/--output: folder {str(output.parent)!r} does not exist", err=True)
        raise typer.Exit(2)
    n = write_template(output, fmt, core_only=core_only)
    what = "Excel import template" if fmt == "xlsx" else "REDCap data dictionary"
    typer.echo(f"{what} with {n} fields written to {output}")
