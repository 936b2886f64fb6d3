"""The form of a phase reached on the progression to work."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional

from centre.forms import Form, optional_id
from centre.once import OnceMixin


class PhaseForm(OnceMixin, Form):
    phase = SelectField(_l("Phase reached"), coerce=optional_id, choices=[], validate_choice=False)
    reached_on = DateField(_l("Reached on"), validators=[Optional()])
    submit = SubmitField(_l("Record the phase"))
