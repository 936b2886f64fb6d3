"""What every domain's pages share: the person a code in the URL names."""

from __future__ import annotations

from flask import abort

from centre import db
from centre.people import services as people
from centre.people.models import Person


def person_or_404(code: str) -> Person:
    """The person a code in the URL names (a merged code names the kept person); else 404."""
    person = people.person_with_code(db.session(), code)
    if person is None:
        abort(404)
    return person
