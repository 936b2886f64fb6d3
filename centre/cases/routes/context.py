"""What the case-file pages share: the person or case a URL names, problems shown on top."""

from __future__ import annotations

from flask import abort, flash

from centre import db
from centre.people import services as people
from centre.people.models import Person

from ..models import CaseFile


def person_or_404(code: str) -> Person:
    """The person a code in the URL names (a merged code names the kept person); else 404."""
    person = people.person_with_code(db.session(), code)
    if person is None:
        abort(404)
    return person


def case_or_404(case_id: int) -> CaseFile:
    case_file = db.session().get(CaseFile, case_id)
    if case_file is None:
        abort(404)
    return case_file


def flash_unplaced(messages: list[str]) -> None:
    """Problems with no field on the form (about the case as a whole) as a message on top."""
    for text in messages:
        flash(text, "error")
