"""Case-file services, one module per subject."""
