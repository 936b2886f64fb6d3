"""Forms for persons, consent and identity. Help texts tell staff what never to write."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    Field,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from centre.forms import Form, choices
from centre.once import OnceMixin
from centre.privacy.codes import CODE_PATTERN

from .labels import (
    CONSENT_METHOD_LABELS,
    ERASURE_REASON_LABELS,
    GENDER_LABELS,
    HEALTH_INSURANCE_LABELS,
    RESIDENCE_STATUS_LABELS,
)
from .models import Gender


def current_year() -> int:
    return date.today().year  # noqa: DTZ011 - a year for validation; a day either way is fine


def possible_birth_date(_form: Any, field: Field) -> None:
    """Not in the future, and not before 1900 (a mistyped year)."""
    if field.data is None:
        return
    if field.data > date.today():  # noqa: DTZ011 - a day either way is fine
        raise ValidationError(_l("A birth date cannot be in the future."))
    if field.data.year < 1900:
        raise ValidationError(_l("Check the year: a birth date from 1900 on."))


class AttributesMixin:
    gender = RadioField(
        _l("Gender"),
        default=Gender.NOT_STATED.value,
        choices=choices(GENDER_LABELS),
        validators=[InputRequired()],
    )
    birth_year = IntegerField(
        _l("Birth year"),
        validators=[Optional(), NumberRange(min=1900, max=2100)],
        description=_l("Optional, for statistics. A year only, never a full date."),
        render_kw={"inputmode": "numeric", "autocomplete": "off", "size": 4},
    )


class IdentityMixin:
    first_name = StringField(
        _l("First name"),
        validators=[Optional(), Length(max=100)],
        render_kw={"autocomplete": "off"},
    )
    last_name = StringField(
        _l("Last name"), validators=[Optional(), Length(max=100)], render_kw={"autocomplete": "off"}
    )
    birth_date = DateField(_l("Birth date"), validators=[Optional(), possible_birth_date])
    niss = StringField(
        _l("National register number (NISS)"),
        validators=[Optional(), Length(max=20)],
        description=_l("11 digits, e.g. 85.07.30-033.28; checked before it is saved."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    phone = StringField(
        _l("Phone"),
        validators=[Optional(), Length(max=40)],
        render_kw={"inputmode": "tel", "autocomplete": "off"},
    )
    address = TextAreaField(
        _l("Address"),
        validators=[Optional(), Length(max=300)],
        render_kw={"rows": 2, "autocomplete": "off"},
    )
    nationality = StringField(
        _l("Nationality"),
        validators=[Optional(), Length(max=60)],
        render_kw={"autocomplete": "off"},
    )
    residence_status = SelectField(
        _l("Residence status"),
        validators=[Optional()],
        choices=choices(RESIDENCE_STATUS_LABELS, "—"),
    )
    health_insurance = SelectField(
        _l("Health insurance"),
        validators=[Optional()],
        choices=choices(HEALTH_INSURANCE_LABELS, "—"),
    )


class PersonCreateForm(OnceMixin, AttributesMixin, IdentityMixin, Form):
    record_identity = BooleanField(
        _l("The person agrees that we keep their identity"),
        description=_l("Only if they said yes. Without it, the person stays a code."),
    )
    consent_method = RadioField(
        _l("How was consent given?"),
        validators=[Optional()],
        choices=choices(CONSENT_METHOD_LABELS),
    )
    submit = SubmitField(_l("Create person"))


class AttributesForm(AttributesMixin, Form):
    submit = SubmitField(_l("Save"))


class IdentityForm(IdentityMixin, Form):
    submit = SubmitField(_l("Save identity"))


class ConsentForm(Form):
    method = RadioField(
        _l("How was consent given?"),
        validators=[InputRequired()],
        choices=choices(CONSENT_METHOD_LABELS),
    )
    submit = SubmitField(_l("Record consent"))


class ConfirmedActionForm(Form):
    confirm = BooleanField(
        _l("I confirm"), validators=[DataRequired(message=_l("Tick the box to confirm."))]
    )
    submit = SubmitField(_l("Confirm"))


class EraseForm(ConfirmedActionForm):
    reason = SelectField(
        _l("Reason"),
        validators=[DataRequired()],
        choices=choices(ERASURE_REASON_LABELS, "—"),
    )
    submit = SubmitField(_l("Erase identity"))


class CodeSearchForm(Form):
    class Meta:
        csrf = False  # a GET search that changes nothing

    code = StringField(
        _l("Person code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("8 characters, e.g. K7MQ-3XZ9. Letters O, I and L are read as 0, 1, 1."),
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "pattern": CODE_PATTERN,
            "autofocus": True,
        },
    )
    submit = SubmitField(_l("Find"))


class IdentitySearchForm(Form):
    niss = StringField(
        _l("National register number (NISS)"),
        validators=[Optional(), Length(max=20)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    last_name = StringField(
        _l("Last name"), validators=[Optional(), Length(max=100)], render_kw={"autocomplete": "off"}
    )
    birth_date = DateField(_l("Birth date"), validators=[Optional()])
    submit = SubmitField(_l("Search"))
