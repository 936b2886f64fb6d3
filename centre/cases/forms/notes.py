"""Forms for notes. Help texts tell staff to write facts, never names of other people."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField, TextAreaField
from wtforms.validators import Optional

from centre.forms import Form, choices
from centre.once import OnceMixin

from ..labels import NOTE_KIND_LABELS

BODY_HELP = _l(
    "Write facts: what was seen, said, asked and agreed, and what follows. Never the names of "
    "other people (family, partners, neighbours): say “a friend”, “her brother”. At most "
    "5,000 characters."
)


# No length validator nor maxlength here: the service gives the limit's message, and a
# browser's maxlength would silently cut a pasted text (something lost).
class NoteFieldsMixin:
    kind = SelectField(_l("Type"), validators=[Optional()], choices=choices(NOTE_KIND_LABELS, "—"))
    written_on = DateField(
        _l("Date"),
        validators=[Optional()],
        description=_l("The day it happened: today, or an earlier day."),
    )
    body = TextAreaField(
        _l("Note"),
        description=BODY_HELP,
        render_kw={"rows": 10, "autocomplete": "off", "spellcheck": "true"},
    )


class NoteForm(OnceMixin, NoteFieldsMixin, Form):
    submit = SubmitField(_l("Save the note"))


class CorrectionForm(NoteFieldsMixin, Form):
    submit = SubmitField(_l("Save the correction"))


class AddendumForm(OnceMixin, Form):
    body = TextAreaField(
        _l("Addendum"),
        description=BODY_HELP,
        render_kw={"rows": 6, "autocomplete": "off", "spellcheck": "true"},
    )
    submit = SubmitField(_l("Save the addendum"))
