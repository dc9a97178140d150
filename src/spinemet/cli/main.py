"""Entry point of the ``spinemet`` console script: imports every command module, then runs the app."""

from __future__ import annotations

import importlib
import sys

from spinemet.cli.app import app

__all__ = ["main"]

# Each module registers its commands on ``app`` when imported.
_COMMAND_MODULES = (
    "spinemet.cli.score_cmd",
    "spinemet.cli.cohort_cmds",
    "spinemet.cli.registry_cmds",
    "spinemet.cli.report_cmds",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(_name)


def main() -> None:
    """Run the command line; a foreseeable failure ends with one sentence on stderr (exit 2), never a
    traceback or patient data (see :mod:`spinemet.cli.safe_text`); Ctrl-C exits 130."""
    from spinemet.cli.safe_text import describe_failure

    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:
        message = describe_failure(exc)
        if message is None:
            raise
        sys.stderr.write(f"error: {message}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
