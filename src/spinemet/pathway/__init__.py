"""spinemet.pathway."""
