"""Forms for logging in, passwords and user administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from centre.forms import Form
from centre.once import OnceMixin

from .labels import ROLE_LABELS
from .services import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH


class LoginForm(Form):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=64)],
        render_kw={
            "autocomplete": "username",
            "autofocus": True,
            "autocapitalize": "none",
            "spellcheck": "false",
        },
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=256)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Log in"))


class ChangePasswordForm(Form):
    current = PasswordField(
        _l("Current password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                message=_l(
                    "The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH
                ),
            ),
            Length(
                max=MAX_PASSWORD_LENGTH,
                message=_l(
                    "The password must have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH
                ),
            ),
        ],
        description=_l(
            "At least %(n)d characters; a few unrelated words work well.", n=MIN_PASSWORD_LENGTH
        ),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


def role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, str(label)) for role, label in ROLE_LABELS.items()]


class UserCreateForm(OnceMixin, Form):
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=3, max=64)],
        description=_l(
            "Letters, digits, dots, dashes or underscores. Not a person's full name "
            "if initials will do."
        ),
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    submit = SubmitField(_l("Create user"))


class RoleForm(Form):
    role = SelectField(_l("Role"), choices=role_choices, validators=[DataRequired()])
    submit = SubmitField(_l("Change role"))
