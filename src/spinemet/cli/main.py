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
    "spinemet.cli.web_cmds",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(_name)


def _terminated(signum: int, frame: object) -> None:
    sys.stderr.write("terminated\n")
    raise SystemExit(128 + signum)


def main() -> None:
    """Run the command line; a foreseeable failure ends with one sentence on stderr (exit 2), never a
    traceback or patient data (see :mod:`spinemet.cli.safe_text`); Ctrl-C exits 130."""
    import signal

    from spinemet.cli.safe_text import describe_failure

    # SIGTERM ends the command like Ctrl-C does: through the ``finally`` blocks that remove ``.part``
    # files and staged report sets, instead of killing the process with them left behind
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app(prog_name="spinemet")
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
