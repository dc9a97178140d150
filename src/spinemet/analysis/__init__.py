"""spinemet.analysis."""
