"""Forms of a case: open it, change its workers, close it, reopen it."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, IntegerField, SelectField, SubmitField
from wtforms.validators import Optional

from centre.forms import Form, choices
from centre.inputs import parse_id
from centre.once import OnceMixin

from ..labels import CLOSURE_REASON_LABELS


def optional_id(value: object) -> int | None:
    """A select's value as a user id; "" (none chosen) and anything malformed as None."""
    if isinstance(value, int):
        return value
    return parse_id(value if isinstance(value, str) else None)


class VersionMixin:
    """The version of the record the form was opened on (optimistic locking)."""

    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


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
