"""Create forms that save once, however often they are posted.

Each create form carries a random one-time token (a hidden field, new on every rendered
form). Saving claims the token in the same transaction as the record it creates; a second
post of the same form (a double click, a reload, a retried request) finds it claimed and
its transaction, record included, is rolled back. The claim comes last, once the record is
written: a form refused for a mistake is shown again with its token still unclaimed.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import flash, redirect
from flask_babel import gettext as _
from sqlalchemy import String, delete, insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.wrappers import Response
from wtforms import HiddenField

from centre import db
from centre.db import Base, UTCDateTime, table_of, utcnow

# Long enough that someone else's token is never guessed; kept two days, long past any
# page left open on a terminal.
KEEP_FOR = timedelta(days=2)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}")


class FormSubmission(Base):
    """A create form's token, claimed when the form was saved."""

    __tablename__ = "form_submissions"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class AlreadySubmittedError(Exception):
    """This form was saved before; the first post's record stands."""


def new_token() -> str:
    return secrets.token_urlsafe(32)


class OnceMixin:
    """The hidden one-time token of a create form (WTForms)."""

    form_token = HiddenField(default=new_token)


_INSERT = insert(table_of(FormSubmission))


def claim(session: Session, token: str | None, now: datetime | None = None) -> None:
    """Claim `token` in `session`'s transaction; AlreadySubmittedError if it was claimed.

    Call it once the record is written: a refused claim spoils the transaction, which the
    caller rolls back, record and all (`already_saved`). A missing or malformed token
    protects nothing and claims nothing (a hand-made request, not one of our forms).
    """
    if not token or not _TOKEN.fullmatch(token):
        return
    try:
        # A unique key, no query beforehand: the insert itself is the check.
        session.execute(_INSERT, {"token": token, "submitted_at": now or utcnow()})
    except IntegrityError:
        raise AlreadySubmittedError() from None


def purge(session: Session, now: datetime | None = None) -> int:
    """Forget tokens past KEEP_FOR; how many."""
    cutoff = (now or utcnow()) - KEEP_FOR
    result = session.execute(delete(FormSubmission).where(FormSubmission.submitted_at < cutoff))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def already_saved(target: str) -> Response:
    """The answer to a form posted again: nothing new, say so, show where the record is."""
    db.session().rollback()
    flash(_("This form was already saved; it was not saved a second time."), "info")
    return redirect(target)
