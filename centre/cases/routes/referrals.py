"""Referrals of a person's file: the list, a new referral (with a directory search), a
referral's page with its history and next steps, and the audited reading of its remark."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from centre import db, once
from centre.auth import services as accounts
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.directory import services as directory
from centre.directory.labels import COMMUNE_LABELS, LANGUAGE_LABELS, PARTNER_KIND_LABELS
from centre.directory.models import Commune, Language, Partner, PartnerKind
from centre.forms import ConfirmForm, show_errors
from centre.inputs import page_number, parse_id
from centre.messages import message
from centre.pages import person_or_404
from centre.pagination import paginate
from centre.people.models import Person
from centre.privacy import privacy
from centre.privacy.errors import DecryptionError
from centre.validation import ChangedSinceOpenedError, FieldErrors

from .. import bp
from ..forms.referrals import (
    FOLLOW_UP_ONLY,
    PartnerSearchForm,
    ReferralForm,
    StepForm,
    offer_steps,
)
from ..labels import (
    CANCEL_REASON_LABELS,
    DECLINE_REASON_LABELS,
    REFERRAL_OUTCOME_LABELS,
    REFERRAL_STATUS_LABELS,
    URGENCY_LABELS,
)
from ..models import (
    CancelReason,
    DeclineReason,
    Referral,
    ReferralOutcome,
    ReferralStatus,
    Urgency,
)
from ..services import referrals as services

PER_PAGE = 20
# Partners offered at once on the new-referral page; more means the search needs narrowing.
PARTNERS_SHOWN = 30


def template_labels() -> dict[str, Any]:
    return {
        "status_labels": REFERRAL_STATUS_LABELS,
        "urgency_labels": URGENCY_LABELS,
        "decline_labels": DECLINE_REASON_LABELS,
        "cancel_labels": CANCEL_REASON_LABELS,
        "outcome_labels": REFERRAL_OUTCOME_LABELS,
        "kind_labels": PARTNER_KIND_LABELS,
        "commune_labels": COMMUNE_LABELS,
        "language_labels": LANGUAGE_LABELS,
    }


def person_section(person: Person) -> dict[str, Any]:
    """What the person's file page shows of this subject (templates/cases/_referrals.html).

    Its names start with "referral" (the page merges every subject's names into one).
    """
    dbs = db.session()
    return {
        "referrals_open": services.open_referrals(dbs, person),
        "referrals_count": services.count_referrals(dbs, person),
        "referrals_today": services.today(),
        "referral_status_labels": REFERRAL_STATUS_LABELS,
        "referral_kind_labels": PARTNER_KIND_LABELS,
        "referral_urgency_labels": URGENCY_LABELS,
    }


def referral_or_404(person: Person, referral_id: int) -> Referral:
    """The person's referral; 404 for none, or one of another person (never a hint)."""
    referral = services.referral_of(db.session(), person, referral_id)
    if referral is None:
        abort(404)
    return referral


@bp.route("/people/<code>/referrals")
@allow(SOCIAL_WORK)
def referrals(code: str) -> str:
    person = person_or_404(code)
    page = paginate(
        db.session(),
        services.person_referrals_query(person),
        page=request.args.get("page", 1, type=page_number),
        per_page=PER_PAGE,
    )
    return render_template(
        "cases/referrals.html",
        person=person,
        page=page,
        today=services.today(),
        usernames=accounts.usernames(db.session(), {r.worker_id for r in page.items}),
        **template_labels(),
    )


# --- a new referral ---------------------------------------------------------------------------


def _enum_or_none(kind: type[Any], value: str | None) -> Any:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def found_partners(search: PartnerSearchForm) -> tuple[list[Partner], bool]:
    """The partners the search finds (a first screenful), and whether there are more."""
    # A GET form: a filter that is not one of ours filters nothing, the rest still applies.
    search.validate()
    partners = directory.search(
        db.session(),
        text=search.text.data or "",
        kind=_enum_or_none(PartnerKind, search.kind.data),
        commune=_enum_or_none(Commune, search.commune.data),
        language=_enum_or_none(Language, search.language.data),
    )
    return partners[:PARTNERS_SHOWN], len(partners) > PARTNERS_SHOWN


def partner_choices(form: ReferralForm, partners: list[Partner]) -> list[Partner]:
    """The partners to offer: those found, and the one chosen before if the search lost it."""
    chosen_id = parse_id(form.partner_id.data)
    offered = list(partners)
    if chosen_id is not None and all(p.id != chosen_id for p in offered):
        chosen = directory.get_partner(db.session(), chosen_id)
        if chosen is not None and chosen.active:
            offered.insert(0, chosen)
    form.partner_id.choices = [SelectChoice(str(p.id), p.name) for p in offered]
    return offered


def referral_input(form: ReferralForm) -> services.ReferralInput:
    return services.ReferralInput(
        partner_id=parse_id(form.partner_id.data),
        help=PartnerKind(form.help.data),
        referred_on=form.referred_on.data,
        urgency=Urgency(form.urgency.data),
        follow_up_on=form.follow_up_on.data,
        shares_identity=bool(form.shares_identity.data),
        remark=form.remark.data or "",
    )


@bp.route("/people/<code>/referrals/new", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def new_referral(code: str) -> Any:
    person = person_or_404(code)
    search = PartnerSearchForm(request.args)
    found, more = found_partners(search)
    form = ReferralForm()
    if request.method == "GET" and _enum_or_none(PartnerKind, search.kind.data):
        form.help.data = search.kind.data  # the kind searched for is the help asked, mostly
    partners = partner_choices(form, found)
    if form.validate_on_submit():
        dbs = db.session()
        try:
            referral = services.make_referral(
                dbs,
                privacy(),
                actor_id=current_user.id,
                person=person,
                data=referral_input(form),
                today=services.today(),
            )
            once.claim(dbs, form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("cases.referrals", code=person.code))
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash(_("Referral made. Its next follow-up is on your home page when due."), "success")
            return redirect(url_for("cases.referral", code=person.code, referral_id=referral.id))
    return render_template(
        "cases/referral_new.html",
        person=person,
        search=search,
        form=form,
        partners=partners,
        more_partners=more,
        searched=bool(request.args),
        may_share=services.may_share_identity(person),
        search_args={k: v for k, v in request.args.items() if k in search},
        **template_labels(),
    ), (422 if form.errors else 200)


# --- a referral and its steps -----------------------------------------------------------------


def step_input(form: StepForm) -> services.StepInput:
    status = form.status.data
    return services.StepInput(
        status=None if status == FOLLOW_UP_ONLY else ReferralStatus(status),
        on=form.on.data,
        version=parse_id(form.version.data),
        follow_up_on=form.follow_up_on.data,
        appointment_on=form.appointment_on.data,
        decline_reason=_enum_or_none(DeclineReason, form.decline_reason.data),
        cancel_reason=_enum_or_none(CancelReason, form.cancel_reason.data),
        outcome=_enum_or_none(ReferralOutcome, form.outcome.data),
    )


def render_referral(
    person: Person,
    referral: Referral,
    form: StepForm,
    *,
    remark: str | None = None,
    problems: list[str] | None = None,
) -> str:
    offer_steps(form, referral.status)
    return render_template(
        "cases/referral.html",
        person=person,
        referral=referral,
        form=form,
        remark=remark,
        problems=problems or [],
        is_open=services.is_open(referral),
        remark_form=ConfirmForm(formdata=None),
        usernames=accounts.usernames(
            db.session(), {referral.worker_id} | {event.by_id for event in referral.events}
        ),
        **template_labels(),
    )


@bp.route("/people/<code>/referrals/<int:referral_id>", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def referral(code: str, referral_id: int) -> Any:
    person = person_or_404(code)
    found = referral_or_404(person, referral_id)
    form = StepForm()
    if request.method == "GET":
        form.version.data = str(found.version)
    offer_steps(form, found.status)
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            services.move_referral(
                db.session(),
                actor_id=current_user.id,
                referral=found,
                step=step_input(form),
                today=services.today(),
            )
        except ChangedSinceOpenedError:
            # Nothing of this post is saved; the page shows the referral as it is now, with
            # what was typed, and the version it now has, so saving again is deliberate.
            db.session().rollback()
            form.version.data = str(found.version)
            return render_referral(
                person, found, form, problems=[message("changed_since_opened")]
            ), 409
        except FieldErrors as problems_found:
            problems = show_errors(form, problems_found)
        else:
            flash(_("Referral updated."), "success")
            return redirect(url_for("cases.referral", code=person.code, referral_id=found.id))
    status = 422 if form.errors or problems else 200
    return render_referral(person, found, form, problems=problems), status


@bp.route("/people/<code>/referrals/<int:referral_id>/remark", methods=["POST"])
@allow(SOCIAL_WORK)
def referral_remark(code: str, referral_id: int) -> Any:
    """The remark in clear: an explicit POST, audited, never a GET."""
    person = person_or_404(code)
    found = referral_or_404(person, referral_id)
    back = url_for("cases.referral", code=person.code, referral_id=found.id)
    if not ConfirmForm().validate_on_submit():
        return redirect(back)
    try:
        remark = services.read_remark(
            db.session(), privacy(), actor_id=current_user.id, referral=found, person=person
        )
    except services.RemarkErasedError:
        flash(_("The remark was erased with the person's identity."), "info")
        return redirect(back)
    except DecryptionError:
        flash(_("The remark could not be decrypted. Tell an administrator."), "error")
        return redirect(back)
    if remark is None:
        flash(_("This referral has no remark."), "info")
        return redirect(back)
    form = StepForm(formdata=None)
    form.version.data = str(found.version)
    return render_referral(person, found, form, remark=remark)
