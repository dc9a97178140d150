"""Alembic migrations of the registry schema (run through :mod:`spinemet.registry.schema`)."""
