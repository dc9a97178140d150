"""spinemet.cohort."""
