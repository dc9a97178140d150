"""Entry point of the ``spinemet`` console script: imports every command module, then runs the app."""

from __future__ import annotations

import importlib

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
    """Run the command line."""
    app(prog_name="spinemet")


if __name__ == "__main__":
    main()
