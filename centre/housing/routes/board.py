"""The bed board: tonight's beds, a bed for a code in one step, release, block.

Reception and social workers see codes; managers see the counts only (the same page, the
codes left out on the server). A night is reception's shift day: the evening it starts.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from centre import db, once
from centre.auth.permissions import (
    BED_BOARD,
    BED_BOARD_COUNTS,
    HOUSING_MEASURES,
    SOCIAL_WORK,
    allow,
    role_may,
)
from centre.forms import show_errors
from centre.people import services as people
from centre.people.models import Person
from centre.reception.settings import current_shift
from centre.validation import ChangedSinceOpenedError, FieldErrors

from .. import bp
from ..forms.stays import AllocateForm, BlockForm, ReleaseForm, UnblockForm
from ..labels import BLOCK_REASON_LABELS, DESTINATION_LABELS, OVERRIDE_REASON_LABELS
from ..models import Bed, BlockReason, Destination, OverrideReason, Programme, Stay
from ..services import board as services
from ..services import stays

# How far back the board can be looked at: a week of handovers.
PAST_NIGHTS = 7


def tonight() -> date:
    return current_shift().day


def _night_asked() -> date:
    night = tonight()
    asked = request.args.get("night", "")
    try:
        chosen = date.fromisoformat(asked) if asked else night
    except ValueError:
        return night
    return chosen if 0 <= (night - chosen).days <= PAST_NIGHTS else night


def allocate_form(board: services.ProgrammeBoard, form: AllocateForm | None = None) -> AllocateForm:
    form = form or AllocateForm(prefix=f"p{board.programme.id}")
    form.bed.choices = [SelectChoice(line.bed.id, str(line.bed.position)) for line in board.free]
    return form


def _render(
    night: date,
    *,
    failed: dict[int, AllocateForm] | None = None,
    warning: tuple[int, stays.MaxStayReachedError] | None = None,
    status: int = 200,
) -> Any:
    boards = services.board(db.session(), night)
    works_beds = role_may(current_user.role, BED_BOARD)
    current = tonight()
    forms = {
        b.programme.id: allocate_form(b, (failed or {}).get(b.programme.id))
        for b in boards
        if works_beds and b.programme.night_by_night and night == current
    }
    return render_template(
        "housing/board.html",
        boards=boards,
        night=night,
        tonight=current,
        past=[current - timedelta(days=n) for n in range(1, PAST_NIGHTS + 1)],
        show_codes=works_beds,
        sees_lists=role_may(current_user.role, SOCIAL_WORK),
        sees_measures=role_may(current_user.role, HOUSING_MEASURES),
        forms=forms,
        warning=warning,
        # Translated once, filled in per bed ("3 of 13"); each bed's links made from one
        # URL each (url_for hundreds of times cost a tenth of the page).
        n_of_max=_("%(n)d of %(max)d"),
        release_href=url_pattern("housing.release", "stay_id"),
        block_href=url_pattern("housing.block_bed", "bed_id"),
        unblock_href=url_pattern("housing.unblock_bed", "bed_id"),
        block_labels=BLOCK_REASON_LABELS,
        override_labels=OVERRIDE_REASON_LABELS,
        destination_labels=DESTINATION_LABELS,
    ), status


def url_pattern(endpoint: str, name: str) -> str:
    """The endpoint's URL with "{}" where its id goes, for str.format."""
    marker: dict[str, Any] = {name: 987654321}
    return url_for(endpoint, **marker).replace("987654321", "{}")


@bp.route("/board")
@allow(BED_BOARD_COUNTS)
def board() -> Any:
    return _render(_night_asked())


def _board_programme(programme_id: int) -> Programme:
    programme = db.session().get(Programme, programme_id)
    if programme is None or not programme.run_by_centre or not programme.night_by_night:
        abort(404)
    return programme


@bp.route("/board/programmes/<int:programme_id>/allocate", methods=["POST"])
@allow(BED_BOARD)
def allocate(programme_id: int) -> Any:
    programme = _board_programme(programme_id)
    form = AllocateForm(prefix=f"p{programme.id}")
    night = tonight()
    if not form.validate_on_submit():
        return _render(night, failed={programme.id: form}, status=422)
    dbs = db.session()
    try:
        person = people.find_by_code(dbs, form.code.data or "")
        override = form.override_reason.data
        stay = stays.enter_stay(
            dbs,
            actor_id=current_user.id,
            person=person,
            programme=programme,
            entry_on=night,
            latest=night,
            bed_id=form.bed.data,
            override_reason=OverrideReason(override) if override else None,
        )
        once.claim(dbs, form.form_token.data)
    except once.AlreadySubmittedError:
        return once.already_saved(url_for("housing.board"))
    except FieldErrors as problems:
        for text in show_errors(form, problems):
            flash(text, "error")
        return _render(night, failed={programme.id: form}, status=422)
    except stays.MaxStayReachedError as reached:
        return _render(
            night, failed={programme.id: form}, warning=(programme.id, reached), status=422
        )
    except stays.BedTakenError:
        dbs.rollback()
        flash(_("That bed was given to someone else a moment ago: choose another."), "error")
        return _render(night, failed={programme.id: form}, status=409)
    except stays.AlreadyHasBedError:
        dbs.rollback()
        flash(_("This person was given a bed a moment ago on another screen."), "error")
        return _render(night, failed={programme.id: form}, status=409)
    bed = stay.bed.position if stay.bed else ""
    flash(_("Bed %(bed)s given to %(code)s for tonight.", bed=bed, code=person.code), "success")
    return redirect(url_for("housing.board"))


def _stay_on_board(stay_id: int) -> Stay:
    stay = db.session().get(Stay, stay_id)
    if stay is None or stay.bed_id is None or not stay.programme.night_by_night:
        abort(404)
    return stay


@bp.route("/board/stays/<int:stay_id>/release", methods=["GET", "POST"])
@allow(BED_BOARD)
def release(stay_id: int) -> Any:
    """A bed freed, on a page of its own: where the person went, then confirm."""
    stay = _stay_on_board(stay_id)
    person = db.session().get(Person, stay.person_id)
    form = ReleaseForm()
    if request.method == "GET":
        form.version.data = stay.version
    if form.validate_on_submit():
        night = tonight()
        try:
            stays.exit_stay(
                db.session(),
                actor_id=current_user.id,
                stay=stay,
                exit_on=max(night, stay.entry_on),
                destination=Destination(form.destination.data),
                exit_reason=None,
                latest=night,
                version=form.version.data,
            )
        except ChangedSinceOpenedError:
            flash(_("This bed changed since the board was shown: look again."), "error")
        except FieldErrors:
            flash(_("This bed is free already."), "info")
        else:
            flash(_("Bed %(bed)s released.", bed=stay.bed.position if stay.bed else ""), "success")
        return redirect(url_for("housing.board"))
    return render_template(
        "housing/release.html", stay=stay, person=person, form=form, tonight=tonight()
    ), (422 if request.method == "POST" else 200)


def _bed_on_board(bed_id: int) -> Bed:
    bed = db.session().get(Bed, bed_id)
    if bed is None or not bed.active or not bed.programme.run_by_centre:
        abort(404)
    return bed


@bp.route("/board/beds/<int:bed_id>/block", methods=["GET", "POST"])
@allow(BED_BOARD)
def block_bed(bed_id: int) -> Any:
    """A bed taken out of use, on a page of its own: why, then confirm."""
    bed = _bed_on_board(bed_id)
    form = BlockForm()
    if form.validate_on_submit():
        try:
            services.block_bed(
                db.session(),
                actor_id=current_user.id,
                bed=bed,
                night=tonight(),
                reason=BlockReason(form.reason.data),
            )
        except services.BedOccupiedError:
            flash(_("Someone sleeps in this bed tonight: release it first."), "error")
        except stays.BedTakenError:
            db.session().rollback()
            flash(_("This bed is blocked already."), "info")
        else:
            flash(_("Bed %(bed)s blocked.", bed=bed.position), "success")
        return redirect(url_for("housing.board"))
    return render_template("housing/block.html", bed=bed, form=form), (
        422 if request.method == "POST" else 200
    )


@bp.route("/board/beds/<int:bed_id>/unblock", methods=["POST"])
@allow(BED_BOARD)
def unblock_bed(bed_id: int) -> Response:
    bed = _bed_on_board(bed_id)
    if UnblockForm().validate_on_submit():
        try:
            services.unblock_bed(db.session(), actor_id=current_user.id, bed=bed, night=tonight())
        except services.NotBlockedError:
            flash(_("This bed is not blocked."), "info")
        else:
            flash(_("Bed %(bed)s can be given again.", bed=bed.position), "success")
    return redirect(url_for("housing.board"))
