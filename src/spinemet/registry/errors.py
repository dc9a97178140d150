"""Errors raised by the registry."""

from __future__ import annotations

__all__ = ["BackupError", "RegistryError"]


class RegistryError(RuntimeError):
    """A registry operation that cannot be done (wrong schema revision, unknown patient, ...)."""


class BackupError(RegistryError):
    """A backup file that cannot be restored (corrupted, wrong format) or a target that is not empty."""
