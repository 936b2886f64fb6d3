"""Case-file forms, one module per subject."""
