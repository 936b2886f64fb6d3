"""Directory services: search filters, the rules of a partner, optimistic locking, exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import User
from centre.directory import services
from centre.directory.models import PUBLISHED, Commune, Language, Partner, PartnerKind
from centre.validation import ChangedSinceOpenedError, FieldErrors
from tests.directory.conftest import partner_values

MakePartner = Callable[..., Partner]


def names(partners: list[Partner]) -> list[str]:
    return [partner.name for partner in partners]


def actions(session: Session, partner: Partner) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "partner", AuditEvent.object_id == str(partner.id))
            .order_by(AuditEvent.seq)
        )
    )


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The queries (SELECT statements) the block sends."""
    sent: list[str] = []
    engine = session.get_bind()

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def directory(make_partner: MakePartner) -> dict[str, Partner]:
    """Four partners that each filter tells apart, and an inactive one."""
    return {
        "lama": make_partner(
            "Projet LAMA",
            organisation="Lama asbl",
            kind=PartnerKind.DRUG_TREATMENT,
            communes=frozenset({Commune.IXELLES, Commune.BRUXELLES}),
            languages=frozenset({Language.FR, Language.NL}),
            accepts_uninsured=True,
            low_threshold=True,
        ),
        "cpas": make_partner(
            "CPAS de Schaerbeek",
            kind=PartnerKind.SOCIAL_WELFARE,
            communes=frozenset({Commune.SCHAERBEEK}),
            languages=frozenset({Language.FR, Language.NL}),
        ),
        "mass": make_partner(
            "MASS de Bruxelles",
            kind=PartnerKind.DRUG_TREATMENT,
            description="Substitution treatment, walk-in consultations",
            communes=frozenset({Commune.BRUXELLES}),
            languages=frozenset({Language.FR, Language.EN}),
        ),
        "clinic": make_partner(
            "adult clinic",
            kind=PartnerKind.TESTING,
            communes=frozenset({Commune.SAINT_GILLES}),
            languages=frozenset({Language.EN}),
            other_languages="Arabic",
            accepts_uninsured=True,
        ),
        "closed": make_partner(
            "Ancien service",
            active=False,
            kind=PartnerKind.DRUG_TREATMENT,
            communes=frozenset({Commune.BRUXELLES}),
            languages=frozenset({Language.FR}),
            accepts_uninsured=True,
        ),
    }


# --- search -----------------------------------------------------------------------------------


def test_no_filter_lists_active_partners_by_name(
    session: Session, directory: dict[str, Partner]
) -> None:
    # By name whatever the case ("adult clinic" first), never the inactive one.
    assert names(services.search(session)) == [
        "adult clinic",
        "CPAS de Schaerbeek",
        "MASS de Bruxelles",
        "Projet LAMA",
    ]
    assert "Ancien service" in names(services.search(session, active_only=False))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": PartnerKind.DRUG_TREATMENT}, ["MASS de Bruxelles", "Projet LAMA"]),
        ({"kind": PartnerKind.HOUSING}, []),
        ({"commune": Commune.BRUXELLES}, ["MASS de Bruxelles", "Projet LAMA"]),
        ({"commune": Commune.SCHAERBEEK}, ["CPAS de Schaerbeek"]),
        ({"language": Language.NL}, ["CPAS de Schaerbeek", "Projet LAMA"]),
        # Naming another language ticks "other languages".
        ({"language": Language.OTHER}, ["adult clinic"]),
        ({"accepts_uninsured": True}, ["adult clinic", "Projet LAMA"]),
        ({"accepts_uninsured": False}, ["CPAS de Schaerbeek", "MASS de Bruxelles"]),
        ({"text": "schaerbeek"}, ["CPAS de Schaerbeek"]),
        ({"text": "asbl"}, ["Projet LAMA"]),  # the organisation
        ({"text": "WALK-IN"}, ["MASS de Bruxelles"]),  # the description
    ],
)
def test_each_filter_alone(
    session: Session,
    directory: dict[str, Partner],
    filters: dict[str, Any],
    expected: list[str],
) -> None:
    assert names(services.search(session, **filters)) == expected


def test_filters_combine(session: Session, directory: dict[str, Partner]) -> None:
    def found(**filters: Any) -> list[str]:
        return names(services.search(session, **filters))

    assert found(kind=PartnerKind.DRUG_TREATMENT, commune=Commune.BRUXELLES) == [
        "MASS de Bruxelles",
        "Projet LAMA",
    ]
    assert found(
        kind=PartnerKind.DRUG_TREATMENT, commune=Commune.BRUXELLES, accepts_uninsured=True
    ) == ["Projet LAMA"]
    assert found(commune=Commune.BRUXELLES, language=Language.EN) == ["MASS de Bruxelles"]
    assert found(text="bruxelles", language=Language.NL) == []
    assert found(
        text="projet",
        kind=PartnerKind.DRUG_TREATMENT,
        commune=Commune.IXELLES,
        language=Language.NL,
        accepts_uninsured=True,
    ) == ["Projet LAMA"]
    assert found(commune=Commune.BRUXELLES, accepts_uninsured=True, active_only=False) == [
        "Ancien service",
        "Projet LAMA",
    ]


def test_text_is_case_insensitive_and_every_word_counts(
    session: Session, directory: dict[str, Partner]
) -> None:
    for text in ("lama", "LAMA", "Lama", "  pRoJeT   lAmA "):
        assert names(services.search(session, text=text)) == ["Projet LAMA"], text
    assert names(services.search(session, text="projet bruxelles")) == []
    assert names(services.search(session, text="de bruxelles")) == ["MASS de Bruxelles"]


def test_text_wildcards_are_plain_characters(session: Session, make_partner: MakePartner) -> None:
    make_partner("Service 100% gratuit")
    make_partner("Service_libre")
    assert names(services.search(session, text="100%")) == ["Service 100% gratuit"]
    assert names(services.search(session, text="%")) == ["Service 100% gratuit"]
    assert names(services.search(session, text="_")) == ["Service_libre"]
    assert names(services.search(session, text="\x00 \\")) == []


def test_search_loads_communes_and_languages_without_a_query_per_partner(
    session: Session, make_partner: MakePartner
) -> None:
    for number in range(12):
        make_partner(f"Partner {number:02}", communes=frozenset(Commune))
    session.expunge_all()
    with statements(session) as sent:
        found = services.search(session, commune=Commune.JETTE)
        shown = [(len(p.communes), [link.language for link in p.languages]) for p in found]
    assert len(found) == 12
    assert shown == [(19, [Language.FR])] * 12
    # The partners, then their communes, then their languages: three, however many there are.
    assert len(sent) == 3, sent


def test_search_page_goes_past_the_first_page(session: Session, make_partner: MakePartner) -> None:
    for number in range(7):
        make_partner(f"Partner {number}")
    filters = services.SearchFilters()
    first = services.search_page(session, filters, page=1, per_page=5)
    second = services.search_page(session, filters, page=2, per_page=5)
    assert (first.total, first.pages, first.has_next, second.has_next) == (7, 2, True, False)
    assert names(list(first.items)) == [f"Partner {n}" for n in range(5)]
    assert names(list(second.items)) == ["Partner 5", "Partner 6"]


# --- create -----------------------------------------------------------------------------------


def test_create_normalises_and_audits(session: Session, editor: User) -> None:
    partner = services.create_partner(
        session,
        actor_id=editor.id,
        values=partner_values(
            "  Transit  ",
            organisation="",
            website="www.transit.be",
            email="info@transit.be",
            phone="+32 2 215 89 90",
            opening_hours="Mon–Fri 9:00–17:00\r\nSat 10:00–12:00",
            other_languages="Arabic, Romanian",
            languages=frozenset({Language.FR}),
            communes=frozenset({Commune.BRUXELLES, Commune.ANDERLECHT}),
            internal_notes="Ask for the duty nurse.",
        ),
    )
    session.commit()
    assert partner.name == "Transit"
    assert partner.organisation is None
    assert partner.website == "https://www.transit.be"
    assert partner.opening_hours == "Mon–Fri 9:00–17:00\nSat 10:00–12:00"
    assert [link.commune for link in partner.communes] == [Commune.ANDERLECHT, Commune.BRUXELLES]
    assert {link.language for link in partner.languages} == {Language.FR, Language.OTHER}
    assert partner.active and partner.version == 1
    assert actions(session, partner) == ["partner.created"]
    event_ = session.scalars(select(AuditEvent).where(AuditEvent.action == "partner.created")).one()
    assert event_.actor_id == editor.id


TOO_LONG = {
    "name": 121,
    "organisation": 121,
    "description": 2001,
    "opening_hours": 301,
    "address": 201,
    "other_languages": 121,
    "internal_notes": 4001,
}


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"kind": None}, "kind", "required"),
        ({"communes": frozenset()}, "communes", "communes_required"),
        ({"languages": frozenset()}, "languages", "languages_required"),
        ({"languages": frozenset({Language.OTHER})}, "other_languages", "other_languages_missing"),
        ({"email": "info.example.be"}, "email", "email_format"),
        ({"email": "info@example"}, "email", "email_format"),
        ({"email": "a b@example.be"}, "email", "email_format"),
        ({"email": "x" * 116 + "@a.be"}, "email", "length"),
        ({"website": "javascript:alert(1)"}, "website", "website_format"),
        ({"website": "ftp://files.example.be"}, "website", "website_format"),
        ({"website": "not a website"}, "website", "website_format"),
        ({"website": "https://localhost"}, "website", "website_format"),
        ({"website": "https://[::1"}, "website", "website_format"),
        ({"website": "https://example.be/" + "x" * 190}, "website", "length"),
        ({"phone": "call us"}, "phone", "phone_format"),
        ({"phone": "123"}, "phone", "phone_format"),
        ({"phone": "1" * 41}, "phone", "length"),
        ({"name": "Lama\x00"}, "name", "control_character"),
        ({"name": "Two\nlines"}, "name", "control_character"),
        ({"description": "bell\x07"}, "description", "control_character"),
        *(({name: "x" * n}, name, "length") for name, n in TOO_LONG.items()),
    ],
)
def test_each_malformed_field_is_told_by_name(
    session: Session, editor: User, overrides: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(FieldErrors) as raised:
        services.create_partner(
            session, actor_id=editor.id, values=partner_values(**{"name": "Lama", **overrides})
        )
    assert list(raised.value) == [field]
    assert raised.value.codes(field) == [code]
    session.rollback()
    assert session.scalar(select(Partner.id)) is None


def test_every_problem_at_once(session: Session, editor: User) -> None:
    with pytest.raises(FieldErrors) as raised:
        services.create_partner(
            session,
            actor_id=editor.id,
            values=services.PartnerValues(name="", kind=None, email="x", website="y", phone="z"),
        )
    assert set(raised.value) == {
        "name",
        "kind",
        "email",
        "website",
        "phone",
        "communes",
        "languages",
    }


def test_plausible_contact_details_are_accepted(session: Session, editor: User) -> None:
    for phone, email, website in [
        ("02/511.11.11", "accueil@cpas-1000.brussels", "http://www.cpas.brussels/fr/"),
        ("0800 12 345", "info+lama@lama.be", "HTTPS://Lama.be/contact?lang=fr"),
        ("+32 (0)2 123 45 67", "a@b.co", "lama.be"),
    ]:
        services.create_partner(
            session,
            actor_id=editor.id,
            values=partner_values(phone=phone, email=email, website=website),
        )


# --- update, optimistic locking, activity -----------------------------------------------------


def test_update_changes_and_audits(
    session: Session, editor: User, make_partner: MakePartner
) -> None:
    partner = make_partner("Lama")
    changed = services.update_partner(
        session,
        actor_id=editor.id,
        partner=partner,
        values=partner_values("Lama", phone="02 640 50 38"),
        version=1,
    )
    session.commit()
    assert changed and partner.phone == "02 640 50 38"
    assert partner.version == 2 and partner.updated_at is not None
    assert actions(session, partner) == ["partner.created", "partner.updated"]


def test_update_with_nothing_new_changes_nothing(
    session: Session, editor: User, make_partner: MakePartner
) -> None:
    partner = make_partner("Lama")
    assert not services.update_partner(
        session, actor_id=editor.id, partner=partner, values=partner_values("Lama"), version=1
    )
    session.commit()
    assert partner.version == 1
    assert actions(session, partner) == ["partner.created"]


def test_a_change_of_communes_alone_moves_the_version_on(
    session: Session, editor: User, make_partner: MakePartner
) -> None:
    partner = make_partner("Lama", communes=frozenset({Commune.EVERE, Commune.JETTE}))
    assert services.update_partner(
        session,
        actor_id=editor.id,
        partner=partner,
        values=partner_values("Lama", communes=frozenset({Commune.JETTE, Commune.UCCLE})),
        version=1,
    )
    session.commit()
    session.expire_all()
    assert [link.commune for link in partner.communes] == [Commune.JETTE, Commune.UCCLE]
    assert partner.version == 2


def test_a_stale_version_is_refused_and_nothing_changes(
    session: Session, editor: User, make_partner: MakePartner
) -> None:
    partner = make_partner("Lama")
    services.update_partner(
        session, actor_id=editor.id, partner=partner, values=partner_values("Lama 2"), version=1
    )
    session.commit()
    for stale in (1, None, 99):
        with pytest.raises(ChangedSinceOpenedError):
            services.update_partner(
                session,
                actor_id=editor.id,
                partner=partner,
                values=partner_values("Lama 3"),
                version=stale,
            )
    assert partner.name == "Lama 2"


def test_two_saves_at_the_same_moment_the_second_is_refused(
    app: Flask, session: Session, editor: User, make_partner: MakePartner
) -> None:
    """Both checked the version before either wrote: the UPDATE itself refuses the second."""
    partner = make_partner("Lama")
    with app.extensions["centre.db"].new_session() as other:
        theirs = other.get_one(Partner, partner.id)
        assert theirs.version == 1
        services.update_partner(
            session, actor_id=editor.id, partner=partner, values=partner_values("Mine"), version=1
        )
        session.commit()
        with pytest.raises(ChangedSinceOpenedError):
            services.update_partner(
                other,
                actor_id=editor.id,
                partner=theirs,
                values=partner_values("Theirs"),
                version=1,
            )
        other.rollback()
    session.expire_all()
    assert session.get_one(Partner, partner.id).name == "Mine"


def test_differences_name_what_the_other_person_saved(
    session: Session, make_partner: MakePartner
) -> None:
    partner = make_partner("Lama", phone="02 123 45 67")
    typed = partner_values(
        "Lama", phone="02 999 99 99", communes=frozenset({Commune.EVERE}), low_threshold=True
    )
    assert services.differences(partner, typed) == ["phone", "communes", "low_threshold"]


def test_deactivate_and_reactivate(
    session: Session, editor: User, make_partner: MakePartner
) -> None:
    partner = make_partner("Lama")
    assert services.set_active(session, actor_id=editor.id, partner=partner, active=False)
    assert not services.set_active(session, actor_id=editor.id, partner=partner, active=False)
    session.commit()
    assert services.search(session) == []
    assert services.set_active(session, actor_id=editor.id, partner=partner, active=True)
    session.commit()
    assert names(services.search(session)) == ["Lama"]
    assert actions(session, partner) == ["partner.created", "partner.updated", "partner.updated"]


def test_get_partner(session: Session, make_partner: MakePartner) -> None:
    partner = make_partner("Lama")
    assert services.get_partner(session, partner.id) is partner
    assert services.get_partner(session, partner.id + 1000) is None


# --- published fields and exports -------------------------------------------------------------


def test_published_carries_the_published_fields_only(
    session: Session, make_partner: MakePartner
) -> None:
    assert {f.name for f in fields(services.PublishedPartner)} == {
        *PUBLISHED,
        "communes",
        "languages",
    }
    assert "internal_notes" not in PUBLISHED
    view = services.published(make_partner("Lama", internal_notes="Secret tip"))
    assert "Secret tip" not in repr(view)
    assert set(services.EXPORT_HEADERS) == {f.name for f in fields(services.PublishedPartner)}


def test_export_rows_in_the_current_language(
    app: Flask, session: Session, make_partner: MakePartner
) -> None:
    partner = make_partner(
        "Lama",
        kind=PartnerKind.SOCIAL_WELFARE,
        communes=frozenset({Commune.IXELLES, Commune.ANDERLECHT}),
        languages=frozenset({Language.FR, Language.NL}),
        accepts_uninsured=True,
        internal_notes="Secret tip",
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        header, rows = services.export_rows([services.published(partner)])
    assert header[:3] == ["Name", "Organisation", "Kind of service"]
    row = dict(zip(services.EXPORT_HEADERS, rows[0], strict=True))
    assert row["name"] == "Lama"
    assert row["kind"] == "Social welfare (CPAS/OCMW)"
    assert row["communes"] == "Anderlecht, Ixelles / Elsene"
    assert row["languages"] == "Français, Nederlands"
    assert (row["accepts_uninsured"], row["low_threshold"]) == ("yes", "no")
    assert row["organisation"] == ""
    assert "Secret tip" not in repr(rows)
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        _header, french = services.export_rows([services.published(partner)])
    assert french[0][-2:] == ["oui", "non"]


@pytest.mark.parametrize("dangerous", ["=1+1", "+32 2 123", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_csv_cells_never_start_a_formula(dangerous: str) -> None:
    text = services.to_csv(["Name"], [[dangerous], ["plain"]])
    assert text.startswith("\ufeff")
    read = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert read == [["Name"], ["'" + dangerous], ["plain"]]


def test_xlsx_cells_are_text_never_formulas() -> None:
    data = services.to_xlsx(
        ["Name", "Phone"], [['=HYPERLINK("http://x")', "+32 2 123 45 67"]], title="Partners"
    )
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "Partners"
    assert [cell.value for cell in sheet[1]] == ["Name", "Phone"]
    cells = list(sheet[2])
    assert [cell.value for cell in cells] == ['=HYPERLINK("http://x")', "+32 2 123 45 67"]
    assert {cell.data_type for cell in cells} == {"s"}


def test_published_lists_never_select_internal_notes(
    session: Session, directory: dict[str, Partner]
) -> None:
    session.expunge_all()
    with statements(session) as sent:
        listed = services.published_search(session, services.SearchFilters(text="a"))
    assert [p.name for p in listed] == [
        "adult clinic",
        "CPAS de Schaerbeek",
        "MASS de Bruxelles",
        "Projet LAMA",
    ]
    # Partners, communes, languages: three queries, none naming the internal notes.
    assert len(sent) == 3 and not any("internal_notes" in statement for statement in sent)
    lama = listed[-1]
    assert lama.communes == (Commune.BRUXELLES, Commune.IXELLES)
    assert lama.languages == (Language.FR, Language.NL)
    assert lama == services.published(directory["lama"])


def test_published_lists_show_active_partners_only(
    session: Session, directory: dict[str, Partner]
) -> None:
    everyone = services.SearchFilters(active_only=False, accepts_uninsured=True)
    assert [p.name for p in services.published_search(session, everyone)] == [
        "adult clinic",
        "Projet LAMA",
    ]
    page = services.published_page(session, everyone, page=2, per_page=1)
    assert (page.total, page.number, [p.name for p in page.items]) == (2, 2, ["Projet LAMA"])
    assert (
        services.published_page(
            session, services.SearchFilters(text="zzz"), page=1, per_page=5
        ).items
        == []
    )
