"""The ``spinemet`` Typer application; command modules register their commands on ``app``."""

from __future__ import annotations

import typer

__all__ = ["app"]

app = typer.Typer(
    name="spinemet",
    help="Scores, decision support, registry and study analysis for metastatic spinal tumours.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Scores, decision support, registry and study analysis for metastatic spinal tumours."""


@app.command()
def version() -> None:
    """Print the spinemet version."""
    from spinemet import __version__

    typer.echo(f"spinemet {__version__}")
