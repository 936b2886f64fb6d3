"""Case-file pages, one module per subject."""
