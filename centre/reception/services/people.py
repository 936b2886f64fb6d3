"""The person behind a code typed at reception, through the people domain's services."""

from __future__ import annotations

from sqlalchemy.orm import Session

from centre.people import services as people
from centre.people.models import Person
from centre.validation import FieldErrors


def person_behind(
    session: Session, code: str, problems: FieldErrors, field: str = "code"
) -> Person | None:
    """The person behind a typed code, or None for anonymous; problems go into `problems`."""
    if not code.strip():
        return None
    try:
        return people.find_by_code(session, code, field=field, unknown="code_unknown_or_empty")
    except FieldErrors as unknown:
        problems.merge(unknown)
        return None
