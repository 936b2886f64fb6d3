"""The base of every form in centre."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField
from wtforms.i18n import get_translations


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
