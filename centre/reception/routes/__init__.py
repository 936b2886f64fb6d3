"""Reception's pages, one module per subject (each registers its views on the blueprint)."""

from . import handover, incidents, quick_view, visits  # noqa: F401
