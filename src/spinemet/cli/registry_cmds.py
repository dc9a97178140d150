"""Commands of this module are added by their owner."""

from spinemet.cli.app import app  # noqa: F401
