"""Forms of stays and the bed board: allocate a bed, release it, block it; enter, move in, exit."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from centre.forms import Form, VersionMixin, choices, optional_id
from centre.once import OnceMixin

from ..labels import (
    BLOCK_REASON_LABELS,
    DESTINATION_GROUP_LABELS,
    DESTINATION_LABELS,
    EXIT_REASON_LABELS,
    OVERRIDE_REASON_LABELS,
)
from ..models import DESTINATION_GROUPS, DestinationGroup


def destination_choices(blank: bool = False) -> list[SelectChoice]:
    """Destinations under their HMIS group, as the reference lists them (built per request:
    the group names are the page's language)."""
    options = [SelectChoice("", "—")] if blank else []
    for group in DestinationGroup:
        heading = str(DESTINATION_GROUP_LABELS[group])
        options += [
            SelectChoice(d.value, DESTINATION_LABELS[d], optgroup=heading)
            for d, of in DESTINATION_GROUPS.items()
            if of is group
        ]
    return options


class CodeMixin:
    code = StringField(
        _l("Person's code"),
        validators=[Optional()],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class OverrideMixin:
    override_reason = SelectField(
        _l("Reason to go past the maximum stay"),
        choices=choices(OVERRIDE_REASON_LABELS, "—"),
        description=_l("Only when the screen warns that the maximum stay is reached."),
    )


class AllocateForm(OnceMixin, CodeMixin, OverrideMixin, Form):
    """Tonight's bed for a code, in one step."""

    bed = SelectField(_l("Bed"), coerce=optional_id, choices=[], validate_choice=False)
    submit = SubmitField(_l("Give the bed"))


class ReleaseForm(VersionMixin, Form):
    destination = SelectField(_l("Left to"), choices=[], default="not_known")
    submit = SubmitField(_l("Release"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.destination.choices = destination_choices()


class BlockForm(Form):
    reason = SelectField(_l("Why"), choices=choices(BLOCK_REASON_LABELS))
    submit = SubmitField(_l("Block"))


class UnblockForm(Form):
    submit = SubmitField(_l("Unblock"))


class EnterStayForm(OnceMixin, OverrideMixin, Form):
    programme = SelectField(_l("Programme"), coerce=optional_id, choices=[])
    entry_on = DateField(_l("Entry date"), validators=[Optional()])
    bed = SelectField(
        _l("Bed"),
        coerce=optional_id,
        choices=[],
        validate_choice=False,
        description=_l("The centre's own programmes only; the first free bed if none is chosen."),
    )
    move_in_on = DateField(
        _l("Move-in date"),
        validators=[Optional()],
        description=_l("When the person moved into the flat, if not on the entry date."),
    )
    submit = SubmitField(_l("Record the entry"))


class MoveInForm(VersionMixin, Form):
    move_in_on = DateField(_l("Move-in date"), validators=[Optional()])
    submit = SubmitField(_l("Record the move-in"))


class ExitStayForm(VersionMixin, Form):
    exit_on = DateField(
        _l("Exit date"),
        validators=[Optional()],
        description=_l("The morning the person left: the last night is the one before."),
    )
    destination = SelectField(_l("Destination"), choices=[])
    exit_reason = SelectField(_l("Reason for leaving"), choices=choices(EXIT_REASON_LABELS, "—"))
    submit = SubmitField(_l("Record the exit"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.destination.choices = destination_choices(blank=True)
