"""Registry commands: ``import``, ``export``, ``patients``, ``backup``, ``restore``, ``followup``,
``audit`` and ``db upgrade|current``. Thin: the work is done in :mod:`spinemet.registry`.

The database is ``--db URL`` (or an SQLite file path), else ``$SPINEMET_DATABASE_URL``, else
``./spinemet.sqlite``. Messages never show patient data other than the pseudonymous ``patient_id``.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from spinemet.cli.app import app
from spinemet.cli.problems_format import echo_problems, summary_line
from spinemet.cli.registry_location import missing_sqlite_file

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table
    from sqlalchemy import Connection, Engine

__all__ = ["db_app", "followup_app"]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL or SQLite file (default: $SPINEMET_DATABASE_URL, else ./spinemet.sqlite)."
    ),
]
UserOption = Annotated[
    str | None, typer.Option("--user", help="Who makes the change (default: the OS user).")
]
BackupKeyOption = Annotated[
    str | None,
    typer.Option(
        "--key",
        envvar="SPINEMET_BACKUP_KEY",
        help="Secret key signing (backup) or checking (restore) backups with HMAC-SHA256 "
        "(env SPINEMET_BACKUP_KEY).",
        show_envvar=False,
    ),
]

db_app = typer.Typer(help="Registry database schema (Alembic migrations).", no_args_is_help=True)
followup_app = typer.Typer(help="Record and list follow-up contacts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(followup_app, name="followup")


@functools.cache
def _err() -> Console:
    """The stderr console, made on first use so that ``--help`` does not import rich."""
    from rich.console import Console

    return Console(stderr=True)


def _out() -> Console:
    """A stdout console, made when needed (not cached: it takes the terminal's width at that moment)."""
    from rich.console import Console

    return Console()


#: Columns shown by ``spinemet patients`` (no dates or free text: only the pseudonymous id identifies).
LIST_COLUMNS = ("sex", "age", "primary_tumor", "main_level", "procedure", "survival_months", "dead")


def _engine(db: str | None) -> Engine:
    from spinemet.registry.engine import make_engine

    return make_engine(db)


@contextmanager
def _reading(db: str | None) -> Iterator[Connection]:
    """A connection for reading the registry at ``db``: an SQLite file that does not exist is an error (a read
    command never creates a registry); the schema of an empty database is created first (``ensure_schema``:
    a database at another revision is refused)."""
    from spinemet.registry.schema import ensure_schema

    _must_exist(db)
    engine = _engine(db)
    ensure_schema(engine)
    with engine.connect() as conn:
        yield conn


def _must_exist(db: str | None) -> None:
    """Stop with a clear error when the registry is an SQLite file that does not exist."""
    missing = missing_sqlite_file(db)
    if missing is not None:
        raise _fail(
            f"no registry at {missing!r}: import a cohort first (spinemet import FILE --db {missing}), or "
            "give --db / $SPINEMET_DATABASE_URL",
            2,
        )


def _fail(message: str, code: int = 1) -> typer.Exit:
    from spinemet.cli.safe_text import plain

    typer.echo(f"error: {plain(message)}", err=True)  # not rich: a long message is not hard-wrapped
    return typer.Exit(code)


def _registry_errors() -> tuple[type[Exception], ...]:
    from spinemet.errors import InvalidInputError
    from spinemet.registry.errors import RegistryError

    return (RegistryError, InvalidInputError)


@db_app.command("upgrade")
def db_upgrade(db: DbOption = None) -> None:
    """Migrate the database schema to the newest revision (back up first)."""
    from spinemet.registry.engine import redact_url
    from spinemet.registry.schema import upgrade

    engine = _engine(db)
    revision = upgrade(engine)
    typer.echo(f"{redact_url(str(engine.url))}: schema at revision {revision}")


@db_app.command("current")
def db_current(db: DbOption = None) -> None:
    """Show the schema revision of the database and the newest one this spinemet knows."""
    from spinemet.registry.schema import current_revision, head_revision

    with _engine(db).connect() as conn:
        rev = current_revision(conn)
    typer.echo(f"current: {rev or 'none (empty database)'}; newest: {head_revision()}")


#: Below this many patients an import is quick and shows no progress lines on a non-terminal stderr.
PROGRESS_LINES_FROM = 10_000


def _import_progress(progress: Any, task: Any) -> Callable[[int, int], None]:
    """The store progress callback: the live bar on a terminal; on a non-terminal stderr (a log, CI) a
    plain ``importing: N of M patients`` line at every tenth of a big import, so it never looks hung."""
    console = _err()
    next_line = [0]

    def report(done: int, total: int) -> None:
        progress.update(task, completed=done, total=total)
        if console.is_terminal or total < PROGRESS_LINES_FROM:
            return
        if done >= next_line[0] or done == total:
            console.print(f"importing: {done:,} of {total:,} patients", highlight=False, markup=False)
            next_line[0] = done + max(total // 10, 1)

    return report


@app.command("import")
def import_cmd(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Cohort file (csv, xlsx, sav, REDCap export).")
    ],
    db: DbOption = None,
    reason: Annotated[
        str | None, typer.Option(help="Why the data are imported (stored in the audit trail).")
    ] = None,
    skip_invalid: Annotated[
        bool,
        typer.Option("--skip-invalid", help="Store the valid rows; write rejected rows to --rejected-out."),
    ] = False,
    rejected_out: Annotated[
        Path | None, typer.Option("--rejected-out", help="CSV file for rejected rows and their reasons.")
    ] = None,
    user: UserOption = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="csv, xlsx, sav or redcap (default: redcap with --dictionary, else from the suffix).",
        ),
    ] = None,
    dictionary: Annotated[
        Path | None,
        typer.Option(
            "--dictionary",
            exists=True,
            dir_okay=False,
            help="REDCap data dictionary CSV (for a REDCap export).",
        ),
    ] = None,
    keep_extra: Annotated[
        bool, typer.Option("--keep-extra", help="Store columns that are not in the cohort format as well.")
    ] = False,
) -> None:
    """Import a cohort file in one transaction: new patients are added, known ones updated (audited)."""
    from spinemet.cohort.problems import CohortValidationError
    from spinemet.registry.importer import import_file

    if skip_invalid and rejected_out is None:
        raise _fail("--skip-invalid needs --rejected-out FILE for the rejected rows", 2)
    if fmt == "redcap" and dictionary is None:
        raise _fail("--format redcap needs --dictionary DICT.csv (the REDCap data dictionary)", 2)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(
        TextColumn("importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_err(),
        transient=True,
    )
    task = progress.add_task("import", total=None)
    report = _import_progress(progress, task)

    try:
        with progress:
            result = import_file(
                _engine(db),
                file,
                username=user,
                reason=reason,
                fmt=fmt,
                skip_invalid=skip_invalid,
                rejected_out=rejected_out,
                progress=report,
                data_dictionary=dictionary,
                keep_extra=keep_extra,
            )
    except CohortValidationError as exc:  # one problem formatter for every command (cli/problems_format.py)
        echo_problems(exc.problems, file.name)
        typer.echo(summary_line(file.name, None, exc.problems, "nothing was stored"), err=True)
        raise typer.Exit(1) from None
    except (*_registry_errors(), ValueError) as exc:  # e.g. a file whose format cannot be told
        raise _fail(str(exc)) from None
    echo_problems(result.warnings, file.name)
    if result.note:
        _err().print(f"note: {result.note}", highlight=False, markup=False)
    s = result.stored
    typer.echo(
        f"{file.name} (sha256 {result.sha256[:12]}): {s.inserted} new, {s.updated} updated "
        f"({s.values_changed} values), {s.unchanged} unchanged; {s.audit_rows} audit rows"
    )
    if s.values_cleared:
        typer.echo(
            f"{s.values_cleared} values cleared: empty cells in the file removed stored values (audited; "
            "a re-import replaces every value of the columns it contains, see docs/registry.md)"
        )
    if skip_invalid:
        typer.echo(f"{result.rejected} row(s) rejected, written to {rejected_out}")


@app.command("export")
def export_cmd(
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")],
    fmt: Annotated[
        str | None, typer.Option("--format", help="csv, xlsx or sav (default: from the suffix).")
    ] = None,
    deidentified: Annotated[
        bool, typer.Option("--deidentified", help="Replace ids, shift dates (see docs/registry.md).")
    ] = False,
    key: Annotated[
        str | None,
        typer.Option(envvar="SPINEMET_DEID_KEY", help="Secret key for the new ids (env SPINEMET_DEID_KEY)."),
    ] = None,
    dates: Annotated[
        str, typer.Option(help="De-identified dates: per_patient (shifted) or intervals (days from surgery).")
    ] = "per_patient",
    site: Annotated[str | None, typer.Option(help="Only this centre.")] = None,
    db: DbOption = None,
) -> None:
    """Export the registry as a cohort file (optionally de-identified)."""
    from spinemet.registry.export import export_file

    _must_exist(db)
    try:
        result = export_file(
            _engine(db), output, fmt, site=site, deidentified=deidentified, key=key, shift_dates=dates
        )
    except (*_registry_errors(), ValueError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"{result.rows} patient(s) written to {output}" + (" (de-identified)" if deidentified else ""))
    if result.random_key:
        _err().print(
            "note: no --key / SPINEMET_DEID_KEY given: a random one-time key was used, so these ids "
            "cannot be linked to other exports",
            highlight=False,
        )


@app.command("patients")
def patients_cmd(
    site: Annotated[str | None, typer.Option(help="Only this centre.")] = None,
    filters: Annotated[
        list[str] | None, typer.Option("--filter", help="col=value (repeatable), e.g. primary_tumor=lung.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="JSON lines (one object per patient) instead of a table.")
    ] = False,
    db: DbOption = None,
) -> None:
    """List patients (pseudonymous id, centre and a few study columns), optionally filtered."""
    import pandas as pd
    from rich.table import Table

    from spinemet.cli.safe_text import cell
    from spinemet.registry.query import json_records, load_frame, parse_filters

    try:
        parsed = parse_filters(filters or [])
        with _reading(db) as conn:
            frame = load_frame(conn, site=site, filters=parsed, columns=list(LIST_COLUMNS))
    except _registry_errors() as exc:
        raise _fail(str(exc)) from None
    shown = ["patient_id", "site", *[c for c in LIST_COLUMNS if c in frame.columns]]
    frame = frame[shown]
    if as_json:
        for record in json_records(frame):  # JSON lines: one object per patient, as the help says
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    table = Table(title=f"{len(frame)} patient(s)")
    for column in shown:
        table.add_column(column)
    for row in frame.itertuples(index=False):
        table.add_row(*[cell("" if pd.isna(v) else _fmt(v)) for v in row])
    _out().print(table)


AUDIT_WIDE = ("id", "at", "username", "action", "table_name", "record_id", "field", "old_value", "new_value",
              "reason", "source_file")  # fmt: skip
"""The columns of ``audit --wide`` (every column of the audit log)."""


def audit_table(frame: pd.DataFrame, *, wide: bool = False) -> Table:
    """The audit trail as a rich table. Default: four columns that stay readable at 80 columns (when, who,
    what, the change ``field: old -> new``); ``wide``: :data:`AUDIT_WIDE`."""
    from rich.table import Table

    from spinemet.cli.safe_text import cell, plain

    def text(v: object) -> str:
        return "" if v is None or (isinstance(v, float) and v != v) else plain(v)

    table = Table(title=f"{len(frame)} audit row(s)")
    if wide:
        for column in AUDIT_WIDE:
            table.add_column(column)
        for row in frame[list(AUDIT_WIDE)].itertuples(index=False):
            table.add_row(*[cell(text(v)) for v in row])
        return table
    table.add_column("when", no_wrap=True)
    table.add_column("who", overflow="fold")
    table.add_column("what", overflow="fold")
    table.add_column("change", overflow="fold", ratio=1)
    for r in frame.itertuples(index=False):
        at = text(r.at)[:16].replace("T", " ")  # to the minute
        what = f"{text(r.action)} {text(r.record_id) or text(r.table_name)}".strip()
        old, new = text(r.old_value) or "-", text(r.new_value) or "-"
        change = f"{text(r.field)}: {old} -> {new}" if text(r.field) else ""
        table.add_row(*[cell(v) for v in (at, text(r.username), what, change)])
    return table


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@app.command("backup")
def backup_cmd(
    output: Annotated[Path, typer.Option("-o", "--output", help="Backup file (zip) to write.")],
    db: DbOption = None,
    key: BackupKeyOption = None,
) -> None:
    """Write a portable, checksummed backup of the whole registry (every table, the audit trail too);
    signed with HMAC-SHA256 when a key is given (--key or $SPINEMET_BACKUP_KEY)."""
    from spinemet.registry.backup import backup

    try:
        info = backup(_engine(db), output, key=key)
    except _registry_errors() as exc:
        raise _fail(str(exc)) from None
    counts = ", ".join(f"{k} {v}" for k, v in info.rows.items())
    signed = "signed" if info.signed else "unsigned: no --key / SPINEMET_BACKUP_KEY"
    typer.echo(f"backup written to {output} (schema {info.schema_revision}; {counts}; {signed})")


@app.command("restore")
def restore_cmd(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Backup file from `spinemet backup`.")
    ],
    db: DbOption = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Replace a database that already holds data (a safety backup is written first)."
        ),
    ] = False,
    safety_dir: Annotated[
        Path | None,
        typer.Option(
            "--safety-dir",
            file_okay=False,
            help="Directory for the safety backup of a replaced database "
            "(default: spinemet-backups/ next to the SQLite file, else in the current directory).",
        ),
    ] = None,
    user: UserOption = None,
    key: BackupKeyOption = None,
    allow_unsigned: Annotated[
        bool,
        typer.Option(
            "--allow-unsigned",
            help="Restore a backup that is unsigned or whose signature cannot be checked with the key.",
        ),
    ] = False,
) -> None:
    """Restore a backup (signature, checksums and values checked; one transaction; audited);
    --force replaces a non-empty database."""
    from spinemet.registry.backup import restore

    try:
        info = restore(
            _engine(db),
            file,
            force=force,
            safety_dir=safety_dir,
            username=user,
            key=key,
            allow_unsigned=allow_unsigned,
        )
    except _registry_errors() as exc:
        raise _fail(str(exc)) from None
    if info.safety_backup is not None:
        replaced = ", ".join(f"{k} {v}" for k, v in (info.replaced_rows or {}).items())
        typer.echo(f"safety backup of the replaced database written to {info.safety_backup} ({replaced})")
    counts = ", ".join(f"{k} {v}" for k, v in info.rows.items())
    signed = "signature valid" if info.signed else "UNSIGNED: its origin was not checked"
    typer.echo(f"restored {file} (schema {info.schema_revision}; {counts}; {signed})")
    if info.safety_backup is not None:
        typer.echo("the restore and the replaced database's audit rows were appended to the audit trail")
    else:
        typer.echo("the restore was recorded in the audit trail")


@followup_app.command("add")
def followup_add(
    patient_id: Annotated[str, typer.Argument(help="Pseudonymous patient id.")],
    status: Annotated[str, typer.Option(help="alive or dead.")],
    reason: Annotated[str, typer.Option(help="Source of the information (stored in the audit trail).")],
    date: Annotated[str | None, typer.Option(help="Date of the contact, YYYY-MM-DD.")] = None,
    months: Annotated[float | None, typer.Option(help="Months after surgery.")] = None,
    notes: Annotated[str | None, typer.Option(help="Free text (no identifiers).")] = None,
    user: UserOption = None,
    db: DbOption = None,
) -> None:
    """Record a follow-up contact (audited)."""
    from spinemet.errors import InvalidInputError
    from spinemet.registry.audit import WriteContext, default_username
    from spinemet.registry.followup import add_follow_up
    from spinemet.registry.schema import ensure_schema

    try:
        when = dt.date.fromisoformat(date) if date else None
    except ValueError:
        raise _fail(str(InvalidInputError("--date", date, "YYYY-MM-DD")), 2) from None
    try:
        engine = _engine(db)
        ensure_schema(engine)
        ctx = WriteContext(username=user or default_username(), reason=reason)
        with engine.begin() as conn:
            fid = add_follow_up(conn, patient_id, ctx, status=status, date=when, months=months, notes=notes)
    except _registry_errors() as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"follow-up {fid} recorded")


@followup_app.command("list")
def followup_list(
    patient_id: Annotated[str | None, typer.Argument(help="Pseudonymous patient id (default: all).")] = None,
    db: DbOption = None,
) -> None:
    """List follow-up records."""
    from rich.table import Table

    from spinemet.cli.safe_text import cell
    from spinemet.registry.followup import list_follow_up

    with _reading(db) as conn:
        records = list_follow_up(conn, patient_id)
    table = Table(title=f"{len(records)} follow-up record(s)")
    for column in ("id", "patient_id", "date", "months", "status", "notes"):
        table.add_column(column)
    for r in records:
        values = (
            r.id,
            r.patient_id,
            r.date or "",
            "" if r.months is None else _fmt(r.months),
            r.status,
            r.notes or "",
        )
        table.add_row(*[cell(v) for v in values])
    _out().print(table)


@app.command("audit")
def audit_cmd(
    action: Annotated[
        str,
        typer.Argument(help="show (default): the trail; verify: check its hash chain (exit 1 when broken)."),
    ] = "show",
    patient_id: Annotated[
        str | None,
        typer.Option("--patient", help="Only this pseudonymous id (and its follow-up records)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of a table.")] = False,
    wide: Annotated[
        bool, typer.Option("--wide", help="Every column (id, table, reason, source file): wide terminals.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Show the audit trail (read-only: spinemet offers no way to change it), or `audit verify` its
    tamper-evident hash chain."""
    from spinemet.registry.audit import audit_frame

    if action == "verify":
        _audit_verify(db, as_json)
        return
    if action != "show":
        raise _fail(f"action: got {action!r}; allowed: show, verify", 2)
    with _reading(db) as conn:
        frame = audit_frame(conn, record_id=patient_id)
    if as_json:
        typer.echo(frame.to_json(orient="records", date_format="iso"))
        return
    _out().print(audit_table(frame, wide=wide))


def _audit_verify(db: str | None, as_json: bool) -> None:
    """`spinemet audit verify`: walk the chain; print the head (keep it) or the first broken link."""
    from rich.markup import escape

    from spinemet.registry.audit import verify_chain

    with _reading(db) as conn:
        report = verify_chain(conn)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "rows": report.rows,
                    "head_seq": report.head_seq,
                    "head_hash": report.head_hash,
                    "problem": report.problem,
                    "seq": report.seq,
                    "id": report.row_id,
                }
            )
        )
        if not report.ok:
            raise typer.Exit(1)
        return
    if not report.ok:
        raise _fail(f"audit trail broken after {report.rows} intact row(s): {escape(str(report.problem))}")
    typer.echo(
        f"audit trail intact: {report.rows} row(s); head seq {report.head_seq} sha256 {report.head_hash}"
    )
    typer.echo("keep the head hash outside the database: a later verify must show it (or a later one) again")
