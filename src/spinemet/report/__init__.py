"""spinemet.report."""
