"""``python -m spinemet`` runs the command line."""

from spinemet.cli.main import main

main()
