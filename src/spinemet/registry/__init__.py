"""spinemet.registry."""
