"""Forms of a case: open it, change its workers, close it, reopen it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional

from centre.forms import Form, VersionMixin, choices, optional_id
from centre.once import OnceMixin

from ..labels import CLOSURE_REASON_LABELS


class WorkersMixin:
    key_worker = SelectField(_l("Key worker"), coerce=optional_id, choices=[])
    second_worker = SelectField(
        _l("Second worker (optional)"), coerce=optional_id, choices=[], validate_choice=False
    )


class OpenCaseForm(OnceMixin, WorkersMixin, Form):
    opened_on = DateField(
        _l("Opened on"), validators=[Optional()], description=_l("Today if empty.")
    )
    submit = SubmitField(_l("Open the case"))


class WorkersForm(VersionMixin, WorkersMixin, Form):
    submit = SubmitField(_l("Change workers"))


class CloseCaseForm(VersionMixin, Form):
    closed_on = DateField(_l("Closed on"), validators=[Optional()])
    reason = SelectField(_l("Reason"), choices=choices(CLOSURE_REASON_LABELS, "—"))
    submit = SubmitField(_l("Close the case"))


class ReopenCaseForm(VersionMixin, Form):
    submit = SubmitField(_l("Reopen the case"))
