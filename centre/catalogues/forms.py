"""Forms for catalogue items: one per catalogue, with the key only when creating."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from centre.forms import Form
from centre.once import OnceMixin

from .labels import SITE_KIND_LABELS
from .services import (
    MAX_LABEL_LENGTH,
    MAX_PER_VISIT,
    MAX_SORT_ORDER,
    MIN_PER_VISIT,
    MIN_SORT_ORDER,
    Kind,
)


def site_kind_choices() -> list[SelectChoice]:
    return [SelectChoice(kind.value, str(label)) for kind, label in SITE_KIND_LABELS.items()]


class KeyMixin:
    key = StringField(
        _l("Key"),
        validators=[DataRequired(), Length(max=40)],
        description=_l(
            "2 to 40 lower-case letters, digits or underscores, e.g. naloxone_kit. "
            "Used in exports; it cannot be changed later."
        ),
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class ItemMixin:
    label_fr = StringField(
        _l("Label in French"),
        validators=[DataRequired(), Length(max=MAX_LABEL_LENGTH)],
        render_kw={"lang": "fr", "autocomplete": "off"},
    )
    label_nl = StringField(
        _l("Label in Dutch"),
        validators=[DataRequired(), Length(max=MAX_LABEL_LENGTH)],
        render_kw={"lang": "nl", "autocomplete": "off"},
    )
    label_en = StringField(
        _l("Label in English"),
        validators=[DataRequired(), Length(max=MAX_LABEL_LENGTH)],
        render_kw={"lang": "en", "autocomplete": "off"},
    )
    sort_order = IntegerField(
        _l("Order"),
        default=0,
        validators=[Optional(), NumberRange(min=MIN_SORT_ORDER, max=MAX_SORT_ORDER)],
        description=_l("Smaller numbers come first on the reception screen. Empty means 0."),
        render_kw={"min": MIN_SORT_ORDER, "max": MAX_SORT_ORDER},
    )


class SiteForm(ItemMixin, Form):
    kind = SelectField(_l("Kind of site"), choices=site_kind_choices, validators=[DataRequired()])
    submit = SubmitField(_l("Save"))


class ServiceForm(ItemMixin, Form):
    shortcut = StringField(
        _l("Keyboard letter"),
        validators=[Optional(), Length(max=1)],
        description=_l(
            "One letter, a to z, that ticks this service on the visit screen. "
            "No two active services may share a letter. Leave empty for none."
        ),
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "none",
            "spellcheck": "false",
            "maxlength": 1,
            "size": 2,
        },
    )
    submit = SubmitField(_l("Save"))


class SupplyForm(ItemMixin, Form):
    max_per_visit = IntegerField(
        _l("Maximum per visit"),
        default=50,
        validators=[InputRequired(), NumberRange(min=MIN_PER_VISIT, max=MAX_PER_VISIT)],
        description=_l(
            "Above this quantity, reception must confirm it is not a typo. "
            "It is a check, not a limit on what a person may receive."
        ),
        render_kw={"min": MIN_PER_VISIT, "max": MAX_PER_VISIT},
    )
    is_syringe = BooleanField(
        _l("Needle-and-syringe set"),
        description=_l("Counts toward syringes distributed, for the return rate."),
    )
    submit = SubmitField(_l("Save"))


class LadderStepForm(ItemMixin, Form):
    # On the ladder the order is the step's height: programmes are compared by it.
    sort_order = IntegerField(
        _l("Height on the ladder"),
        default=0,
        validators=[Optional(), NumberRange(min=MIN_SORT_ORDER, max=MAX_SORT_ORDER)],
        description=_l(
            "Lower steps come first: the street lowest, independent housing highest. "
            "Leave gaps (0, 10, 20…) to insert a step later. Empty means 0."
        ),
        render_kw={"min": MIN_SORT_ORDER, "max": MAX_SORT_ORDER},
    )
    submit = SubmitField(_l("Save"))


# Creating adds the key, which editing never shows as a field: it is immutable.
class NewSiteForm(OnceMixin, KeyMixin, SiteForm):
    pass


class NewServiceForm(OnceMixin, KeyMixin, ServiceForm):
    pass


class NewSupplyForm(OnceMixin, KeyMixin, SupplyForm):
    pass


class NewLadderStepForm(OnceMixin, KeyMixin, LadderStepForm):
    pass


class TaskTypeForm(ItemMixin, Form):
    submit = SubmitField(_l("Save"))


class NewTaskTypeForm(OnceMixin, KeyMixin, TaskTypeForm):
    pass


class WorkPhaseForm(ItemMixin, Form):
    # As on the housing ladder, the order is the phase's height: moves up are counted by it.
    sort_order = IntegerField(
        _l("Height in the progression"),
        default=0,
        validators=[Optional(), NumberRange(min=MIN_SORT_ORDER, max=MAX_SORT_ORDER)],
        description=_l(
            "Earlier phases first: first day jobs lowest, a regular job highest. Leave gaps "
            "(0, 10, 20…) to insert a phase later. Empty means 0."
        ),
        render_kw={"min": MIN_SORT_ORDER, "max": MAX_SORT_ORDER},
    )
    submit = SubmitField(_l("Save"))


class NewWorkPhaseForm(OnceMixin, KeyMixin, WorkPhaseForm):
    pass


ItemForm = SiteForm | ServiceForm | SupplyForm | LadderStepForm | TaskTypeForm | WorkPhaseForm

EDIT_FORMS: dict[Kind, type[ItemForm]] = {
    Kind.SITES: SiteForm,
    Kind.SERVICES: ServiceForm,
    Kind.SUPPLIES: SupplyForm,
    Kind.LADDER: LadderStepForm,
    Kind.TASK_TYPES: TaskTypeForm,
    Kind.WORK_PHASES: WorkPhaseForm,
}
NEW_FORMS: dict[Kind, type[ItemForm]] = {
    Kind.SITES: NewSiteForm,
    Kind.SERVICES: NewServiceForm,
    Kind.SUPPLIES: NewSupplyForm,
    Kind.LADDER: NewLadderStepForm,
    Kind.TASK_TYPES: NewTaskTypeForm,
    Kind.WORK_PHASES: NewWorkPhaseForm,
}
