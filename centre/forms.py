"""The base of every form in centre."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import flash
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.i18n import get_translations
from wtforms.validators import Optional

from centre.inputs import parse_id
from centre.messages import message
from centre.validation import FieldErrors


@cache
def wtforms_translations(locale: str) -> Any:
    return get_translations([locale])


class Form(FlaskForm):
    """A Flask-WTF form whose built-in WTForms messages follow the user's language.

    Flask-WTF reads WTForms' message catalogue from disk on every request that uses a form;
    here each language's catalogue is read once per process.
    """

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return wtforms_translations(str(get_locale() or "fr"))  # en_GB finds en


class ConfirmForm(Form):
    """A button that posts: CSRF-protected, nothing else to fill in."""

    submit = SubmitField(_l("Confirm"))


def choices(labels: Mapping[Any, object], blank: object | None = None) -> list[SelectChoice]:
    """Choices whose labels stay lazy: translated when a page shows them, never to validate."""
    options = [SelectChoice("", blank)] if blank is not None else []
    return options + [SelectChoice(str(value), label) for value, label in labels.items()]


def show_errors(form: Any, errors: FieldErrors) -> list[str]:
    """Each problem's message beside its field of `form`, the one way every page shows them.

    Returns the messages of problems that have no field on the form (about the input as a
    whole), for the page to show above it.
    """
    unplaced = []
    for name in errors:
        texts = [message(problem) for problem in errors.get(name)]
        if name in form:
            form[name].errors = [*form[name].errors, *texts]
        else:
            unplaced.extend(texts)
    return unplaced


def optional_id(value: object) -> int | None:
    """A select's value as a row id; "" (none chosen) and anything malformed as None."""
    if isinstance(value, int):
        return value
    return parse_id(value if isinstance(value, str) else None)


class VersionMixin:
    """The version of the record the form was opened on (optimistic locking)."""

    version = IntegerField(widget=HiddenField.widget, validators=[Optional()])


def flash_unplaced(messages: list[str]) -> None:
    """Problems with no field on the form (about the record as a whole) as a message on top."""
    for text in messages:
        flash(text, "error")
