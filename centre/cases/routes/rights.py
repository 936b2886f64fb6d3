"""Rights of a person's file: the health-insurance status, re-affiliation steps, the
substance-use profile (dated assessments, and how they changed)."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from centre import db, once
from centre.auth import services as accounts
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.forms import choices, flash_unplaced, show_errors
from centre.inputs import page_number
from centre.pages import person_or_404
from centre.people.models import Person
from centre.validation import FieldErrors

from .. import bp
from ..forms.rights import AssessmentForm, InsuranceForm, StepForm
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
from ..models import (
    Drug,
    Frequency,
    Injecting,
    InsuranceStatus,
    LabourStatus,
    LivingWhere,
    ReaffiliationStep,
    ReferralSource,
    Route,
    SubstanceAssessment,
    Substitution,
    Testing,
    TreatmentStatus,
)
from ..services import profile
from ..services import rights as services
from ..services.cases import today_in_brussels

# The person's file shows the latest steps; the step page has the whole pathway.
STEPS_ON_FILE = 3
ASSESSMENTS_PER_PAGE = 20
MAX_TOKEN = 64  # the one-time token's column

E = TypeVar("E", bound=enum.Enum)

# Each answer of an assessment (in the form's order): its labels and its heading in the history.
ANSWERS: dict[str, tuple[dict[Any, Any], Any]] = {
    "primary_drug": (DRUG_LABELS, _l("Primary drug")),
    "secondary_drug": (DRUG_LABELS, _l("Secondary drug")),
    "route": (ROUTE_LABELS, _l("Route")),
    "frequency": (FREQUENCY_LABELS, _l("Frequency (30 days)")),
    "injecting": (INJECTING_LABELS, _l("Injecting")),
    "substitution": (SUBSTITUTION_LABELS, _l("Opioid substitution")),
    "hiv_testing": (TESTING_LABELS, _l("HIV test")),
    "hcv_testing": (TESTING_LABELS, _l("HCV test")),
    "treatment_status": (TREATMENT_STATUS_LABELS, _l("Earlier treatment")),
    "referral_source": (REFERRAL_SOURCE_LABELS, _l("Referred by")),
    "living_where": (LIVING_WHERE_LABELS, _l("Living situation")),
    "labour_status": (LABOUR_STATUS_LABELS, _l("Labour status")),
}
# What the person's file shows of the latest assessment.
ON_FILE = ("primary_drug", "secondary_drug", "route", "frequency", "injecting", "substitution")
PROFILE_LABELS = {name: labels for name, (labels, _heading) in ANSWERS.items()}
PROFILE_HEADINGS = {name: heading for name, (_labels, heading) in ANSWERS.items()}


def _enum(kind: type[E], value: object) -> E | None:
    """A posted choice as its enum member; nothing chosen (or nothing valid) as None."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def _file(person: Person) -> str:
    return url_for("cases.person_file", code=person.code, _anchor="rights")


def _saved_before(token: str | None) -> bool:
    """Whether this create form was saved already: posted again (a double click, a reload),
    its first post stands, whatever the rules now say of a second one."""
    if not token or len(token) > MAX_TOKEN:
        return False
    return db.session().get(once.FormSubmission, token) is not None


def person_section(person: Person) -> dict[str, Any]:
    """What the person's file page shows of this subject (templates/cases/_rights.html)."""
    dbs = db.session()
    steps = services.last_steps(dbs, person.id, STEPS_ON_FILE)
    return {
        "rights_insurance": services.current_insurance(dbs, person.id),
        "rights_steps": steps,
        "rights_pending": bool(steps) and steps[0].step is ReaffiliationStep.REQUEST_FILED,
        "rights_profile": profile.latest_assessment(dbs, person.id),
        "rights_profile_fields": ON_FILE,
        **_labels(),
    }


def _labels() -> dict[str, Any]:
    return {
        "insurance_labels": INSURANCE_STATUS_LABELS,
        "step_labels": REAFFILIATION_STEP_LABELS,
        "profile_labels": PROFILE_LABELS,
        "profile_headings": PROFILE_HEADINGS,
    }


# --- the insurance status ---------------------------------------------------------------------


@bp.route("/people/<code>/insurance", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def record_insurance(code: str) -> Any:
    person = person_or_404(code)
    dbs = db.session()
    form = InsuranceForm()
    if request.method == "GET":
        form.recorded_on.data = today_in_brussels()
    if form.validate_on_submit():
        data = services.InsuranceInput(
            status=_enum(InsuranceStatus, form.status.data), recorded_on=form.recorded_on.data
        )
        try:
            entry = services.record_insurance(
                dbs, actor_id=current_user.id, person=person, data=data
            )
            once.claim(dbs, form.form_token.data)  # after the record: saved once
        except once.AlreadySubmittedError:
            return once.already_saved(_file(person))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            if services.current_insurance(dbs, person.id) is entry:
                flash(_("Health-insurance status recorded."), "success")
            else:
                flash(
                    _(
                        "Status recorded in the history. It is dated before the current "
                        "status, which stays the current one."
                    ),
                    "info",
                )
            return redirect(_file(person))
    history = services.insurance_history(dbs, person.id)
    return render_template(
        "cases/rights_insurance.html",
        person=person,
        form=form,
        history=history,
        usernames=accounts.usernames(dbs, {h.by_id for h in history}),
        **_labels(),
    ), (422 if form.errors else 200)


# --- re-affiliation steps ---------------------------------------------------------------------


def _offer_next_steps(form: StepForm, person: Person) -> None:
    """Offer the steps that may follow the pathway's last one, the only one chosen already."""
    last = next(iter(services.last_steps(db.session(), person.id, 1)), None)
    offered = services.next_steps(last)
    form.step.choices = [
        c for c in choices(REAFFILIATION_STEP_LABELS) if c.value in {s.value for s in offered}
    ]
    if request.method == "GET" and len(offered) == 1:
        form.step.data = offered[0].value


@bp.route("/people/<code>/reaffiliation", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def add_reaffiliation_step(code: str) -> Any:
    person = person_or_404(code)
    dbs = db.session()
    form = StepForm()
    if request.method == "GET":
        form.on.data = today_in_brussels()
    if form.validate_on_submit():
        data = services.StepInput(step=_enum(ReaffiliationStep, form.step.data), on=form.on.data)
        try:
            services.add_step(dbs, actor_id=current_user.id, person=person, data=data)
            once.claim(dbs, form.form_token.data)  # after the step: saved once
        except once.AlreadySubmittedError:
            return once.already_saved(_file(person))
        except FieldErrors as problems:
            # Posted again, the step saved the first time would be "out of order": say saved.
            if _saved_before(form.form_token.data):
                return once.already_saved(_file(person))
            flash_unplaced(show_errors(form, problems))
        else:
            current = services.current_insurance(dbs, person.id)
            if (
                data.step is ReaffiliationStep.AFFILIATED
                and current is not None
                and (current.status is InsuranceStatus.INSURED)
            ):
                flash(_("Step recorded; the person is now recorded as insured."), "success")
            else:
                flash(_("Re-affiliation step recorded."), "success")
            return redirect(_file(person))
    _offer_next_steps(form, person)
    pathway = services.pathway_of(dbs, person.id)
    return render_template(
        "cases/rights_step.html",
        person=person,
        form=form,
        pathway=pathway,
        insurance=services.current_insurance(dbs, person.id),
        usernames=accounts.usernames(dbs, {s.by_id for s in pathway}),
        **_labels(),
    ), (422 if form.errors else 200)


# --- the substance-use profile ----------------------------------------------------------------


def _prefill(form: AssessmentForm, latest: SubstanceAssessment | None) -> None:
    """A new assessment starts from the last one's answers: only what changed is changed."""
    form.assessed_on.data = today_in_brussels()
    if latest is not None:
        for name in ANSWERS:
            form[name].data = getattr(latest, name).value


def _assessment_input(form: AssessmentForm) -> profile.AssessmentInput:
    return profile.AssessmentInput(
        assessed_on=form.assessed_on.data,
        primary_drug=_enum(Drug, form.primary_drug.data),
        secondary_drug=_enum(Drug, form.secondary_drug.data),
        route=_enum(Route, form.route.data),
        frequency=_enum(Frequency, form.frequency.data),
        injecting=_enum(Injecting, form.injecting.data),
        substitution=_enum(Substitution, form.substitution.data),
        hiv_testing=_enum(Testing, form.hiv_testing.data),
        hcv_testing=_enum(Testing, form.hcv_testing.data),
        treatment_status=_enum(TreatmentStatus, form.treatment_status.data),
        referral_source=_enum(ReferralSource, form.referral_source.data),
        living_where=_enum(LivingWhere, form.living_where.data),
        labour_status=_enum(LabourStatus, form.labour_status.data),
    )


@bp.route("/people/<code>/profile", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def substance_profile(code: str) -> Any:
    person = person_or_404(code)
    dbs = db.session()
    form = AssessmentForm()
    latest = profile.latest_assessment(dbs, person.id)
    if request.method == "GET":
        _prefill(form, latest)
    if form.validate_on_submit():
        try:
            profile.record_assessment(
                dbs, actor_id=current_user.id, person=person, data=_assessment_input(form)
            )
            once.claim(dbs, form.form_token.data)  # after the assessment: saved once
        except once.AlreadySubmittedError:
            return once.already_saved(
                url_for("cases.substance_profile", code=person.code, _anchor="assessments")
            )
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Assessment saved."), "success")
            return redirect(
                url_for("cases.substance_profile", code=person.code, _anchor="assessments")
            )
    history = profile.assessment_history(
        dbs,
        person.id,
        page=request.args.get("page", 1, type=page_number),
        per_page=ASSESSMENTS_PER_PAGE,
    )
    return render_template(
        "cases/profile.html",
        person=person,
        form=form,
        latest=latest,
        history=history,
        answers=list(ANSWERS),
        usernames=accounts.usernames(dbs, {row.assessment.by_id for row in history.items}),
        **_labels(),
    ), (422 if form.errors else 200)
