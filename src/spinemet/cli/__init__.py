"""spinemet.cli."""
