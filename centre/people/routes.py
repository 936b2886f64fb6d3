"""Person pages: create, find by code or exact identity, reveal, consent, erase."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from centre import db, once
from centre.auth.permissions import FRONT_LINE, allow
from centre.forms import ConfirmForm, show_errors
from centre.privacy import privacy
from centre.privacy.niss import format_niss
from centre.validation import FieldErrors

from . import bp, services
from .forms import (
    AttributesForm,
    CodeSearchForm,
    ConfirmedActionForm,
    ConsentForm,
    EraseForm,
    IdentityForm,
    IdentitySearchForm,
    PersonCreateForm,
)
from .labels import (
    CONSENT_METHOD_LABELS,
    ERASURE_REASON_LABELS,
    GENDER_LABELS,
    HEALTH_INSURANCE_LABELS,
    RESIDENCE_STATUS_LABELS,
)
from .models import ConsentMethod, ConsentScope, ErasureReason, Gender, Person


def template_labels() -> dict[str, Any]:
    return {
        "gender_labels": GENDER_LABELS,
        "consent_method_labels": CONSENT_METHOD_LABELS,
        "residence_labels": RESIDENCE_STATUS_LABELS,
        "insurance_labels": HEALTH_INSURANCE_LABELS,
        "erasure_labels": ERASURE_REASON_LABELS,
        "format_niss": format_niss,
    }


def load_person(code: str) -> Person:
    """The person behind a code in a URL; 404 for an unknown or malformed one."""
    person = services.person_with_code(db.session(), code)
    if person is None:
        abort(404)
    return person


def identity_from(form: IdentityForm | PersonCreateForm) -> services.IdentityData:
    return services.IdentityData(
        first_name=form.first_name.data or "",
        last_name=form.last_name.data or "",
        birth_date=form.birth_date.data,
        niss=form.niss.data or "",
        phone=form.phone.data or "",
        address=form.address.data or "",
        nationality=form.nationality.data or "",
        residence_status=form.residence_status.data or "",
        health_insurance=form.health_insurance.data or "",
    )


def flash_checks(birth_date_differs_from_niss: bool, duplicates: list[Person]) -> None:
    """Warnings after saving an identity: possible duplicates, a birth date to check."""
    if birth_date_differs_from_niss:
        flash(
            _(
                "The birth date differs from the one in the national register number. "
                "Check both with the person."
            ),
            "warning",
        )
    if duplicates:
        flash(
            _(
                "Possible duplicate: the same identity is already recorded for %(codes)s. "
                "Check with the person before going on.",
                codes=", ".join(p.code for p in duplicates),
            ),
            "warning",
        )


@bp.route("")
@allow(FRONT_LINE)
def index() -> str:
    return render_template(
        "people/index.html",
        code_form=CodeSearchForm(request.args),
        identity_form=IdentitySearchForm(),
        results=None,
    )


@bp.route("/find")
@allow(FRONT_LINE)
def find() -> Any:
    form = CodeSearchForm(request.args)
    if form.validate():
        try:
            person = services.find_by_code(db.session(), form.code.data or "")
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            return redirect(url_for("people.detail", code=person.code))
    return render_template(
        "people/index.html", code_form=form, identity_form=IdentitySearchForm(), results=None
    ), 200


@bp.route("/find-identity", methods=["POST"])
@allow(FRONT_LINE)
def find_identity() -> Any:
    # POST, never GET: identity values must not appear in a URL or a server log.
    form = IdentitySearchForm()
    results = None
    if form.validate_on_submit():
        try:
            results = services.find_by_identity(
                db.session(),
                privacy(),
                actor_id=current_user.id,
                niss=form.niss.data or "",
                last_name=form.last_name.data or "",
                birth_date=form.birth_date.data,
            )
        except FieldErrors as problems:
            show_errors(form, problems)
    return render_template(
        "people/index.html",
        code_form=CodeSearchForm(formdata=None),
        identity_form=form,
        results=results,
        **template_labels(),
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(FRONT_LINE)
def create() -> Any:
    form = PersonCreateForm()
    if form.validate_on_submit():
        dbs = db.session()
        try:
            registered = services.register_person(
                dbs,
                privacy(),
                actor_id=current_user.id,
                gender=Gender(form.gender.data),
                birth_year=form.birth_year.data,
                agreed=bool(form.record_identity.data),
                consent_method=(
                    ConsentMethod(form.consent_method.data) if form.consent_method.data else None
                ),
                identity=identity_from(form),
            )
            once.claim(dbs, form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("people.index"))
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash_checks(registered.birth_date_differs_from_niss, registered.duplicates)
            person = registered.person
            flash(_("Person %(code)s created. Give them their code.", code=person.code), "success")
            return redirect(url_for("people.detail", code=person.code))
    return render_template("people/new.html", form=form)


@bp.route("/<code>")
@allow(FRONT_LINE)
def detail(code: str) -> str:
    person = load_person(code)
    return _render_detail(person, revealed=None)


def _render_detail(person: Person, revealed: services.IdentityData | None) -> str:
    return render_template(
        "people/detail.html",
        person=person,
        revealed=revealed,
        consent=person.active_consent(ConsentScope.IDENTITY),
        consent_form=ConsentForm(),
        sharing_consent=person.active_consent(ConsentScope.SHARING_WITH_PARTNERS),
        sharing_form=ConsentForm(prefix=SHARING_PREFIX),
        **template_labels(),
    )


@bp.route("/<code>/reveal", methods=["POST"])
@allow(FRONT_LINE)
def reveal(code: str) -> Any:
    # A POST (CSRF-checked like every POST) so that a reveal is always a deliberate act.
    person = load_person(code)
    try:
        revealed = services.reveal_identity(
            db.session(), privacy(), actor_id=current_user.id, person=person
        )
    except (services.NoIdentityError, services.IdentityErasedError):
        flash(_("There is no identity to show for this person."), "info")
        return redirect(url_for("people.detail", code=person.code))
    return _render_detail(person, revealed=revealed)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@allow(FRONT_LINE)
def edit(code: str) -> Any:
    person = load_person(code)
    form = AttributesForm(obj=person if request.method == "GET" else None)
    if request.method == "GET":
        form.gender.data = person.gender.value
    if form.validate_on_submit():
        services.update_attributes(
            db.session(),
            actor_id=current_user.id,
            person=person,
            gender=Gender(form.gender.data),
            birth_year=form.birth_year.data,
        )
        flash(_("Saved."), "success")
        return redirect(url_for("people.detail", code=person.code))
    return render_template("people/edit.html", person=person, form=form)


@bp.route("/<code>/consent", methods=["POST"])
@allow(FRONT_LINE)
def give_consent(code: str) -> Response:
    person = load_person(code)
    form = ConsentForm()
    if not form.validate_on_submit():
        flash(_("Say how the person gave consent."), "error")
        return redirect(url_for("people.detail", code=person.code))
    try:
        services.give_consent(
            db.session(),
            actor_id=current_user.id,
            person=person,
            scope=ConsentScope.IDENTITY,
            method=ConsentMethod(form.method.data),
        )
    except services.ConsentAlreadyActiveError:
        flash(_("Consent is already recorded."), "info")
    else:
        flash(_("Consent recorded. You can now enter the identity."), "success")
        return redirect(url_for("people.identity", code=person.code))
    return redirect(url_for("people.detail", code=person.code))


# The sharing consent's form sits on the same page as the identity one: its own field names.
SHARING_PREFIX = "sharing"


@bp.route("/<code>/sharing-consent", methods=["POST"])
@allow(FRONT_LINE)
def give_sharing_consent(code: str) -> Response:
    """The person agrees that a referral may tell the partner who they are."""
    person = load_person(code)
    form = ConsentForm(prefix=SHARING_PREFIX)
    if not form.validate_on_submit():
        flash(_("Say how the person gave consent."), "error")
        return redirect(url_for("people.detail", code=person.code))
    try:
        services.give_consent(
            db.session(),
            actor_id=current_user.id,
            person=person,
            scope=ConsentScope.SHARING_WITH_PARTNERS,
            method=ConsentMethod(form.method.data),
        )
    except services.ConsentAlreadyActiveError:
        flash(_("Consent is already recorded."), "info")
    else:
        flash(_("Consent to share the identity with partners recorded."), "success")
    return redirect(url_for("people.detail", code=person.code))


@bp.route("/<code>/sharing-consent/withdraw", methods=["POST"])
@allow(FRONT_LINE)
def withdraw_sharing_consent(code: str) -> Response:
    """From now on partners get the code only; what was shared before cannot be taken back."""
    person = load_person(code)
    if ConfirmForm().validate_on_submit():
        try:
            services.withdraw_consent(
                db.session(),
                privacy(),
                actor_id=current_user.id,
                person=person,
                scope=ConsentScope.SHARING_WITH_PARTNERS,
            )
        except services.ConsentRequiredError:
            flash(_("There is no active consent to withdraw."), "info")
        else:
            flash(
                _("Consent to share with partners withdrawn: partners get the code only."),
                "success",
            )
    return redirect(url_for("people.detail", code=person.code))


@bp.route("/<code>/identity", methods=["GET", "POST"])
@allow(FRONT_LINE)
def identity(code: str) -> Any:
    """Enter or correct identity. A GET never decrypts: a link, even from another site,
    must not make a colleague's browser read an identity. Correcting a recorded identity
    starts from `open_identity`, an explicit and audited POST."""
    person = load_person(code)
    if person.active_consent(ConsentScope.IDENTITY) is None:
        flash(_("Record the person's consent before entering their identity."), "warning")
        return redirect(url_for("people.detail", code=person.code))
    if request.method == "GET" and person.identity is not None:
        return render_template("people/identity_open.html", person=person, form=ConfirmForm())
    form = IdentityForm()
    if form.validate_on_submit():
        data = identity_from(form)
        try:
            duplicates = services.save_identity(
                db.session(), privacy(), actor_id=current_user.id, person=person, data=data
            )
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash_checks(services.birth_date_differs_from_niss(data), duplicates)
            flash(_("Identity saved, encrypted."), "success")
            return redirect(url_for("people.detail", code=person.code))
    return render_template("people/identity.html", person=person, form=form)


@bp.route("/<code>/identity/open", methods=["POST"])
@allow(FRONT_LINE)
def open_identity(code: str) -> Any:
    """The recorded identity in the correction form: a read of identity, audited."""
    person = load_person(code)
    if person.active_consent(ConsentScope.IDENTITY) is None or not ConfirmForm().validate():
        return redirect(url_for("people.detail", code=person.code))
    try:
        current = services.reveal_identity(
            db.session(), privacy(), actor_id=current_user.id, person=person
        )
    except (services.NoIdentityError, services.IdentityErasedError):
        return redirect(url_for("people.identity", code=person.code))
    form = IdentityForm(formdata=None, data=vars_of(current))
    return render_template("people/identity.html", person=person, form=form)


def vars_of(data: services.IdentityData) -> dict[str, Any]:
    return {name: getattr(data, name) for name in services.IDENTITY_FIELDS}


@bp.route("/<code>/consent/withdraw", methods=["GET", "POST"])
@allow(FRONT_LINE)
def withdraw_consent(code: str) -> Any:
    person = load_person(code)
    if person.active_consent(ConsentScope.IDENTITY) is None:
        flash(_("There is no active consent to withdraw."), "info")
        return redirect(url_for("people.detail", code=person.code))
    form = ConfirmedActionForm()
    if form.validate_on_submit():
        services.withdraw_consent(
            db.session(),
            privacy(),
            actor_id=current_user.id,
            person=person,
            scope=ConsentScope.IDENTITY,
        )
        flash(
            _("Consent withdrawn. The identity was erased; the person remains a code."), "success"
        )
        return redirect(url_for("people.detail", code=person.code))
    return render_template("people/withdraw.html", person=person, form=form)


@bp.route("/<code>/erase", methods=["GET", "POST"])
@allow(FRONT_LINE)
def erase(code: str) -> Any:
    person = load_person(code)
    if person.identity is None and person.data_key_ref is None:
        flash(_("There is no identity to erase for this person."), "info")
        return redirect(url_for("people.detail", code=person.code))
    form = EraseForm()
    if form.validate_on_submit():
        services.erase_identity(
            db.session(),
            privacy(),
            actor_id=current_user.id,
            person=person,
            reason=ErasureReason(form.reason.data),
        )
        flash(_("Identity erased. It cannot be recovered, not even from backups."), "success")
        return redirect(url_for("people.detail", code=person.code))
    return render_template("people/erase.html", person=person, form=form, **template_labels())
