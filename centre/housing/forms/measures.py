"""The measures page's filter: a period and the programmes measured, read from the URL.

The period defaults to the last twelve complete months: always a whole year, whatever the
day (the calendar year so far is a few days long in January), and made of finished months
only, so the figures shown do not change while a month runs. Anything invalid is said beside
its field and replaced by its default: the page still answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from centre.forms import Form
from centre.inputs import parse_id
from centre.periods import last_twelve_months

from ..labels import PROGRAMME_TYPE_LABELS
from ..models import ProgrammeType
from ..services.measures import ProgrammeInfo

EARLIEST = date(2000, 1, 1)
# Ten years and their leap days: the longest period the page draws night by night.
MAX_NIGHTS = 3653
ALL = ""
TYPE_PREFIX = "type:"


class MeasuresForm(Form):
    class Meta:
        csrf = False  # a GET filter that changes nothing

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To (included)"), validators=[Optional()])
    programme = SelectField(_l("Programmes"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Show"))

    def offer(self, programmes: Iterable[ProgrammeInfo]) -> None:
        """All programmes first, then each type present, then each programme by name (the
        page draws the groups: WTForms cannot put a lone option before its optgroups)."""
        listed = list(programmes)
        types = [t for t in ProgrammeType if any(p.type is t for p in listed)]
        self.programme.choices = [SelectChoice(ALL, _l("All programmes"))]
        self.programme_groups = [
            (
                _l("By type"),
                [SelectChoice(TYPE_PREFIX + t.value, PROGRAMME_TYPE_LABELS[t]) for t in types],
            ),
            (_l("One programme"), [SelectChoice(str(p.id), p.name) for p in listed]),
        ]


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    programme_ids: frozenset[int] | None  # None: every programme
    programme: str  # the choice as the URL gives it, for links (the CSV export)


def read_filters(form: MeasuresForm, programmes: dict[int, ProgrammeInfo], today: date) -> Filters:
    """The filters the URL asks for; each invalid one told on the form and left at its
    default (`form.errors` then says the request was not understood as given)."""
    form.validate()  # the date fields' own parsing errors, if any
    default_start, default_end = last_twelve_months(today)
    start = _day(form.start, default_start, today)
    end = _day(form.end, default_end, today)
    if start > end and form.end.data is None and not form.end.errors:
        end = today  # "from <a recent day>" alone: until today
    if start > end:
        form.end.errors = [*form.end.errors, _l("The period ends before it starts.")]
        start, end = default_start, default_end
    elif (end - start).days + 1 > MAX_NIGHTS:
        form.start.errors = [*form.start.errors, _l("At most ten years at a time.")]
        start, end = default_start, default_end
    choice = form.programme.data or ALL
    try:
        chosen = _programmes(choice, programmes)
    except LookupError:
        form.programme.errors = [*form.programme.errors, _l("Not a programme of the list.")]
        choice, chosen = ALL, None
    form.start.data, form.end.data, form.programme.data = start, end, choice
    return Filters(start, end, chosen, choice)


def _day(field: DateField, default: date, today: date) -> date:
    if field.errors or field.data is None:
        return default
    if field.data < EARLIEST:
        field.errors = [*field.errors, _l("A date from 2000 on.")]
        return default
    if field.data > today:
        field.errors = [*field.errors, _l("No later than today: measures count nights spent.")]
        return default
    day: date = field.data
    return day


def _programmes(choice: str, programmes: dict[int, ProgrammeInfo]) -> frozenset[int] | None:
    """The ids a choice names (None: all); LookupError when it names nothing known."""
    if choice == ALL:
        return None
    if choice.startswith(TYPE_PREFIX):
        kind = choice.removeprefix(TYPE_PREFIX)
        ids = frozenset(p.id for p in programmes.values() if p.type.value == kind)
    else:
        programme_id = parse_id(choice)
        known = programme_id is not None and programme_id in programmes
        ids = frozenset({programme_id}) if programme_id is not None and known else frozenset()
    if not ids:
        raise LookupError(choice)
    return ids
