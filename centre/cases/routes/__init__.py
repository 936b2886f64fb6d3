"""Case-file pages, one module per subject (each registers its views on the blueprint)."""

from . import cases, goals, merge, notes, pathway, referrals, rights  # noqa: F401
