"""Notes of a person's file."""

from __future__ import annotations

from typing import Any

from centre.people.models import Person


def person_section(person: Person) -> dict[str, Any]:
    """What the person's file page shows of this subject (templates/cases/_notes.html)."""
    return {}
