"""Notes of a person's file: the list, write, read (an explicit, audited POST), correct, add.

A GET never decrypts a note: a link, even from another site, must not make a colleague's
browser read one. The body is shown only in the answer to the read POST (CSRF-checked like
every POST), and its correction form is filled there too, from that same audited read.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from centre import db, once
from centre.auth import services as accounts
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.db import utcnow
from centre.forms import show_errors
from centre.inputs import page_number
from centre.pages import person_or_404
from centre.pagination import Page
from centre.people.models import Person
from centre.privacy import privacy
from centre.validation import FieldErrors, single

from .. import bp
from ..forms.notes import AddendumForm, CorrectionForm, NoteForm
from ..labels import NOTE_KIND_LABELS
from ..models import Note, NoteKind
from ..services import notes as services

# The person's file shows the latest notes; the notes page has them all, a page at a time.
ON_FILE = 5
PER_PAGE = 20


def _list_context(page: Page[services.NoteSummary]) -> dict[str, Any]:
    return {
        "notes_page": page,
        "note_authors": accounts.usernames(db.session(), {n.author_id for n in page.items}),
        "note_kind_labels": NOTE_KIND_LABELS,
    }


def person_section(person: Person) -> dict[str, Any]:
    """What the person's file page shows of this subject (templates/cases/_notes.html)."""
    page = services.list_notes(db.session(), person=person, page=1, per_page=ON_FILE)
    return _list_context(page)


def _note_or_404(person: Person, note_id: int) -> Note:
    # A note id under another person's code is no note of theirs.
    note = services.note_of(db.session(), person, note_id)
    if note is None:
        abort(404)
    return note


def _note_input(form: NoteForm | CorrectionForm) -> services.NoteInput:
    return services.NoteInput(
        kind=NoteKind(form.kind.data) if form.kind.data else None,
        written_on=form.written_on.data,
        body=form.body.data or "",
    )


def _today() -> date:
    return services.today_in_brussels(utcnow())


@bp.route("/people/<code>/notes")
@allow(SOCIAL_WORK)
def person_notes(code: str) -> str:
    person = person_or_404(code)
    page = services.list_notes(
        db.session(),
        person=person,
        page=request.args.get("page", 1, type=page_number),
        per_page=PER_PAGE,
    )
    return render_template("cases/notes.html", person=person, **_list_context(page))


@bp.route("/people/<code>/notes/new", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def new_note(code: str) -> Any:
    person = person_or_404(code)
    form = NoteForm()
    if request.method == "GET":
        form.written_on.data = _today()
    if form.validate_on_submit():
        dbs = db.session()
        try:
            services.write_note(
                dbs, privacy(), actor_id=current_user.id, person=person, data=_note_input(form)
            )
            once.claim(dbs, form.form_token.data)  # after the note: saved once
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("cases.person_notes", code=person.code))
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash(_("Note saved, encrypted."), "success")
            return redirect(url_for("cases.person_file", code=person.code, _anchor="notes"))
    return render_template("cases/note_new.html", person=person, form=form), (
        422 if form.errors else 200
    )


def _render_note(person: Person, note: Note, **page: Any) -> str:
    dbs = db.session()
    addenda = services.addenda_of(dbs, note)
    original = dbs.get(Note, note.addendum_to_id) if note.addendum_to_id else None
    authors = {note.author_id, *(a.author_id for a in addenda)}
    return render_template(
        "cases/note.html",
        person=person,
        note=note,
        original=original,
        addenda=addenda,
        erased=services.is_erased(dbs, note),
        note_authors=accounts.usernames(dbs, authors),
        note_kind_labels=NOTE_KIND_LABELS,
        **{"body": None, "unreadable": False, "correction": None, **page},
    )


@bp.route("/people/<code>/notes/<int:note_id>")
@allow(SOCIAL_WORK)
def view_note(code: str, note_id: int) -> str:
    """A note's type, date, author and addenda; its body only through the read button."""
    person = person_or_404(code)
    return _render_note(person, _note_or_404(person, note_id))


@bp.route("/people/<code>/notes/<int:note_id>/read", methods=["POST"])
@allow(SOCIAL_WORK)
def read_note(code: str, note_id: int) -> str:
    person = person_or_404(code)
    found = _note_or_404(person, note_id)
    dbs = db.session()
    try:
        body = services.read_note(dbs, privacy(), actor_id=current_user.id, note=found)
    except services.NoteErasedError:
        return _render_note(person, found)  # the page says it was erased
    except services.NoteUnreadableError:
        return _render_note(person, found, unreadable=True)
    correction = None
    if services.is_correctable(dbs, found, current_user.id):
        correction = CorrectionForm(
            formdata=None,
            data={"kind": found.kind.value, "written_on": found.written_on, "body": body},
        )
    return _render_note(person, found, body=body, correction=correction)


@bp.route("/people/<code>/notes/<int:note_id>/correct", methods=["POST"])
@allow(SOCIAL_WORK)
def correct_note(code: str, note_id: int) -> Any:
    person = person_or_404(code)
    found = _note_or_404(person, note_id)
    form = CorrectionForm()
    if form.validate_on_submit():
        try:
            services.correct_note(
                db.session(),
                privacy(),
                actor_id=current_user.id,
                note=found,
                data=_note_input(form),
            )
        except services.NotCorrectableError as refusal:
            return _offer_addendum(person, found, form.body.data or "", refusal.reason)
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash(_("Note corrected."), "success")
            return redirect(url_for("cases.view_note", code=person.code, note_id=found.id))
    # Shown again with what was typed; the stored body is not decrypted a second time.
    return _render_note(person, found, correction=form), 422


def _offer_addendum(
    person: Person, found: Note, typed: str, reason: services.NotCorrectableReason
) -> tuple[str, int]:
    """A correction refused: the typed text moves to the addendum form, with the reason."""
    form = AddendumForm(formdata=None, data={"body": typed})
    show_errors(form, single("body", reason.value))
    return render_template(
        "cases/note_addendum.html",
        person=person,
        note=found,
        form=form,
        note_kind_labels=NOTE_KIND_LABELS,
    ), 422


@bp.route("/people/<code>/notes/<int:note_id>/addendum", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def add_addendum(code: str, note_id: int) -> Response | tuple[str, int]:
    person = person_or_404(code)
    found = _note_or_404(person, note_id)
    here = url_for("cases.view_note", code=person.code, note_id=found.addendum_to_id or found.id)
    form = AddendumForm()
    if form.validate_on_submit():
        dbs = db.session()
        try:
            services.add_addendum(
                dbs, privacy(), actor_id=current_user.id, note=found, body=form.body.data or ""
            )
            once.claim(dbs, form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(here)
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash(_("Addendum saved, encrypted."), "success")
            return redirect(here)
    return render_template(
        "cases/note_addendum.html",
        person=person,
        note=found,
        form=form,
        note_kind_labels=NOTE_KIND_LABELS,
    ), (422 if form.errors else 200)
