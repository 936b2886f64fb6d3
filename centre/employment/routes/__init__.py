"""Day-labour pages, one module per subject (each registers its views on the blueprint)."""

from . import measures, offers, pay, progression  # noqa: F401
