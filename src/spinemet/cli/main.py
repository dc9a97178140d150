"""Entry point of the ``spinemet`` console script: a plain ``score --patient ...`` runs at once (without
typer, pandas or numpy: :mod:`spinemet.cli.patient_mode`); every other command line goes to the Typer app
with every command module imported (:func:`app_with_commands`).

``from spinemet.cli.main import app`` gives that app with its commands registered.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

__all__ = ["app_with_commands", "main"]

# Each module registers its commands on ``app`` when imported.
_COMMAND_MODULES = (
    "spinemet.cli.score_cmd",
    "spinemet.cli.cohort_cmds",
    "spinemet.cli.registry_cmds",
    "spinemet.cli.report_cmds",
    "spinemet.cli.web_cmds",
)


def app_with_commands() -> Any:
    """The Typer app with every command module imported (each registers its commands on import)."""
    from spinemet.cli.app import app

    for name in _COMMAND_MODULES:
        importlib.import_module(name)
    return app


def __getattr__(name: str) -> Any:
    """``app``: imported with its commands on first use (importing this module loads no typer)."""
    if name == "app":
        return app_with_commands()
    raise AttributeError(f"module 'spinemet.cli.main' has no attribute {name!r}")


def _terminated(signum: int, frame: object) -> None:
    sys.stderr.write("terminated\n")
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> None:
    """Run the command line; a foreseeable failure ends with one sentence on stderr (exit 2), never a
    traceback or patient data (see :mod:`spinemet.cli.safe_text`); Ctrl-C exits 130.

    ``argv`` defaults to ``sys.argv[1:]``. ``spinemet score --patient k=v ... [--json]`` is parsed here
    and run by :func:`spinemet.cli.patient_mode.run`, the code of the ``score`` command's patient mode,
    so the output is the same with or without typer; anything else (``--help`` included) goes to typer.
    """
    import signal

    # SIGTERM ends the command like Ctrl-C does: through the ``finally`` blocks that remove ``.part``
    # files and staged report sets, instead of killing the process with them left behind
    signal.signal(signal.SIGTERM, _terminated)
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        from spinemet.cli.patient_mode import fast_argv, run

        fast = fast_argv(args)
        if fast is not None:
            sys.exit(run(*fast))
        app_with_commands()(args=args, prog_name="spinemet")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:
        from spinemet.cli.safe_text import describe_failure

        message = describe_failure(exc)
        if message is None:
            raise
        sys.stderr.write(f"error: {message}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
