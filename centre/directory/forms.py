"""Forms of the partner directory: the search (staff and public) and a partner's edit form.

The rules of a partner live in the service (`services.normalise`), whose messages show beside
each field; the form only offers the choices and carries the version the page was opened at.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from centre.forms import Form, choices
from centre.once import OnceMixin

from .labels import COMMUNE_LABELS, LANGUAGE_LABELS, PARTNER_KIND_LABELS
from .services import LIMITS, MAX_SEARCH_LENGTH


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (every commune in view, no Ctrl-click)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _text(limit_of: str, **render_kw: Any) -> dict[str, Any]:
    return {"maxlength": LIMITS[limit_of], "autocomplete": "off", **render_kw}


class SearchForm(Form):
    """A GET search that changes nothing; unknown choices are simply not applied."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        description=_l("Words of the name, the organisation or the description."),
        render_kw={"maxlength": MAX_SEARCH_LENGTH, "autocomplete": "off"},
    )
    kind = SelectField(_l("Kind of service"), choices=choices(PARTNER_KIND_LABELS, _l("Any")))
    commune = SelectField(_l("Commune"), choices=choices(COMMUNE_LABELS, _l("Any")))
    language = SelectField(_l("Language"), choices=choices(LANGUAGE_LABELS, _l("Any")))
    uninsured = BooleanField(_l("Accepts people without health insurance"))


class StaffSearchForm(SearchForm):
    inactive = BooleanField(_l("Include inactive partners"))


class PartnerForm(Form):
    name = StringField(_l("Name of the service"), render_kw=_text("name", autofocus=True))
    organisation = StringField(
        _l("Organisation"),
        description=_l("When the service is one of several of an organisation."),
        render_kw=_text("organisation"),
    )
    kind = SelectField(
        _l("Kind of service"), choices=choices(PARTNER_KIND_LABELS, _l("Choose a kind"))
    )
    description = TextAreaField(
        _l("Description"),
        description=_l("What the service offers, for whom. Shown on the public page."),
        render_kw=_text("description", rows=4),
    )
    opening_hours = TextAreaField(
        _l("Opening hours"),
        description=_l("E.g. Monday to Friday 9:00–17:00; walk-in on Wednesday morning."),
        render_kw=_text("opening_hours", rows=2),
    )
    address = TextAreaField(_l("Address"), render_kw=_text("address", rows=2))
    phone = StringField(
        _l("Phone"),
        description=_l("The service's own contact details, never those of a person using it."),
        render_kw=_text("phone", inputmode="tel"),
    )
    email = StringField(
        _l("E-mail"),
        render_kw=_text("email", inputmode="email", autocapitalize="none", spellcheck="false"),
    )
    website = StringField(
        _l("Website"),
        description=_l("E.g. https://www.example.be"),
        render_kw=_text("website", inputmode="url", autocapitalize="none", spellcheck="false"),
    )
    communes = CheckboxesField(_l("Communes served"), choices=choices(COMMUNE_LABELS))
    whole_region = BooleanField(
        _l("The whole region (all 19 communes)"),
        description=_l("Ticks every commune when saving."),
    )
    languages = CheckboxesField(_l("Languages"), choices=choices(LANGUAGE_LABELS))
    other_languages = StringField(
        _l("Other languages"),
        description=_l("Named here, e.g. Arabic, Romanian, Spanish."),
        render_kw=_text("other_languages"),
    )
    accepts_uninsured = BooleanField(_l("Accepts people without health insurance"))
    low_threshold = BooleanField(
        _l("Low threshold"),
        description=_l("No appointment, no conditions to be received (e.g. abstinence)."),
    )
    internal_notes = TextAreaField(
        _l("Internal notes"),
        description=_l(
            "For staff only, never on the public page or in exports: how to reach the team, "
            "practical tips. Never a person's name."
        ),
        render_kw=_text("internal_notes", rows=4),
    )
    submit = SubmitField(_l("Save"))


class EditPartnerForm(PartnerForm):
    # The version the page was opened at: saving on an older one is refused, not lost.
    version = HiddenField()


class NewPartnerForm(OnceMixin, PartnerForm):
    pass
