"""The ``spinemet`` Typer application; command modules register their commands on ``app``.

Help is plain click help (``rich_markup_mode=None``): paragraphs re-flowed to the terminal, no ``<bool>``/
``<str>`` type tags (every option that takes a value shows a name such as ``FILE`` or ``URL`` instead,
:func:`_metavar`), and an example for every command (:data:`EXAMPLES`, appended by :class:`_Group`).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

__all__ = ["EXAMPLES", "app"]

EXAMPLES: dict[str, tuple[str, ...]] = {
    "score": (
        "spinemet score --patient kps=70 primary_tumor=kidney frankel_pre=D2 escc=2",
        "spinemet score cohort.csv -o scored.csv",
    ),
    "validate": ("spinemet validate cohort.xlsx", "spinemet validate cohort.csv --json"),
    "synth": ("spinemet synth --n 200 -o synthetic.csv --seed 1",),
    "template": (
        "spinemet template -o registry.xlsx",
        "spinemet template --format redcap-dictionary -o dictionary.csv",
    ),
    "import": ("spinemet import cohort.csv --db registry.sqlite --reason 'initial load'",),
    "export": ("spinemet export -o copy.csv --db registry.sqlite",),
    "patients": ("spinemet patients --db registry.sqlite --filter primary_tumor=lung",),
    "backup": ("spinemet backup -o registry.backup.zip --db registry.sqlite",),
    "restore": ("spinemet restore registry.backup.zip --db restored.sqlite",),
    "audit": ("spinemet audit --db registry.sqlite", "spinemet audit verify --db registry.sqlite"),
    "report": ("spinemet report cohort.csv --html report.html",),
    "demo": ("spinemet demo --out demo-report",),
    "version": ("spinemet version",),
    "db upgrade": ("spinemet db upgrade --db registry.sqlite",),
    "db current": ("spinemet db current --db registry.sqlite",),
    "followup add": ("spinemet followup add P001 --status alive --reason 'phone call' --date 2024-05-01",),
    "followup list": ("spinemet followup list --db registry.sqlite",),
    "serve": ("spinemet serve --db registry.sqlite --port 8000",),
    "user list": ("spinemet user list --db registry.sqlite",),
    "user add": ("spinemet user add alice --role editor --site A --db registry.sqlite",),
}
"""Command path -> example command lines shown at the end of its ``--help``."""

def _metavar(param: Any) -> str:
    """A name for the value of ``param``: ``FILE``/``DIR`` for paths, ``N`` for integers, ``NUMBER`` for
    decimals, else the parameter's name upper-cased (``--db URL`` reads better than ``--db <str>``)."""
    name = str(param.name or "value").upper()
    desc = getattr(param, "type_descriptor", None)
    annotation = getattr(desc, "annotation", None)
    if desc is not None and getattr(desc, "is_list", False):
        args = getattr(annotation, "__args__", ()) or ()
        annotation = args[0] if args else annotation
    if desc is not None and getattr(desc, "is_path", False):
        word = "FILE" if name not in ("OUTPUT", "INPUT") else name
        if "DIR" in name or name == "OUT":
            word = "DIR"
    elif annotation is int:
        word = "N"
    elif annotation is float:
        word = "NUMBER"
    else:
        word = {"DB": "URL", "FMT": "FORMAT", "AS_JSON": "FILE"}.get(name, name)
    multiple = getattr(param, "multiple", False) or getattr(param, "nargs", 1) == -1
    return word + ("..." if multiple else "")


def _plain_argument(param: Any) -> None:
    """An argument shown as ``FILE`` (usage ``spinemet import FILE``), not ``FILE <file>`` and ``{FILE}``:
    typer (0.29) always adds its type tag to arguments, so this instance's display methods are replaced."""
    name = str(param.metavar)
    param.display_type_rich = lambda ctx: None
    suffix = "..." if getattr(param, "nargs", 1) != 1 and not name.endswith("...") else ""
    param._usage_display_name = lambda: (name if param.required else f"[{name}]") + suffix


def _tidy(command: Any, path: str = "") -> None:
    """Metavars instead of type tags, and the examples of :data:`EXAMPLES`, for ``command`` and below."""
    for param in getattr(command, "params", ()):
        is_flag = getattr(param, "is_flag", False) or getattr(param, "count", False)
        if param.metavar is None and not is_flag and (param.name or "") != "help":
            param.metavar = _metavar(param)
        if getattr(param, "param_type_name", "") == "argument":
            _plain_argument(param)
    examples = EXAMPLES.get(path)
    if examples and command.help and "Example" not in command.help:
        lines = "\n".join(f"  {line}" for line in examples)
        command.help = f"{command.help.rstrip()}\n\n\b\nExample{'s' if len(examples) > 1 else ''}:\n{lines}"
    for name, sub in (getattr(command, "commands", None) or {}).items():
        _tidy(sub, f"{path} {name}".strip())


class _Group(TyperGroup):
    """The root group: tidies every command's help once the commands are attached."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, command in self.commands.items():
            _tidy(command, name)


app = typer.Typer(
    name="spinemet",
    cls=_Group,
    help="Scores, decision support, registry and study analysis for metastatic spinal tumours.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from spinemet import __version__

        typer.echo(f"spinemet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Scores, decision support, registry and study analysis for metastatic spinal tumours.

    \b
    Examples:
      spinemet score --patient kps=70 primary_tumor=kidney frankel_pre=D2
      spinemet validate cohort.xlsx
      spinemet template -o registry.xlsx
    """


@app.command()
def version() -> None:
    """Print the spinemet version."""
    from spinemet import __version__

    typer.echo(f"spinemet {__version__}")
