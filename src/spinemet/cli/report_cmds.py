"""``spinemet report`` and ``spinemet demo``: the study report as HTML, Word, CSV tables, figures and JSON.

Thin: reading the input is ``spinemet.cohort`` / ``spinemet.registry``, the work is ``spinemet.report``.
Heavy libraries (pandas, matplotlib, python-docx) are imported inside the commands so ``spinemet --help``
and other commands start quickly.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from spinemet.cli.app import app
from spinemet.cli.problems_format import echo_problems, summary_line
from spinemet.cli.registry_location import registry_may_exist

__all__ = ["demo_command", "report_command"]

DEFAULT_DIR = Path("spinemet-report")
MEDIAN_CI = ("log", "plain", "log-log", "spss")
STYLES = ("paper", "sd", "iqr")


@dataclass(frozen=True)
class Source:
    """The cohort to report on and where it came from."""

    frame: Any
    name: str
    kind: str  # "cohort file" | "registry" | "demo cohort"
    sha256: str | None


def _err(message: str) -> None:
    typer.echo(message, err=True)


def _read_file(path: Path, fmt: str | None, dictionary: Path | None, keep_extra: bool = False) -> Source:
    from spinemet.cohort import CohortValidationError, read_cohort

    if not path.exists():
        _err(f"error: cohort file not found: {path}")
        raise typer.Exit(2)
    try:
        cohort = read_cohort(path, fmt=fmt, data_dictionary=dictionary, keep_extra=keep_extra)
    except CohortValidationError as exc:
        echo_problems(exc.problems, path.name)  # the one problem formatter (cli/problems_format.py)
        _err(summary_line(path.name, None, exc.problems, "not a valid cohort; no report written"))
        raise typer.Exit(1) from None
    except (ValueError, OSError) as exc:
        _err(f"error: cannot read {path}: {exc}; no report written.")
        raise typer.Exit(2) from None
    echo_problems(cohort.warnings, path.name)
    return Source(cohort.frame, path.name, "cohort file", cohort.sha256)


def _read_registry(db: str | None) -> Source | None:
    """The registry's patients, when the database exists and holds patients; else None (the caller then
    refuses: the demo cohort is reported only with ``--demo``). A registry named by ``--db`` or
    ``$SPINEMET_DATABASE_URL`` must exist and hold patients, and an unreadable one (wrong URL, server down,
    truncated file) is an error: never the demo instead."""
    import os

    explicit = db is not None or bool(os.environ.get("SPINEMET_DATABASE_URL"))
    if not registry_may_exist(db):
        if explicit:
            _err(
                "error: the registry database given by --db / SPINEMET_DATABASE_URL does not exist; "
                "no report written (pass a cohort file, or run `spinemet demo` for the demo report)."
            )
            raise typer.Exit(2)
        return None
    from spinemet.cli.safe_text import describe_failure
    from spinemet.registry.engine import make_engine, redact_url, resolve_url

    try:
        url = resolve_url(db)
    except Exception as exc:
        _err(f"error: the registry cannot be used: {describe_failure(exc) or type(exc).__name__}; "
             "no report written.")  # fmt: skip
        raise typer.Exit(2) from None
    try:
        from spinemet.registry.query import count_patients, load_frame

        engine = make_engine(url)
        try:
            with engine.connect() as conn:
                n = count_patients(conn)
                frame = load_frame(conn) if n else None
        finally:
            engine.dispose()
    except Exception as exc:  # an unreadable or foreign database: the reason, and nothing written
        reason = describe_failure(exc) or type(exc).__name__
        _err(f"error: registry {redact_url(url)} cannot be read: {reason}; no report written.")
        raise typer.Exit(2) from None
    if frame is None:
        if explicit:
            _err(f"error: registry {redact_url(url)} holds no patients; no report written.")
            raise typer.Exit(2)
        return None
    if "site" in frame.columns and frame["site"].isna().all():
        frame = frame.drop(columns="site")
    digest = hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()
    return Source(frame, redact_url(url), "registry", digest)


def _demo() -> Source:
    from spinemet.cohort.demo import load_demo

    cohort = load_demo()
    return Source(cohort.frame, Path(cohort.source).name, "demo cohort", cohort.sha256)


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[str], None]]:
    """A rich progress bar on stderr (only on a terminal); yields a ``step(label)`` callback."""
    if not enabled or not sys.stderr.isatty():
        yield lambda _label: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("report", total=None)

        def step(label: str) -> None:
            bar.update(task, description=label, advance=1)

        yield step


def _build_and_write(
    source: Source,
    paths: Any,
    *,
    median_ci: str,
    by: str | None,
    style: str,
    percent: str,
    show_progress: bool,
    title: str | None = None,
    study: Any = None,
    paper: str = "a4",
) -> list[Path]:
    from spinemet.errors import InvalidInputError
    from spinemet.report.build import build_report
    from spinemet.report.outputs import write_outputs

    with _progress(show_progress) as step:
        try:
            report = build_report(
                source.frame,
                source=source.name,
                source_kind=source.kind,
                sha256=source.sha256,
                median_ci=median_ci,
                by=by,
                style=style,
                percent_style=percent,
                progress=step,
                title=title,
                study=study,
                paper=paper,
            )
        except InvalidInputError as exc:
            _err(f"error: {exc}; no report written.")
            raise typer.Exit(2) from None
        except Exception as exc:  # an analysis that cannot run on these data: say where, write nothing
            _err(
                f"error: the analysis failed: {_where(exc)}; no report written. Please report this with the "
                "command you ran (not the data)."
            )
            raise typer.Exit(1) from None
        return write_outputs(report, paths, progress=step)


def _where(exc: BaseException) -> str:
    """``ZeroDivisionError in spinemet/analysis/logrank.py:323 (logrank_trend): ...`` (no data values)."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "spinemet" in f.filename]
    last = frames[-1] if frames else None
    place = ""
    if last is not None:
        short = last.filename[last.filename.rfind("spinemet") :]
        place = f" in {short}:{last.lineno} ({last.name})"
    return f"{type(exc).__name__}{place}: {exc}"


@app.command("report")
def report_command(
    cohort: Annotated[
        Path | None,
        typer.Argument(
            help="Cohort file (.csv, .xlsx, .sav, REDCap export). Default: the registry (--db)."
        ),
    ] = None,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write the self-contained HTML report here.")
    ] = None,
    docx: Annotated[Path | None, typer.Option("--docx", help="Write the Word report (.docx) here.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write every number as JSON here.")] = None,
    tables_dir: Annotated[
        Path | None, typer.Option("--tables-dir", help="Write one CSV per table here.")
    ] = None,
    figures_dir: Annotated[
        Path | None,
        typer.Option("--figures-dir", help="Write each figure as PNG (300 dpi), SVG and PDF here."),
    ] = None,
    median_ci: Annotated[
        str,
        typer.Option("--median-ci", help="CI of the median survival: log (R default), plain, log-log, spss."),
    ] = "log",
    by: Annotated[
        str | None,
        typer.Option("--by", help="Extra Kaplan-Meier split by this cohort column, e.g. procedure."),
    ] = None,
    style: Annotated[
        str,
        typer.Option(
            "--style", help="Continuous variables: paper = mean (range), sd = mean ± SD, iqr = median [IQR]."
        ),
    ] = "paper",
    percent: Annotated[
        str, typer.Option("--percent", help="Percentages: round (half-up) or truncate (as the paper prints).")
    ] = "round",
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Registry database URL or SQLite file (default: $SPINEMET_DATABASE_URL, else "
            "./spinemet.sqlite).",
        ),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, xlsx, sav or redcap (default: from the name).")
    ] = None,
    dictionary: Annotated[
        Path | None,
        typer.Option("--dictionary", help="REDCap data dictionary CSV (COHORT is then a REDCap export)."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    # --- the user's own study (docs/report.md) ---
    title: Annotated[
        str | None, typer.Option("--title", help="Title of the report (default: the study file's).")
    ] = None,
    study_file: Annotated[
        Path | None,
        typer.Option("--study", help="Study file (.toml/.yaml): Table 1 variables, groups, Cox model..."),
    ] = None,
    keep_extra: Annotated[
        bool, typer.Option("--keep-extra", help="Keep columns that are not in the cohort format.")
    ] = False,
    paper: Annotated[str, typer.Option("--paper", help="Word page size: a4 or letter.")] = "a4",
    demo: Annotated[
        bool, typer.Option("--demo", help="Report the bundled demo cohort (only when asked for).")
    ] = False,
) -> None:
    """Write the study report (tables 1-5, survival, Barthel/VAS, prognostic accuracy, MISt vs conventional,
    methods paragraph). Nothing is written when the input is invalid."""
    from spinemet.report.outputs import OutputPaths

    for name, value, allowed in (
        ("--median-ci", median_ci, MEDIAN_CI),
        ("--style", style, STYLES),
        ("--percent", percent, ("round", "truncate")),
        ("--paper", paper, ("a4", "letter")),
    ):
        if value not in allowed:
            _err(f"error: {name}: got {value!r}; allowed: {', '.join(allowed)}")
            raise typer.Exit(2)
    study = None
    if study_file is not None:
        from spinemet.errors import InvalidInputError
        from spinemet.report.study_file import load_study_file

        try:
            study = load_study_file(study_file)
        except InvalidInputError as exc:
            _err(f"error: {exc}; no report written.")
            raise typer.Exit(2) from None
    if demo and (cohort is not None or db is not None):
        _err("error: --demo reports the bundled demo cohort: give it without a cohort file or --db.")
        raise typer.Exit(2)
    if cohort is not None:
        source = _read_file(cohort, fmt, dictionary, keep_extra)
    elif demo:
        source = _demo()
    else:
        registry = _read_registry(db)
        if registry is None:  # the demo is used only when asked for (issue 9)
            _err(
                "error: no cohort to report: no cohort file was given and there is no registry with "
                "patients here (./spinemet.sqlite); pass a cohort file, --db URL, or --demo for the "
                "bundled demo cohort. No report written."
            )
            raise typer.Exit(2)
        source = registry
    _err(f"source: {source.kind} {source.name} ({len(source.frame)} patients)")
    paths = OutputPaths(html, docx, json_out, tables_dir, figures_dir)
    if not paths.any():
        paths = OutputPaths(html=DEFAULT_DIR / "report.html")
        _err(f"no output option given: writing the HTML report to {paths.html}")
    written = _build_and_write(
        source, paths, median_ci=median_ci, by=by, style=style, percent=percent, show_progress=not quiet,
        title=title, study=study, paper=paper,
    )
    _report_written(written)


def _report_written(written: list[Path]) -> None:
    dirs: dict[Path, int] = {}
    for path in written:
        if path.suffix in (".csv", ".png", ".svg", ".pdf"):
            dirs[path.parent] = dirs.get(path.parent, 0) + 1
        else:
            typer.echo(f"wrote {path}")
    for d, n in dirs.items():
        typer.echo(f"wrote {n} files to {d}/")


@app.command("demo")
def demo_command(
    out: Annotated[
        Path, typer.Option("--out", help="Directory for report.html, report.json, report.docx.")
    ] = DEFAULT_DIR,
    median_ci: Annotated[
        str, typer.Option("--median-ci", help="log (R default), plain, log-log or spss.")
    ] = "log",  # one default for report and demo; the paper's SPSS interval is --median-ci spss
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Write the report of the bundled demo cohort (55 synthetic patients reproducing Uei et al. 2018) as
    HTML, JSON and Word, and print where it is. The median CI is R's (log), as for ``report``; the study's
    SPSS method is ``--median-ci spss``."""
    from spinemet.report.outputs import OutputPaths

    if median_ci not in MEDIAN_CI:
        _err(f"error: --median-ci: got {median_ci!r}; allowed: {', '.join(MEDIAN_CI)}")
        raise typer.Exit(2)
    source = _demo()
    _err(f"source: demo cohort {source.name} ({len(source.frame)} synthetic patients)")
    paths = OutputPaths(html=out / "report.html", docx=out / "report.docx", json=out / "report.json")
    written = _build_and_write(
        source, paths, median_ci=median_ci, by=None, style="paper", percent="round", show_progress=not quiet
    )
    _report_written(written)
    typer.echo(f"open {(out / 'report.html').resolve()} in a browser")
