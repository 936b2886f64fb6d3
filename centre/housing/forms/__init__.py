"""Housing forms, one module per subject."""
