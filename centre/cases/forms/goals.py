"""The form of a goal (adding one and changing it)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from centre.forms import Form, choices
from centre.once import OnceMixin

from ..labels import GOAL_STATUS_LABELS, LIFE_DOMAIN_LABELS
from .cases import VersionMixin


class GoalFields:
    domain = SelectField(_l("Life domain"), choices=choices(LIFE_DOMAIN_LABELS, "—"))
    title = StringField(
        _l("Goal"),
        validators=[Length(max=200)],
        description=_l("A few words, e.g. “Find a general practitioner”. Never a name."),
        render_kw={"autocomplete": "off"},
    )
    status = SelectField(_l("Status"), choices=choices(GOAL_STATUS_LABELS))
    agreed_on = DateField(_l("Agreed on"), validators=[Optional()])
    target_on = DateField(_l("Target date"), validators=[Optional()])
    next_review_on = DateField(_l("Next review"), validators=[Optional()])


class NewGoalForm(OnceMixin, GoalFields, Form):
    submit = SubmitField(_l("Add the goal"))


class GoalForm(VersionMixin, GoalFields, Form):
    submit = SubmitField(_l("Save the goal"))
