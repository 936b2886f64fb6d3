"""Case-file pages, one module per subject (each registers its views on the blueprint)."""

from . import cases, goals, merge, notes, pathway, person, referrals, rights  # noqa: F401
