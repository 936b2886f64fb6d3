"""Housing pages, one module per subject (each registers its views on the blueprint)."""

from . import board, measures, programmes, stays, waiting  # noqa: F401
