"""Referral forms: the partner search, a new referral, a step of its workflow."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from centre.directory.labels import COMMUNE_LABELS, LANGUAGE_LABELS, PARTNER_KIND_LABELS
from centre.forms import Form, choices
from centre.once import OnceMixin

from ..labels import (
    CANCEL_REASON_LABELS,
    DECLINE_REASON_LABELS,
    REFERRAL_OUTCOME_LABELS,
    REFERRAL_STATUS_LABELS,
    URGENCY_LABELS,
)
from ..models import ReferralStatus
from ..services import referrals as services

# The "next step" that is no step: the status stays, only the next follow-up date changes.
FOLLOW_UP_ONLY = "follow_up"
MAX_SEARCH_TEXT = 100


def in_a_week() -> date:
    return services.today() + timedelta(days=7)


class PartnerSearchForm(Form):
    class Meta:
        csrf = False  # a GET search that changes nothing

    text = StringField(
        _l("Name or words"),
        validators=[Optional(), Length(max=MAX_SEARCH_TEXT)],
        render_kw={"autocomplete": "off"},
    )
    kind = SelectField(
        _l("Kind of service"), validators=[Optional()], choices=choices(PARTNER_KIND_LABELS, "—")
    )
    commune = SelectField(
        _l("Commune served"), validators=[Optional()], choices=choices(COMMUNE_LABELS, "—")
    )
    language = SelectField(
        _l("Language spoken"), validators=[Optional()], choices=choices(LANGUAGE_LABELS, "—")
    )
    submit = SubmitField(_l("Search the directory"))


class ReferralForm(OnceMixin, Form):
    # Choices are the partners the search found; the service checks the one posted.
    partner_id = RadioField(_l("Partner"), validators=[Optional()], validate_choice=False)
    help = SelectField(
        _l("Type of help"), validators=[InputRequired()], choices=choices(PARTNER_KIND_LABELS)
    )
    referred_on = DateField(
        _l("Referral date"), validators=[InputRequired()], default=services.today
    )
    urgency = RadioField(
        _l("Urgency"),
        validators=[InputRequired()],
        choices=choices(URGENCY_LABELS),
        default="routine",
    )
    follow_up_on = DateField(
        _l("Next follow-up"),
        validators=[Optional()],
        default=in_a_week,
        description=_l("When to check how it goes. It shows on your home page from that day."),
    )
    shares_identity = BooleanField(
        _l("Share the person's identity with the partner"),
        description=_l("The person agreed to it. Without it, the partner gets the code only."),
    )
    remark = TextAreaField(
        _l("Remark"),
        validators=[Optional(), Length(max=services.MAX_REMARK)],
        description=_l(
            "Sealed: only social workers can read it, and each reading is recorded. "
            "What the partner should know; no names of other people."
        ),
        render_kw={"rows": 3},
    )
    submit = SubmitField(_l("Make the referral"))


class StepForm(Form):
    status = RadioField(_l("Next step"), validators=[InputRequired()], validate_choice=False)
    on = DateField(_l("Date of this step"), validators=[Optional()], default=services.today)
    appointment_on = DateField(
        _l("Appointment date"),
        validators=[Optional()],
        description=_l("For an appointment set, or moved."),
    )
    decline_reason = SelectField(
        _l("The partner's reason for declining"),
        validators=[Optional()],
        description=_l("When the partner declined."),
        choices=choices(DECLINE_REASON_LABELS, "—"),
    )
    outcome = SelectField(
        _l("Outcome"),
        validators=[Optional()],
        choices=choices(REFERRAL_OUTCOME_LABELS, "—"),
        description=_l("To close the referral."),
    )
    cancel_reason = SelectField(
        _l("Reason for cancelling"),
        validators=[Optional()],
        description=_l("To cancel the referral."),
        choices=choices(CANCEL_REASON_LABELS, "—"),
    )
    follow_up_on = DateField(
        _l("Next follow-up"),
        validators=[Optional()],
        description=_l("Needed while the referral is open; none once it is closed or cancelled."),
    )
    # The version the page was opened on (optimistic locking).
    version = HiddenField()
    submit = SubmitField(_l("Save this step"))

    def validate_status(self, field: Field) -> None:
        if field.data != FOLLOW_UP_ONLY and field.data not in {s.value for s in ReferralStatus}:
            raise ValidationError(_l("Choose one of the steps offered."))


# Steps offered as what the worker does, where the status name alone reads oddly.
STEP_LABELS = {
    ReferralStatus.CLOSED: _l("Close, with its outcome"),
    ReferralStatus.CANCELLED: _l("Cancel, with a reason"),
}


def step_label(step: ReferralStatus, current: ReferralStatus) -> Any:
    if step is current:  # an appointment set again: moved to another date
        return _l("New appointment date")
    return STEP_LABELS.get(step, REFERRAL_STATUS_LABELS[step])


def offer_steps(form: StepForm, current: ReferralStatus) -> None:
    """The steps `current` may move to, then "follow-up only" while the referral is open."""
    offered = [SelectChoice(s.value, step_label(s, current)) for s in services.next_steps(current)]
    if current in services.OPEN:
        offered.append(SelectChoice(FOLLOW_UP_ONLY, _l("No new step: only the next follow-up")))
    form.status.choices = offered
