"""Forms of day labour: an offer of a day's job, a sign-up for one."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TimeField,
)
from wtforms.validators import Optional

from centre.forms import Form, choices, optional_id
from centre.once import OnceMixin

from ..labels import CEILING_OVERRIDE_LABELS
from ..services.signup import MAX_PLACES


class OfferForm(OnceMixin, Form):
    on = DateField(_l("Day"), validators=[Optional()])
    starts_at = TimeField(_l("Starts at"), validators=[Optional()])
    ends_at = TimeField(_l("Ends at"), validators=[Optional()])
    task_type_id = SelectField(_l("Task"), coerce=optional_id, choices=[], validate_choice=False)
    place = StringField(
        _l("Place"),
        description=_l("Where the crew works (a park, a street, a partner's premises)."),
        render_kw={"maxlength": 120},
    )
    places = IntegerField(
        _l("Places"), validators=[Optional()], render_kw={"min": 1, "max": MAX_PLACES}
    )
    hourly_rate = DecimalField(
        _l("Hourly rate (€)"), places=2, validators=[Optional()], render_kw={"step": "0.01"}
    )
    supervisor_id = SelectField(
        _l("Supervising staff member"), coerce=optional_id, choices=[], validate_choice=False
    )
    phase_id = SelectField(
        _l("Phase"),
        coerce=optional_id,
        choices=[],
        validate_choice=False,
        description=_l("The step of the progression to work this job belongs to."),
    )
    provider_id = SelectField(
        _l("Work provider"),
        coerce=optional_id,
        choices=[],
        validate_choice=False,
        description=_l("The centre itself, or a partner service of the directory."),
    )
    submit = SubmitField(_l("Create the offer"))


class SignUpForm(OnceMixin, Form):
    code = StringField(
        _l("Person's code"),
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
    wait_if_full = BooleanField(_l("If full, put in the waiting order"))
    override = SelectField(
        _l("Reason to go past the ceiling"), choices=choices(CEILING_OVERRIDE_LABELS, "—")
    )
    submit = SubmitField(_l("Sign up"))
