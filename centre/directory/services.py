"""The partner directory's use-cases: search, read, create, edit, (de)activate, export. Pure.

Partners are never deleted (referrals point at them): an inactive partner leaves every
search, the public page and the exports, and can be reactivated.

Rules of a partner (every problem is reported at once, by field, in a FieldErrors):
- a name (at most 120 characters) and a kind of service;
- at least one commune served and at least one language: the directory is searched by both,
  and a service no commune search finds would be lost. A service for the whole Brussels
  region ticks the 19 communes (the form offers that in one box);
- "other languages" named when the "other" language is ticked (and typing them ticks it);
- e-mail, website and phone of the service in a plausible shape; a website is http(s) only
  (it becomes a link on the public page: never `javascript:`), "https://" added if missing;
- no control characters in any text (newlines only where a text is multi-line).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from centre.audit.services import record
from centre.db import utcnow
from centre.pagination import Page, paginate
from centre.validation import ChangedSinceOpenedError, FieldErrors, check_version

from . import actions
from .labels import COMMUNE_LABELS, LANGUAGE_LABELS, PARTNER_KIND_LABELS
from .models import (
    PUBLISHED,
    Commune,
    Language,
    Partner,
    PartnerCommune,
    PartnerKind,
    PartnerLanguage,
)

# The column sizes of the model; the long texts have a limit of their own so a page stays
# readable (and a pasted document is refused, not stored).
LIMITS = {
    "name": 120,
    "organisation": 120,
    "description": 2000,
    "opening_hours": 300,
    "address": 200,
    "phone": 40,
    "email": 120,
    "website": 200,
    "other_languages": 120,
    "internal_notes": 4000,
}
MULTILINE = frozenset({"description", "opening_hours", "address", "internal_notes"})
TEXT_FIELDS = tuple(LIMITS)
# Search words: a few, of a sane length (each is one LIKE over three columns).
MAX_SEARCH_WORDS = 5
MAX_SEARCH_LENGTH = 100

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile("[\t\n\r]")
_EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;.]+(\.[^@\s<>\"',;.]+)+")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_PHONE = re.compile(r"[0-9+()./ -]+")
MIN_PHONE_DIGITS = 6
# Spreadsheets run a cell starting with these as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class PartnerNotFoundError(Exception):
    pass


@dataclass(frozen=True)
class PartnerValues:
    """What an editor sets on a partner: the form's fields, as typed."""

    name: str
    kind: PartnerKind | None
    organisation: str = ""
    description: str = ""
    opening_hours: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    communes: frozenset[Commune] = frozenset()
    languages: frozenset[Language] = frozenset()
    other_languages: str = ""
    accepts_uninsured: bool = False
    low_threshold: bool = False
    internal_notes: str = ""


@dataclass(frozen=True)
class SearchFilters:
    """A directory search; None (or empty text) filters nothing."""

    text: str = ""
    kind: PartnerKind | None = None
    commune: Commune | None = None
    language: Language | None = None
    accepts_uninsured: bool | None = None
    active_only: bool = True


@dataclass(frozen=True)
class PublishedPartner:
    """What may leave the team about a partner: the PUBLISHED fields, communes and languages.

    The public page, the printed list and the exports only ever see this, never a Partner,
    so internal notes cannot reach them by a template's mistake.
    """

    name: str
    organisation: str | None
    kind: PartnerKind
    description: str | None
    opening_hours: str | None
    address: str | None
    phone: str | None
    email: str | None
    website: str | None
    other_languages: str | None
    accepts_uninsured: bool
    low_threshold: bool
    communes: tuple[Commune, ...] = ()
    languages: tuple[Language, ...] = ()


# --- reading ----------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    cleaned = _CONTROL.sub(" ", _LINE_BREAK.sub(" ", text))[:MAX_SEARCH_LENGTH]
    return cleaned.split()[:MAX_SEARCH_WORDS]


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _matching(filters: SearchFilters) -> Select[Partner]:
    """The partners matching every filter given, in no particular order.

    Commune and language filters are EXISTS on the link tables' primary keys (partner_id,
    value); kind with active uses ix_partners_kind_active. Text is case-insensitive (ILIKE:
    all of Unicode on PostgreSQL, ASCII letters on SQLite), every word in the name, the
    organisation or the description.
    """
    query = select(Partner)
    if filters.active_only:
        query = query.where(Partner.active.is_(True))
    if filters.kind is not None:
        query = query.where(Partner.kind == filters.kind)
    if filters.commune is not None:
        query = query.where(Partner.communes.any(PartnerCommune.commune == filters.commune))
    if filters.language is not None:
        query = query.where(Partner.languages.any(PartnerLanguage.language == filters.language))
    if filters.accepts_uninsured is not None:
        query = query.where(Partner.accepts_uninsured.is_(filters.accepts_uninsured))
    for word in _words(filters.text):
        pattern = _like(word)
        query = query.where(
            or_(
                Partner.name.ilike(pattern, escape="\\"),
                Partner.organisation.ilike(pattern, escape="\\"),
                Partner.description.ilike(pattern, escape="\\"),
            )
        )
    return query


_BY_NAME = (func.lower(Partner.name), Partner.id)


def search_query(filters: SearchFilters) -> Select[Partner]:
    """One SELECT of the matching partners by name; their communes and languages come in one
    query each (selectinload), whatever the number of partners: no query per partner."""
    return (
        _matching(filters)
        .order_by(*_BY_NAME)
        .options(selectinload(Partner.communes), selectinload(Partner.languages))
    )


def search(
    session: Session,
    *,
    text: str = "",
    kind: PartnerKind | None = None,
    commune: Commune | None = None,
    language: Language | None = None,
    accepts_uninsured: bool | None = None,
    active_only: bool = True,
) -> list[Partner]:
    """Every partner matching all the filters given, ordered by name (see search_query)."""
    filters = SearchFilters(text, kind, commune, language, accepts_uninsured, active_only)
    return list(session.scalars(search_query(filters)))


def search_page(
    session: Session, filters: SearchFilters, *, page: int, per_page: int
) -> Page[Partner]:
    """One page of a search: a count, the page's partners, their communes, their languages."""
    return paginate(session, search_query(filters), page=page, per_page=per_page)


# What a published list selects: never internal notes, not even into memory.
_PUBLISHED_COLUMNS = [Partner.id, *(getattr(Partner, name) for name in PUBLISHED)]
_LINK_CHUNK = 500  # ids per IN list, well under every engine's limit of bound values


def _published_rows(session: Session, rows: Sequence[Any]) -> list[PublishedPartner]:
    """Rows of _PUBLISHED_COLUMNS as published partners, with their communes and languages
    (one query each, plain rows: a printed or exported list builds no ORM objects)."""
    communes: dict[int, list[Commune]] = {row.id: [] for row in rows}
    languages: dict[int, list[Language]] = {row.id: [] for row in rows}
    ids = list(communes)
    for start in range(0, len(ids), _LINK_CHUNK):
        chunk = ids[start : start + _LINK_CHUNK]
        for partner_id, commune in session.execute(
            select(PartnerCommune.partner_id, PartnerCommune.commune)
            .where(PartnerCommune.partner_id.in_(chunk))
            .order_by(PartnerCommune.commune)
        ):
            communes[partner_id].append(commune)
        for partner_id, language in session.execute(
            select(PartnerLanguage.partner_id, PartnerLanguage.language)
            .where(PartnerLanguage.partner_id.in_(chunk))
            .order_by(PartnerLanguage.language)
        ):
            languages[partner_id].append(language)
    return [
        PublishedPartner(
            **{name: getattr(row, name) for name in PUBLISHED},
            communes=tuple(communes[row.id]),
            languages=tuple(languages[row.id]),
        )
        for row in rows
    ]


def _published_query(filters: SearchFilters) -> Select[Any]:
    # Published lists are of active partners only, whatever the filters say.
    active = SearchFilters(**{**vars(filters), "active_only": True})
    return _matching(active).with_only_columns(*_PUBLISHED_COLUMNS).order_by(*_BY_NAME)


def published_search(session: Session, filters: SearchFilters) -> list[PublishedPartner]:
    """Every active partner matching the filters, published fields only (print, exports)."""
    return _published_rows(session, session.execute(_published_query(filters)).all())


def published_page(
    session: Session, filters: SearchFilters, *, page: int, per_page: int
) -> Page[PublishedPartner]:
    """One page of active partners matching the filters, published fields only (public)."""
    found = paginate(session, _published_query(filters), page=page, per_page=per_page, rows=True)
    return Page(
        items=_published_rows(session, found.items),
        number=found.number,
        per_page=found.per_page,
        total=found.total,
    )


def get_partner(session: Session, partner_id: int) -> Partner | None:
    return session.get(Partner, partner_id)


def published(partner: Partner) -> PublishedPartner:
    """The partner as the public may see it."""
    return PublishedPartner(
        **{name: getattr(partner, name) for name in PUBLISHED},
        communes=tuple(link.commune for link in partner.communes),
        languages=tuple(link.language for link in partner.languages),
    )


# --- validation -------------------------------------------------------------------------------


def _clean_text(problems: FieldErrors, name: str, value: str) -> str | None:
    """Trimmed text within its limit, or None when empty."""
    value = (value or "").strip()
    if name in MULTILINE:
        value = value.replace("\r\n", "\n")
        forbidden = _CONTROL.search(value)
    else:
        forbidden = _CONTROL.search(value) or _LINE_BREAK.search(value)
    if forbidden:
        problems.add(name, "control_character")
    elif len(value) > LIMITS[name]:
        problems.add(name, "length", n=LIMITS[name])
    return value or None


def _check_email(problems: FieldErrors, email: str | None) -> None:
    if email and "email" not in problems and not _EMAIL.fullmatch(email):
        problems.add("email", "email_format")


def _check_phone(problems: FieldErrors, phone: str | None) -> None:
    if not phone or "phone" in problems:
        return
    if not _PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < MIN_PHONE_DIGITS:
        problems.add("phone", "phone_format")


def _normalise_website(problems: FieldErrors, website: str | None) -> str | None:
    """An http(s) address with a host name; "https://" added to "www.example.be"."""
    if not website or "website" in problems:
        return website
    if not _SCHEME.match(website):
        website = "https://" + website
    try:
        parts = urlsplit(website)
        host = parts.hostname or ""
    except ValueError:  # a malformed port or IPv6 host
        parts, host = None, ""
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or "." not in host.strip(".")
        or any(c.isspace() for c in website)
    ):
        problems.add("website", "website_format")
    elif len(website) > LIMITS["website"]:
        problems.add("website", "length", n=LIMITS["website"])
    return website


def _check_choices(problems: FieldErrors, values: PartnerValues, others: str | None) -> None:
    if values.kind is None:
        problems.add("kind", "required")
    if not values.communes:
        problems.add("communes", "communes_required")
    if not values.languages and not others:
        problems.add("languages", "languages_required")
    if Language.OTHER in values.languages and not others and "other_languages" not in problems:
        problems.add("other_languages", "other_languages_missing")


def normalise(values: PartnerValues) -> dict[str, Any]:
    """The partner's new attributes from what was typed; FieldErrors with every problem."""
    problems = FieldErrors()
    texts = {name: _clean_text(problems, name, getattr(values, name)) for name in TEXT_FIELDS}
    if texts["name"] is None and "name" not in problems:
        problems.add("name", "required")
    _check_email(problems, texts["email"])
    _check_phone(problems, texts["phone"])
    texts["website"] = _normalise_website(problems, texts["website"])
    _check_choices(problems, values, texts["other_languages"])
    problems.raise_if_any()
    languages = set(values.languages)
    if texts["other_languages"]:
        languages.add(Language.OTHER)  # named other languages are spoken ones
    return {
        **texts,
        "kind": values.kind,
        "accepts_uninsured": bool(values.accepts_uninsured),
        "low_threshold": bool(values.low_threshold),
        "communes": frozenset(values.communes),
        "languages": frozenset(languages),
    }


# --- changes ----------------------------------------------------------------------------------


def _set_links(
    partner: Partner, communes: frozenset[Commune], languages: frozenset[Language]
) -> bool:
    """Make the partner's communes and languages these; True if either changed.

    Rows are added and removed one by one, never replaced: a row deleted and inserted again
    under the same primary key in one flush is avoided altogether.
    """
    changed = False
    have_communes = {link.commune: link for link in partner.communes}
    for commune in have_communes.keys() - communes:
        partner.communes.remove(have_communes[commune])
        changed = True
    for commune in sorted(communes - have_communes.keys()):
        partner.communes.append(PartnerCommune(commune=commune))
        changed = True
    have_languages = {link.language: link for link in partner.languages}
    for language in have_languages.keys() - languages:
        partner.languages.remove(have_languages[language])
        changed = True
    for language in sorted(languages - have_languages.keys()):
        partner.languages.append(PartnerLanguage(language=language))
        changed = True
    return changed


def _apply(partner: Partner, changes: dict[str, Any]) -> bool:
    """Copy normalised values onto the partner; True if anything changed."""
    changed = _set_links(partner, changes.pop("communes"), changes.pop("languages"))
    for name, value in changes.items():
        if getattr(partner, name) != value:
            setattr(partner, name, value)
            changed = True
    return changed


def create_partner(session: Session, *, actor_id: int, values: PartnerValues) -> Partner:
    """A new, active partner. FieldErrors if the values break a rule (module docstring)."""
    changes = normalise(values)
    partner = Partner(active=True, communes=[], languages=[])
    _apply(partner, changes)
    session.add(partner)
    session.flush()
    record(session, actions.PARTNER_CREATED, by=actor_id, on=partner.id)
    return partner


def update_partner(
    session: Session, *, actor_id: int, partner: Partner, values: PartnerValues, version: int | None
) -> bool:
    """Save an edit made on the form opened at `version`; True if anything changed.

    ChangedSinceOpenedError if someone saved the partner since (checked first, and again by
    the UPDATE itself, `version_id_col`, for two saves at the same moment); FieldErrors for
    the values. Any change, communes and languages included, touches the partner's row, so
    its version moves on.
    """
    check_version(partner.version, version)
    changes = normalise(values)
    try:
        with session.begin_nested():
            if not _apply(partner, changes):
                return False
            partner.updated_at = utcnow()
            session.flush()
    except StaleDataError:
        raise ChangedSinceOpenedError() from None
    record(session, actions.PARTNER_UPDATED, by=actor_id, on=partner.id)
    return True


def set_active(session: Session, *, actor_id: int, partner: Partner, active: bool) -> bool:
    """Deactivate (hidden from searches, the public page and exports) or reactivate.

    False if it already was so. Audited as an update of the partner.
    """
    if partner.active is active:
        return False
    partner.active = active
    partner.updated_at = utcnow()
    session.flush()
    record(session, actions.PARTNER_UPDATED, by=actor_id, on=partner.id)
    return True


def differences(partner: Partner, values: PartnerValues) -> list[str]:
    """The fields whose saved value differs from what was typed (shown after a conflict)."""
    names = [
        name
        for name in TEXT_FIELDS
        if (getattr(values, name) or "").strip() != (getattr(partner, name) or "")
    ]
    if values.kind != partner.kind:
        names.append("kind")
    if values.communes != {link.commune for link in partner.communes}:
        names.append("communes")
    if values.languages != {link.language for link in partner.languages}:
        names.append("languages")
    names += [
        name
        for name in ("accepts_uninsured", "low_threshold")
        if bool(getattr(values, name)) != getattr(partner, name)
    ]
    return names


def saved_value(partner: Partner, name: str) -> str:
    """A field's saved value as text, labels in the current language."""
    if name == "communes":
        return _cell(name, [link.commune for link in partner.communes])
    if name == "languages":
        return _cell(name, [link.language for link in partner.languages])
    return _cell(name, getattr(partner, name))


# --- exports ----------------------------------------------------------------------------------

# The columns of an export: the published fields, communes and languages; nothing else.
EXPORT_HEADERS = {
    "name": _l("Name"),
    "organisation": _l("Organisation"),
    "kind": _l("Kind of service"),
    "description": _l("Description"),
    "opening_hours": _l("Opening hours"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "email": _l("E-mail"),
    "website": _l("Website"),
    "communes": _l("Communes served"),
    "languages": _l("Languages"),
    "other_languages": _l("Other languages"),
    "accepts_uninsured": _l("Accepts people without health insurance"),
    "low_threshold": _l("Low threshold"),
}
YES, NO = _l("yes"), _l("no")


class _Labels:
    """The labels in the current language, each translated once per list, not per cell."""

    def __init__(self) -> None:
        self.yes, self.no = str(YES), str(NO)
        self.kinds = {kind: str(label) for kind, label in PARTNER_KIND_LABELS.items()}
        self.languages = {language: str(label) for language, label in LANGUAGE_LABELS.items()}

    def cell(self, name: str, value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return self.yes if value else self.no
        if name == "kind":
            return self.kinds[value]
        if name == "communes":
            return ", ".join(COMMUNE_LABELS[commune] for commune in value)
        if name == "languages":
            return ", ".join(self.languages[language] for language in value)
        return str(value)


def _cell(name: str, value: Any) -> str:
    return _Labels().cell(name, value)


def export_rows(partners: Iterable[PublishedPartner]) -> tuple[list[str], list[list[str]]]:
    """The header and one row per partner, labels in the current language."""
    labels = _Labels()
    header = [str(label) for label in EXPORT_HEADERS.values()]
    rows = [[labels.cell(name, getattr(p, name)) for name in EXPORT_HEADERS] for p in partners]
    return header, rows


def defuse_formula(cell: str) -> str:
    """A cell a spreadsheet will not run: a leading quote before = + - @ (and tab, CR)."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def to_csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """RFC 4180 CSV with a byte-order mark (so spreadsheets read the accents), every cell
    defused."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([defuse_formula(cell) for cell in header])
    for row in rows:
        writer.writerow([defuse_formula(cell) for cell in row])
    return out.getvalue()


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence[str]], *, title: str) -> bytes:
    """A workbook of one sheet; every cell is stored as text, so none is ever a formula.

    (openpyxl reads a string starting with "=" as a formula unless told it is a string.)
    """
    workbook = Workbook()
    sheet = workbook.worksheets[0]
    sheet.title = title[:31]  # Excel's limit for a sheet name
    for row_number, row in enumerate([header, *rows], start=1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column)
            cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell.data_type = "s"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
