"""``spinemet serve`` (the registry as a web application) and ``spinemet user add|list``.

``serve`` binds 127.0.0.1 unless ``--host`` says otherwise; on a registry without users it creates
``admin`` with a random one-time password and prints it once. uvicorn's own access log is off: the
application logs route templates (``/api/patients/{patient_id}``), never raw paths, so no patient id
reaches the log. ``user add`` reads the password from standard input (or prompts), never from an argument.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from spinemet.cli.app import app

__all__ = ["user_app"]

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db", help="Database URL or SQLite file (default: $SPINEMET_DATABASE_URL, else ./spinemet.sqlite)."
    ),
]

user_app = typer.Typer(help="Users of the web application (roles and centres).", no_args_is_help=True)
app.add_typer(user_app, name="user")


@app.command("serve")
def serve(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (default: loopback only).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    certfile: Annotated[
        str | None, typer.Option("--certfile", help="TLS certificate (PEM): serve HTTPS.")
    ] = None,
    keyfile: Annotated[str | None, typer.Option("--keyfile", help="TLS private key (PEM).")] = None,
) -> None:
    """Serve the registry in the browser: bedside calculator, patient records, follow-up, report."""
    import logging

    import uvicorn

    from spinemet.registry.accounts import ensure_first_admin
    from spinemet.registry.engine import make_engine, redact_url, resolve_url
    from spinemet.registry.errors import RegistryError
    from spinemet.web.app import create_app

    url = resolve_url(db)
    engine = make_engine(url)
    try:
        application = create_app(engine=engine, secure_cookies=certfile is not None)
    except RegistryError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    with engine.begin() as conn:
        first = ensure_first_admin(conn)
    if first is not None:
        typer.echo(f"First start: created user {first[0]!r} with the one-time password: {first[1]}")
        typer.echo("Sign in and add your own users (Users page or `spinemet user add`); this is shown once.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    scheme = "https" if certfile else "http"
    typer.echo(f"spinemet registry {redact_url(url)} on {scheme}://{host}:{port}/")
    uvicorn.run(
        application,
        host=host,
        port=port,
        access_log=False,
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
        log_level="info",
    )


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option("--role", help="admin, editor, viewer or auditor.")],
    site: Annotated[
        list[str] | None, typer.Option("--site", help="A centre the user may see; repeatable.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Add a user; the password is read from standard input (or prompted twice on a terminal)."""
    from spinemet.errors import InvalidInputError
    from spinemet.registry.accounts import add_user
    from spinemet.registry.engine import make_engine
    from spinemet.registry.schema import ensure_schema

    if sys.stdin.isatty():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    engine = make_engine(db)
    ensure_schema(engine)
    try:
        with engine.begin() as conn:
            add_user(conn, name, password, role=role, sites=site or ())
    except InvalidInputError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"user {name!r} added ({role}{'; centres ' + ', '.join(site) if site else ''})")


@user_app.command("list")
def user_list(db: DbOption = None) -> None:
    """List the users with role and centres (never passwords)."""
    from spinemet.registry.accounts import list_users
    from spinemet.registry.engine import make_engine
    from spinemet.registry.schema import ensure_schema

    engine = make_engine(db)
    ensure_schema(engine)
    with engine.connect() as conn:
        for u in list_users(conn):
            sites = ", ".join(u["sites"]) or ("all" if u["role"] == "admin" else "none")  # type: ignore[arg-type]
            typer.echo(f"{u['username']}\t{u['role']}\t{'active' if u['active'] else 'inactive'}\t{sites}")
