"""Reception forms. Services and supplies come from the catalogues, so they are read from
the posted form by id (`service-<id>`, `supply-<id>`); the fixed fields are WTForms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from centre.forms import Form, choices
from centre.inputs import finite_number
from centre.once import OnceMixin
from centre.people.labels import GENDER_LABELS
from centre.privacy.codes import CODE_PATTERN

from .labels import (
    AGE_BAND_LABELS,
    DELETION_REASON_LABELS,
    INCIDENT_KIND_LABELS,
    INCIDENT_OUTCOME_LABELS,
)
from .models import AgeBand, IncidentOutcome

NO_NAMES = _l("Never a name or anything that identifies someone: use the person's code.")


def code_field(label: object, description: object) -> StringField:
    return StringField(
        label,
        validators=[Optional(), Length(max=20)],
        description=description,
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "spellcheck": "false",
            "pattern": CODE_PATTERN,
            "list": "recent-codes",
            "class": "code-entry",
        },
    )


class VisitForm(OnceMixin, Form):
    code = code_field(_l("Person code"), _l("Leave empty for an anonymous visit."))
    gender = RadioField(
        _l("Gender"),
        validators=[Optional()],
        default="",
        choices=choices(GENDER_LABELS, _l("Not asked")),
    )
    age_band = SelectField(
        _l("Age band"), default=AgeBand.NOT_KNOWN.value, choices=choices(AGE_BAND_LABELS)
    )
    womens_space = BooleanField(_l("In the women's space"))
    override_max = BooleanField(
        _l("Large quantities are right"),
        description=_l("Tick to save a quantity above an item's usual maximum."),
    )
    returned_count = IntegerField(
        _l("Used syringes returned (counted)"),
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": 0},
    )
    sharps_litres = DecimalField(
        _l("or sharps container returned (litres)"),
        places=2,
        validators=[Optional(), finite_number],
        description=_l("The number of syringes is estimated from the volume."),
        render_kw={"inputmode": "decimal", "step": "0.1", "min": 0},
    )
    remark = StringField(
        _l("Short remark"),
        validators=[Optional(), Length(max=200)],
        description=NO_NAMES,
        render_kw={"autocomplete": "off"},
    )
    submit = SubmitField(_l("Save visit (Enter)"))


class SiteForm(Form):
    site = SelectField(_l("Site"), coerce=int, choices=[])
    submit = SubmitField(_l("Change site"))


class DeleteVisitForm(Form):
    reason = SelectField(
        _l("Reason"),
        validators=[DataRequired()],
        choices=choices(DELETION_REASON_LABELS, "—"),
    )
    submit = SubmitField(_l("Delete visit"))


class IncidentForm(OnceMixin, Form):
    kind = RadioField(
        _l("What happened"),
        validators=[InputRequired()],
        choices=choices(INCIDENT_KIND_LABELS),
    )
    occurred_at = DateTimeLocalField(
        _l("When"), validators=[Optional()], description=_l("Leave empty for now.")
    )
    code = code_field(_l("Person code (optional)"), _l("Leave empty if not known."))
    naloxone_doses = IntegerField(
        _l("Naloxone doses given"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=20)],
        render_kw={"inputmode": "numeric", "min": 0, "max": 20},
    )
    ambulance_called = BooleanField(_l("Ambulance called"))
    outcome = SelectField(
        _l("Outcome"),
        default=IncidentOutcome.UNKNOWN.value,
        choices=choices(INCIDENT_OUTCOME_LABELS),
    )
    description = TextAreaField(
        _l("Short description"),
        validators=[Optional(), Length(max=300)],
        description=NO_NAMES,
        render_kw={"rows": 3},
    )
    closed = BooleanField(_l("Closed (nothing left to follow up)"))
    submit = SubmitField(_l("Save incident"))


class HandoverForm(OnceMixin, Form):
    body = TextAreaField(
        _l("Note for the next shift"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l(
            "No names here, ever: write person codes. Everything in this log is "
            "read by the whole team."
        ),
        render_kw={"rows": 4},
    )
    submit = SubmitField(_l("Add to the handover log"))
