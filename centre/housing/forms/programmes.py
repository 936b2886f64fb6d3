"""The programme form. Its rules live in the service (`services.programmes.check`), whose
messages show beside each field; the form offers the choices and carries the version."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import Optional

from centre.forms import Form, choices, optional_id
from centre.once import OnceMixin

from ..labels import CAPACITY_UNIT_LABELS, PROGRAMME_TYPE_LABELS
from ..models import CapacityUnit
from ..services.programmes import MAX_CAPACITY, MAX_NAME_LENGTH, MAX_NIGHTS, MAX_WINDOW_DAYS


def _number(**render_kw: object) -> dict[str, object]:
    return {"autocomplete": "off", **render_kw}


class ProgrammeForm(Form):
    name = StringField(
        _l("Name"),
        render_kw={"maxlength": MAX_NAME_LENGTH, "autocomplete": "off", "autofocus": True},
    )
    type = SelectField(
        _l("Type of programme"), choices=choices(PROGRAMME_TYPE_LABELS, _l("Choose a type"))
    )
    # Who runs it: a partner of the directory, or (none chosen) the centre at one of its sites.
    # The choices are the active ones, set by the page; the service checks what is posted.
    partner_id = SelectField(
        _l("Run by"),
        coerce=optional_id,
        choices=[],
        validate_choice=False,
        description=_l(
            "The centre itself, or a partner service of the directory. A programme run by the "
            "centre has its beds on the bed board."
        ),
    )
    site_id = SelectField(
        _l("Site of the centre"),
        coerce=optional_id,
        choices=[],
        validate_choice=False,
        description=_l("Where the centre runs it. Leave empty for a partner's programme."),
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[Optional()],
        description=_l("How many beds or units, 1 to %(n)d.", n=MAX_CAPACITY),
        render_kw=_number(min=1, max=MAX_CAPACITY),
    )
    capacity_unit = SelectField(
        _l("Counted in"), choices=choices(CAPACITY_UNIT_LABELS), default=CapacityUnit.BEDS.value
    )
    max_nights = IntegerField(
        _l("Maximum stay, in nights"),
        validators=[Optional()],
        description=_l(
            "Leave empty for no maximum. For “13 nights per stay”, type 13 and leave the "
            "window empty. For “20 nights in any 30 days”, type 20 here and 30 below."
        ),
        render_kw=_number(min=1, max=MAX_NIGHTS),
    )
    window_days = IntegerField(
        _l("…in any window of (days)"),
        validators=[Optional()],
        description=_l(
            "Optional: count the nights over any period of this many days rather than per "
            "stay. At least the number of nights, at most %(n)d days.",
            n=MAX_WINDOW_DAYS,
        ),
        render_kw=_number(min=1, max=MAX_WINDOW_DAYS),
    )
    ladder_step_id = SelectField(
        _l("Step on the housing ladder"),
        coerce=optional_id,
        choices=[],
        validate_choice=False,
        description=_l(
            "Where the programme stands on the centre's pathway. Left empty: the usual step "
            "for its type (emergency, Transit Home, supported, independent)."
        ),
    )
    submit = SubmitField(_l("Save"))


class EditProgrammeForm(ProgrammeForm):
    # The version the page was opened at: saving on an older one is refused, not lost.
    version = HiddenField()


class NewProgrammeForm(OnceMixin, ProgrammeForm):
    pass
