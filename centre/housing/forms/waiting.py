"""Waiting-list forms: applying, a change of status or priority, admitting (offer taken)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from centre.forms import Form, VersionMixin, choices, optional_id
from centre.once import OnceMixin

from ..labels import APPLICATION_STATUS_LABELS, OVERRIDE_REASON_LABELS, PRIORITY_LABELS
from ..models import ApplicationStatus, Priority
from ..services import waiting as services

# Which of the application page's forms was posted (both post to the same page).
STATUS_ACTION = "status"
PRIORITY_ACTION = "priority"


class ApplyForm(OnceMixin, Form):
    # Choices are the programmes with a list, set by the route; the service checks the one.
    programme = SelectField(_l("Programme"), coerce=optional_id, choices=[], validate_choice=False)
    applied_on = DateField(_l("Application date"), validators=[Optional()], default=services.today)
    worker = SelectField(
        _l("Social worker following the application"),
        coerce=optional_id,
        choices=[],
        validate_choice=False,
    )
    priority = RadioField(
        _l("Priority"),
        validators=[Optional()],
        choices=choices(PRIORITY_LABELS),
        default=Priority.NORMAL.value,
        description=_l("Urgent comes first, then high, then normal; the date breaks ties."),
    )
    submit = SubmitField(_l("Put on the waiting list"))


class StatusForm(VersionMixin, Form):
    action = HiddenField(default=STATUS_ACTION)
    # Choices are the statuses the current one may move to (`offer_statuses`).
    status = RadioField(_l("What happened"), validators=[Optional()], validate_choice=False)
    on = DateField(_l("On"), validators=[Optional()], default=services.today)
    # Set by the waiting list's own "Record an offer" button: go back to the list after.
    back = HiddenField()
    submit = SubmitField(_l("Save"))

    def validate_status(self, field: Field) -> None:
        if field.data and field.data not in {s.value for s in ApplicationStatus}:
            raise ValidationError(_l("Choose one of the changes offered."))


class PriorityForm(VersionMixin, Form):
    action = HiddenField(default=PRIORITY_ACTION)
    priority = SelectField(
        _l("Priority"), validators=[Optional()], choices=choices(PRIORITY_LABELS)
    )
    submit = SubmitField(_l("Change the priority"))


class AdmitForm(OnceMixin, VersionMixin, Form):
    entry_on = DateField(_l("Entry date"), validators=[Optional()], default=services.today)
    # Choices are the beds free on the entry night, set by the route; the service checks.
    bed = SelectField(
        _l("Bed"),
        coerce=optional_id,
        choices=[],
        validate_choice=False,
        description=_l("The beds free on the entry night; the first free one if none is chosen."),
    )
    move_in_on = DateField(
        _l("Move-in date"),
        validators=[Optional()],
        description=_l("When the person moves into the flat; empty if not yet known."),
    )
    override_reason = SelectField(
        _l("Reason to go past the maximum stay"),
        validators=[Optional()],
        description=_l("Only when the page warns that the maximum stay is reached."),
        choices=choices(OVERRIDE_REASON_LABELS, "—"),
    )
    submit = SubmitField(_l("Offer the place and admit"))


# A change offered as what happened, where the status name alone reads oddly.
CHANGE_LABELS = {
    ApplicationStatus.OFFERED: _l("Record an offer (awaiting the person's answer)"),
    ApplicationStatus.WAITING: _l("The offer lapsed: back on the waiting list"),
}


def offer_statuses(form: StatusForm, current: ApplicationStatus) -> None:
    """The changes `current` may take (admission has its own page)."""
    form.status.choices = [
        SelectChoice(s.value, CHANGE_LABELS.get(s, APPLICATION_STATUS_LABELS[s]))
        for s in services.next_statuses(current)
    ]
