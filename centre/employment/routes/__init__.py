"""Day-labour pages, one module per subject (each registers its views on the blueprint)."""

from . import offers, pay, progression  # noqa: F401
