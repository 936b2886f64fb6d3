"""Attendance and pay pages: the supervisor's record after the job, the cash handed out, the
sheet signed for it, corrections and a person's ledger. Codes and amounts only.

HTTP only: every rule is in `services.pay`; a 4xx answer rolls the whole request back, so a
sheet of attendance with one wrong row saves nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from centre import db
from centre.auth.permissions import DAY_LABOUR_CREW, allow
from centre.i18n import language
from centre.inputs import parse_id
from centre.messages import message
from centre.pages import person_or_404
from centre.people.models import Person
from centre.validation import ChangedSinceOpenedError, FieldErrors

from .. import bp
from ..labels import ATTENDANCE_LABELS, PAY_KIND_LABELS
from ..models import Attendance, Offer, PayKind, PayLine, SignUp
from ..services import pay as services
from ..services.signup import placed_on

PAYABLE = (Attendance.PRESENT, Attendance.LEFT_EARLY)


def money(value: Decimal | None) -> str:
    return "—" if value is None else format_decimal(value, "#,##0.00")


def hours_shown(value: Decimal | None) -> str:
    return "—" if value is None else format_decimal(value, "0.##")


def _offer_or_404(offer_id: int) -> Offer:
    offer = db.session().get(Offer, offer_id)
    if offer is None:
        abort(404)
    return offer


def _parse_hours(text: str) -> tuple[Decimal | None, bool]:
    """The hours typed (None when empty) and whether they read as a number at all."""
    text = text.strip().replace(",", ".")
    if not text:
        return None, True
    try:
        return Decimal(text), True
    except InvalidOperation:
        return None, False


@dataclass
class Row:
    """One working sign-up on the attendance sheet, with what was typed and its problems."""

    signup: SignUp
    code: str
    paid: Decimal | None
    attendance: str = ""
    hours: str = ""
    errors: list[str] = field(default_factory=list)


def _rows(offer: Offer) -> list[Row]:
    dbs = db.session()
    placed = [each for each in placed_on(dbs, offer) if each.working]
    paid = dict(
        dbs.execute(
            select(PayLine.signup_id, func.sum(PayLine.amount))
            .where(PayLine.offer_id == offer.id)
            .group_by(PayLine.signup_id)
        ).all()
    )
    return [
        Row(
            signup=each.signup,
            code=each.code,
            paid=paid.get(each.signup.id),
            attendance=each.signup.attendance.value if each.signup.attendance else "",
            hours=hours_shown(each.signup.hours) if each.signup.hours is not None else "",
        )
        for each in placed
    ]


def _render_attendance(offer: Offer, rows: list[Row], status: int = 200) -> Any:
    return (
        render_template(
            "employment/attendance.html",
            offer=offer,
            rows=rows,
            task=offer.task_type.label(language()),
            labels=ATTENDANCE_LABELS,
            money=money,
            payable=any(row.paid is None and row.attendance in PAYABLE for row in rows),
        ),
        status,
    )


def _save_row(row: Row) -> None:
    """Record one row of the posted sheet; its problems, if any, go beside it."""
    key = str(row.signup.id)
    row.attendance = request.form.get(f"attendance-{key}", "")
    row.hours = request.form.get(f"hours-{key}", "")
    try:
        chosen = Attendance(row.attendance) if row.attendance else None
    except ValueError:
        chosen = None
    hours, readable = _parse_hours(row.hours)
    try:
        if not readable:
            raise FieldErrors({"hours": ["hours_not_a_number"]})
        services.record_attendance(
            db.session(),
            actor_id=current_user.id,
            signup=row.signup,
            attendance=chosen,
            hours=hours,
            version=parse_id(request.form.get(f"version-{key}")),
        )
    except FieldErrors as problems:
        row.errors = [message(problem) for name in problems for problem in problems.get(name)]
    except ChangedSinceOpenedError:
        row.errors = [_("Saved meanwhile on another screen: reload the page and check it.")]
    except services.AlreadyPaidError:
        row.errors = [_("Already paid: only a correction can change it now.")]
    except (services.SignUpCancelledError, services.OfferCancelledError):
        row.errors = [_("Cancelled: there is no attendance to record.")]


@bp.route("/offers/<int:offer_id>/attendance", methods=["GET", "POST"])
@allow(DAY_LABOUR_CREW)
def attendance(offer_id: int) -> Any:
    offer = _offer_or_404(offer_id)
    rows = _rows(offer)
    if request.method == "GET":
        return _render_attendance(offer, rows)
    for row in rows:
        if row.paid is None:  # paid: only a correction changes it now
            _save_row(row)
    if any(row.errors for row in rows):
        # The 4xx answer rolls the request back: the rows that were right are not kept.
        flash(_("Nothing was saved: correct the rows marked below."), "error")
        return _render_attendance(offer, rows, status=422)
    flash(_("Attendance saved."), "success")
    return redirect(url_for("employment.attendance", offer_id=offer.id))


@bp.route("/offers/<int:offer_id>/pay", methods=["POST"])
@allow(DAY_LABOUR_CREW)
def pay_offer(offer_id: int) -> Response:
    offer = _offer_or_404(offer_id)
    dbs = db.session()
    paid, total = 0, services.ZERO
    try:
        for row in _rows(offer):
            if row.paid is not None or row.signup.attendance not in PAYABLE:
                continue  # paid already, absent, or attendance not recorded yet
            try:
                line = services.pay(dbs, actor_id=current_user.id, signup=row.signup)
            except services.AlreadyPaidError:
                continue  # paid meanwhile on another terminal: never twice
            paid += 1
            total += line.amount
    except (services.OfferCancelledError, services.SignUpCancelledError):
        flash(_("This job was cancelled: nobody is paid for it."), "error")
        return redirect(url_for("employment.attendance", offer_id=offer.id))
    if paid:
        flash(
            _("%(n)d paid, %(total)s in all.", n=paid, total=money(total)),
            "success",
        )
    else:
        flash(_("Nobody to pay: record the attendance first."), "info")
    return redirect(url_for("employment.payout_sheet", offer_id=offer.id))


@bp.route("/offers/<int:offer_id>/payout")
@allow(DAY_LABOUR_CREW)
def payout_sheet(offer_id: int) -> Any:
    offer = _offer_or_404(offer_id)
    sheet = services.payout_sheet(db.session(), offer.id)
    return render_template(
        "employment/payout.html",
        sheet=sheet,
        offer=offer,
        task=offer.task_type.label(language()),
        money=money,
        hours_shown=hours_shown,
        labels=ATTENDANCE_LABELS,
    )


def _pay_line_or_404(line_id: int) -> PayLine:
    dbs = db.session()
    line = dbs.get(PayLine, line_id)
    if line is None:
        abort(404)
    if line.kind is not PayKind.PAY and line.corrects_id is not None:
        # A correction is corrected through the pay line it belongs to.
        line = dbs.get_one(PayLine, line.corrects_id)
    return line


def _render_correct(
    line: PayLine, *, typed: str = "", errors: list[str] | None = None, status: int = 200
) -> Any:
    dbs = db.session()
    paid_hours, paid_amount = dbs.execute(
        select(func.sum(PayLine.hours), func.sum(PayLine.amount)).where(
            (PayLine.id == line.id) | (PayLine.corrects_id == line.id)
        )
    ).one()
    signed_up = dbs.get_one(SignUp, line.signup_id)
    offer = dbs.get_one(Offer, line.offer_id)
    hours, _readable = _parse_hours(typed)
    difference = None
    # Shown only for hours the correction could take (an absurd figure cannot be priced).
    if (
        hours is not None
        and hours.is_finite()
        and not errors
        and 0 <= hours <= services.offer_hours(offer)
    ):
        difference = services.pay_amount(hours, line.hourly_rate) - paid_amount
    return (
        render_template(
            "employment/correct.html",
            line=line,
            offer=offer,
            code=dbs.get_one(Person, signed_up.person_id).code,
            paid_hours=paid_hours,
            paid_amount=paid_amount,
            typed=typed,
            errors=errors or [],
            difference=difference,
            money=money,
            hours_shown=hours_shown,
        ),
        status,
    )


@bp.route("/pay/<int:line_id>/correct", methods=["GET", "POST"])
@allow(DAY_LABOUR_CREW)
def correct_pay(line_id: int) -> Any:
    line = _pay_line_or_404(line_id)
    if request.method == "GET":
        return _render_correct(line, typed=request.args.get("hours", ""))
    typed = request.form.get("hours", "")
    hours, readable = _parse_hours(typed)
    try:
        if not readable:
            raise FieldErrors({"hours": ["hours_not_a_number"]})
        correction = services.correct(
            db.session(), actor_id=current_user.id, line=line, hours=hours
        )
    except FieldErrors as problems:
        errors = [message(problem) for name in problems for problem in problems.get(name)]
        return _render_correct(line, typed=typed, errors=errors, status=422)
    flash(_("Correction saved: %(amount)s.", amount=money(correction.amount)), "success")
    person = db.session().get_one(SignUp, line.signup_id).person_id
    return redirect(url_for("employment.ledger", code=db.session().get_one(Person, person).code))


@bp.route("/people/<code>/ledger")
@allow(DAY_LABOUR_CREW)
def ledger(code: str) -> Any:
    person = person_or_404(code)
    return render_template(
        "employment/ledger.html",
        person=person,
        ledger=services.ledger(db.session(), person.id),
        kinds=PAY_KIND_LABELS,
        money=money,
        hours_shown=hours_shown,
    )
