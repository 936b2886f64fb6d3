"""Forms of a merge: the other code, the confirmation, the undo."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from centre.forms import Form
from centre.once import OnceMixin
from centre.privacy.codes import CODE_PATTERN

# A code is 8 characters and a dash; room for spaces typed around it, no more.
CODE_MAX = 20


class MergeForm(Form):
    code = StringField(
        _l("Code of the other record"),
        validators=[DataRequired(), Length(max=CODE_MAX)],
        description=_l(
            "The code found to be the same person as this one, e.g. K7MQ-3XZ9. Its visits, "
            "cases, notes and history move here, and the code then leads to this file."
        ),
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "pattern": CODE_PATTERN,
            "autofocus": True,
        },
    )
    submit = SubmitField(_l("Check what would move"))


class ConfirmMergeForm(OnceMixin, Form):
    """The confirmation: the other code again, checked again when posted."""

    code = HiddenField(validators=[DataRequired(), Length(max=CODE_MAX)])
    submit = SubmitField(_l("Merge the two codes"))


class UndoMergeForm(Form):
    submit = SubmitField(_l("Undo the merge"))
