"""A person's file for social workers: the case, and each subject's section."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template

from centre import db
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.people import services as people
from centre.people.models import Person

from .. import bp
from . import notes, referrals, rights


def person_or_404(code: str) -> Person:
    """The person a code in the URL names (a merged code names the kept person); else 404."""
    person = people.person_with_code(db.session(), code)
    if person is None:
        abort(404)
    return person


@bp.route("/people/<code>")
@allow(SOCIAL_WORK)
def person_file(code: str) -> str:
    person = person_or_404(code)
    sections: dict[str, Any] = {}
    for subject in (notes, referrals, rights):
        sections.update(subject.person_section(person))
    return render_template("cases/person.html", person=person, **sections)
