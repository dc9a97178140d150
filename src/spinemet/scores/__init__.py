"""spinemet.scores."""
