"""Day-labour forms, one module per subject."""
