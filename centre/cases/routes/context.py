"""What the case-file pages share: the case a URL names."""

from __future__ import annotations

from flask import abort

from centre import db

from ..models import CaseFile


def case_or_404(case_id: int) -> CaseFile:
    case_file = db.session().get(CaseFile, case_id)
    if case_file is None:
        abort(404)
    return case_file
