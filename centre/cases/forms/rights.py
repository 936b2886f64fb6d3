"""Forms of rights and health insurance, and of the substance-use profile.

Closed lists only: nothing here can carry a name. An answer left empty is for the service to
name ("This field is required."), beside its field; a value no list offers is WTForms'.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, RadioField, SelectField, SubmitField
from wtforms.validators import Optional

from centre.forms import Form, choices
from centre.once import OnceMixin

from ..labels import (
    DRUG_LABELS,
    FREQUENCY_LABELS,
    INJECTING_LABELS,
    INSURANCE_STATUS_LABELS,
    LABOUR_STATUS_LABELS,
    LIVING_WHERE_LABELS,
    REAFFILIATION_STEP_LABELS,
    REFERRAL_SOURCE_LABELS,
    ROUTE_LABELS,
    SUBSTITUTION_LABELS,
    TESTING_LABELS,
    TREATMENT_STATUS_LABELS,
)

BLANK = "—"


class InsuranceForm(OnceMixin, Form):
    status = RadioField(
        _l("Health-insurance status"),
        validators=[Optional()],
        choices=choices(INSURANCE_STATUS_LABELS),
    )
    recorded_on = DateField(
        _l("Checked on"),
        validators=[Optional()],
        description=_l("The day the status was checked: today, or an earlier day."),
    )
    submit = SubmitField(_l("Record the status"))


class StepForm(OnceMixin, Form):
    # Every step validates; the page offers only those that may follow the last one, and the
    # service says why another cannot (a page left open while a colleague added a step).
    step = RadioField(
        _l("Step"),
        validators=[Optional()],
        choices=choices(REAFFILIATION_STEP_LABELS),
        description=_l(
            "Documents gathered, then request filed, then affiliated or refused. After a "
            "decision, a new re-affiliation can start."
        ),
    )
    on = DateField(_l("Date of this step"), validators=[Optional()])
    submit = SubmitField(_l("Add the step"))


def _select(label: object, labels: Mapping[Any, object], help_text: object = None) -> SelectField:
    return SelectField(
        label,
        validators=[Optional()],
        choices=choices(labels, BLANK),
        description=help_text,
    )


class AssessmentForm(OnceMixin, Form):
    assessed_on = DateField(
        _l("Date of the assessment"),
        validators=[Optional()],
        description=_l("The day these answers were given."),
    )
    primary_drug = _select(
        _l("Primary drug"),
        DRUG_LABELS,
        _l("The substance that causes the person the most problems. Not alcohol."),
    )
    secondary_drug = _select(
        _l("Secondary drug"), DRUG_LABELS, _l("Another substance used; alcohol may be one.")
    )
    route = _select(_l("Usual route (primary drug)"), ROUTE_LABELS)
    frequency = _select(_l("Frequency in the last 30 days (primary drug)"), FREQUENCY_LABELS)
    injecting = _select(_l("Injecting"), INJECTING_LABELS)
    substitution = _select(_l("Opioid substitution treatment"), SUBSTITUTION_LABELS)
    hiv_testing = _select(_l("HIV testing"), TESTING_LABELS)
    hcv_testing = _select(_l("Hepatitis C (HCV) testing"), TESTING_LABELS)
    treatment_status = _select(_l("Earlier drug treatment"), TREATMENT_STATUS_LABELS)
    referral_source = _select(_l("Who referred the person"), REFERRAL_SOURCE_LABELS)
    living_where = _select(_l("Living situation"), LIVING_WHERE_LABELS)
    labour_status = _select(_l("Labour status"), LABOUR_STATUS_LABELS)
    submit = SubmitField(_l("Save the assessment"))
