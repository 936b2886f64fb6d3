"""Directory pages: who may do what, the search, editing with optimistic locking, exports,
the printed list and the public page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.directory.models import Commune, Language, Partner, PartnerKind
from tests.conftest import Browser, LoggedIn, reread

EN = {"Accept-Language": "en"}
MakePartner = Callable[..., Partner]
SECRET = "Ring twice, ask for Sam"


def form_fields(**overrides: Any) -> dict[str, Any]:
    """A complete partner form as a browser posts it."""
    return {
        "name": "Projet Lama",
        "organisation": "Lama asbl",
        "kind": "drug_treatment",
        "description": "Substitution treatment",
        "opening_hours": "Mon–Fri 9:00–17:00",
        "address": "Rue de l'Ermitage 1, 1050 Ixelles",
        "phone": "+32 2 640 50 38",
        "email": "info@lama.be",
        "website": "www.lama.be",
        "communes": ["ixelles", "bruxelles"],
        "languages": ["fr", "nl"],
        "other_languages": "",
        "accepts_uninsured": "y",
        "internal_notes": SECRET,
        **overrides,
    }


def token_of(html: str) -> str:
    found = re.search(r'name="form_token" type="hidden" value="([^"]+)"', html)
    assert found, "the create form carries a one-time token"
    return found.group(1)


def version_of(html: str) -> str:
    found = re.search(r'name="version" type="hidden" value="([^"]*)"', html)
    assert found, "the edit form carries the version it was opened at"
    return found.group(1)


def partner_named(session: Session, name: str) -> Partner:
    return session.scalars(select(Partner).where(Partner.name == name)).one()


@pytest.fixture
def manager(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    return login_as(Role.MANAGER)


# --- roles ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.SOCIAL_WORKER])
def test_front_line_searches_and_reads_but_cannot_edit(
    role: Role, login_as: Callable[..., LoggedIn], make_partner: MakePartner
) -> None:
    partner = make_partner("Projet Lama", internal_notes=SECRET)
    staff = login_as(role)
    search = staff.get("/directory", headers=EN).get_data(as_text=True)
    assert "Projet Lama" in search and "New partner" not in search
    detail = staff.get(f"/directory/{partner.id}", headers=EN).get_data(as_text=True)
    assert SECRET in detail  # internal notes are for staff, whoever reads
    assert f"/directory/{partner.id}/edit" not in detail
    for url in ("/directory/print", "/directory/export.csv", "/directory/export.xlsx"):
        assert staff.get(url).status_code == 200, url
    for url in (
        "/directory/new",
        f"/directory/{partner.id}/edit",
        f"/directory/{partner.id}/deactivate",
    ):
        assert staff.get(url).status_code == 403, url
        assert staff.post(url, form_fields()).status_code == 403, url
    assert staff.post(f"/directory/{partner.id}/reactivate").status_code == 403


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_managers_and_admins_maintain_it(
    role: Role, login_as: Callable[..., LoggedIn], session: Session
) -> None:
    editor = login_as(role)
    page = editor.get("/directory/new").get_data(as_text=True)
    response = editor.post("/directory/new", form_fields(form_token=token_of(page)))
    assert response.status_code == 302
    reread(session)
    partner = partner_named(session, "Projet Lama")
    assert response.headers["Location"].endswith(f"/directory/{partner.id}")
    assert partner.website == "https://www.lama.be" and partner.accepts_uninsured
    assert [link.commune for link in partner.communes] == [Commune.BRUXELLES, Commune.IXELLES]
    assert partner.internal_notes == SECRET and not partner.low_threshold


@pytest.mark.parametrize("role", list(Role))
def test_the_menu_offers_the_directory_to_every_role_that_reads_it(
    role: Role, login_as: Callable[..., LoggedIn]
) -> None:
    home = login_as(role).get("/", headers=EN).get_data(as_text=True)
    assert 'href="/directory"' in home


def test_anonymous_staff_pages_ask_to_log_in(browser: Browser, make_partner: MakePartner) -> None:
    partner = make_partner()
    for url in ("/directory", f"/directory/{partner.id}", "/directory/export.csv"):
        response = browser.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


# --- search -----------------------------------------------------------------------------------


def test_search_by_query_string(manager: LoggedIn, make_partner: MakePartner) -> None:
    make_partner("Projet Lama", communes=frozenset({Commune.IXELLES}), accepts_uninsured=True)
    make_partner(
        "CPAS de Jette", kind=PartnerKind.SOCIAL_WELFARE, communes=frozenset({Commune.JETTE})
    )
    make_partner("Old one", active=False)

    def found(query: str) -> str:
        return manager.get(f"/directory?{query}", headers=EN).get_data(as_text=True)

    assert "Projet Lama" in found("q=LAMA") and "CPAS de Jette" not in found("q=LAMA")
    assert "CPAS de Jette" in found("kind=social_welfare") and "Projet Lama" not in found(
        "kind=social_welfare"
    )
    assert "Projet Lama" not in found("commune=jette")
    assert "CPAS de Jette" not in found("uninsured=y")
    assert "No partner matches this search" in found("q=nothing+like+this")
    # Unknown choices filter nothing rather than fail.
    page = found("kind=bogus&commune=atlantis&language=xx&page=abc")
    assert "Projet Lama" in page and "CPAS de Jette" in page
    # Inactive partners: editors may ask for them.
    assert "Old one" not in found("")
    assert "Old one" in found("inactive=y")


def test_front_line_cannot_list_inactive_partners(
    login_as: Callable[..., LoggedIn], make_partner: MakePartner
) -> None:
    make_partner("Old one", active=False)
    page = login_as(Role.RECEPTION).get("/directory?inactive=y").get_data(as_text=True)
    assert "Old one" not in page and 'name="inactive"' not in page


def test_empty_directory_says_so(manager: LoggedIn) -> None:
    page = manager.get("/directory", headers=EN).get_data(as_text=True)
    assert "The directory is empty" in page and "Export CSV" not in page


def test_the_list_goes_past_its_first_page(manager: LoggedIn, make_partner: MakePartner) -> None:
    for number in range(27):
        make_partner(f"Partner {number:02}")
    first = manager.get("/directory?q=partner", headers=EN).get_data(as_text=True)
    assert "27 partners" in first and "Page 1 of 2" in first
    assert "Partner 24" in first and "Partner 25" not in first
    assert 'href="/directory?q=partner&amp;page=2"' in first
    second = manager.get("/directory?q=partner&page=2", headers=EN).get_data(as_text=True)
    assert "Partner 25" in second and "Partner 26" in second and "Partner 24" not in second
    # A page past the last shows the last.
    assert "Partner 26" in manager.get("/directory?page=9").get_data(as_text=True)


# --- create -----------------------------------------------------------------------------------


def test_create_form_posted_twice_creates_one_partner(manager: LoggedIn, session: Session) -> None:
    token = token_of(manager.get("/directory/new").get_data(as_text=True))
    first = manager.post("/directory/new", form_fields(form_token=token))
    again = manager.post("/directory/new", form_fields(form_token=token), headers=EN)
    assert first.status_code == 302 and again.status_code == 302
    assert again.headers["Location"].endswith("/directory")
    reread(session)
    assert session.scalar(select(func.count()).select_from(Partner)) == 1
    listing = manager.get("/directory", headers=EN).get_data(as_text=True)
    assert "already saved" in listing


MALFORMED = {
    "name": ("", "This field is required."),
    "kind": ("", "This field is required."),
    "email": ("lama at lama.be", "Type an e-mail address"),
    "website": ("javascript:alert(1)", "Type a web address"),
    "phone": ("ring us", "Type a phone number"),
    "organisation": ("x" * 121, "At most 120 characters."),
    "description": ("x" * 2001, "At most 2000 characters."),
    "opening_hours": ("x" * 301, "At most 300 characters."),
    "address": ("x" * 201, "At most 200 characters."),
    "other_languages": ("x" * 121, "At most 120 characters."),
    "internal_notes": ("x" * 4001, "At most 4000 characters."),
    "communes": ([], "Tick at least one commune"),
    "languages": ([], "Tick at least one language"),
}


@pytest.mark.parametrize("field", MALFORMED)
def test_each_malformed_field_is_told_beside_it_with_the_input_kept(
    field: str, manager: LoggedIn, session: Session
) -> None:
    value, text = MALFORMED[field]
    response = manager.post("/directory/new", form_fields(**{field: value}), headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and text in error.group(1)
    assert html.count('class="error"') == 1  # beside that field only
    assert 'value="Lama asbl"' in html or field == "organisation"
    assert SECRET in html or field == "internal_notes"
    reread(session)
    assert session.scalar(select(Partner.id)) is None


def test_unknown_choices_are_refused_by_the_form(manager: LoggedIn, session: Session) -> None:
    response = manager.post(
        "/directory/new", form_fields(kind="casino", communes=["atlantis"]), headers=EN
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="kind-error"' in html and 'id="communes-error"' in html
    reread(session)
    assert session.scalar(select(Partner.id)) is None


def test_the_whole_region_box_ticks_the_19_communes(manager: LoggedIn, session: Session) -> None:
    response = manager.post("/directory/new", form_fields(communes=[], whole_region="y"))
    assert response.status_code == 302
    reread(session)
    assert len(partner_named(session, "Projet Lama").communes) == len(Commune)


# --- edit and optimistic locking --------------------------------------------------------------


def test_edit_shows_the_saved_values_and_saves(
    manager: LoggedIn, session: Session, make_partner: MakePartner
) -> None:
    partner = make_partner(
        "Projet Lama",
        communes=frozenset({Commune.EVERE}),
        languages=frozenset({Language.NL}),
        low_threshold=True,
    )
    page = manager.get(f"/directory/{partner.id}/edit").get_data(as_text=True)
    assert 'value="Projet Lama"' in page and version_of(page) == "1"
    assert re.search(r'<input checked[^>]*value="evere"', page)
    assert re.search(r'<input [^>]*checked[^>]*id="low_threshold"', page)
    response = manager.post(
        f"/directory/{partner.id}/edit", form_fields(name="Lama Ixelles", version="1")
    )
    assert response.status_code == 302
    reread(session)
    saved = session.get_one(Partner, partner.id)
    assert saved.name == "Lama Ixelles" and saved.version == 2 and not saved.low_threshold


def test_saving_unchanged_says_so(
    manager: LoggedIn, make_partner: MakePartner, session: Session
) -> None:
    partner = make_partner("Projet Lama")
    page = manager.get(f"/directory/{partner.id}/edit").get_data(as_text=True)
    fields = {
        "name": "Projet Lama",
        "kind": "drug_treatment",
        "communes": ["bruxelles"],
        "languages": ["fr"],
        "version": version_of(page),
    }
    response = manager.post(
        f"/directory/{partner.id}/edit", fields, follow_redirects=True, headers=EN
    )
    assert "Nothing was changed." in response.get_data(as_text=True)
    reread(session)
    assert session.get_one(Partner, partner.id).version == 1


def test_two_editors_saving_the_same_partner_the_second_is_told_with_input_kept(
    login_as: Callable[..., LoggedIn], session: Session, make_partner: MakePartner
) -> None:
    partner = make_partner("Projet Lama", phone="02 111 11 11")
    first, second = login_as(Role.MANAGER), login_as(Role.ADMIN)
    url = f"/directory/{partner.id}/edit"
    opened_first = version_of(first.get(url).get_data(as_text=True))
    opened_second = version_of(second.get(url).get_data(as_text=True))

    saved = first.post(url, form_fields(phone="02 222 22 22", version=opened_first))
    assert saved.status_code == 302

    refused = second.post(
        url,
        form_fields(phone="02 333 33 33", description="My new words", version=opened_second),
        headers=EN,
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Someone else saved this since you opened it" in html
    assert 'value="02 333 33 33"' in html and "My new words" in html  # their input, kept
    assert "02 222 22 22" in html  # what the first editor saved, to compare
    reread(session)
    assert session.get_one(Partner, partner.id).phone == "02 222 22 22"

    # Having seen it, saving again overwrites knowingly.
    again = second.post(url, form_fields(phone="02 333 33 33", version=version_of(html)))
    assert again.status_code == 302
    reread(session)
    assert session.get_one(Partner, partner.id).phone == "02 333 33 33"


@pytest.mark.parametrize("version", ["", "abc", "²", "99999999999"])
def test_a_malformed_version_is_a_conflict_not_an_error(
    version: str, manager: LoggedIn, make_partner: MakePartner
) -> None:
    partner = make_partner()
    response = manager.post(f"/directory/{partner.id}/edit", form_fields(version=version))
    assert response.status_code == 422


def test_unknown_partner_is_404(manager: LoggedIn) -> None:
    for url in ("/directory/999999", "/directory/999999/edit", "/directory/999999/deactivate"):
        assert manager.get(url).status_code == 404, url


# --- deactivate and reactivate ----------------------------------------------------------------


def test_deactivate_asks_first_then_hides_the_partner(
    manager: LoggedIn, session: Session, make_partner: MakePartner
) -> None:
    partner = make_partner("Projet Lama")
    detail = manager.get(f"/directory/{partner.id}", headers=EN).get_data(as_text=True)
    assert f'href="/directory/{partner.id}/deactivate"' in detail
    confirm = manager.get(f"/directory/{partner.id}/deactivate", headers=EN)
    assert confirm.status_code == 200
    assert "Deactivate “Projet Lama”?" in confirm.get_data(as_text=True)
    reread(session)
    assert session.get_one(Partner, partner.id).active  # asking changed nothing

    assert manager.client.post(f"/directory/{partner.id}/deactivate").status_code == 400
    reread(session)
    assert session.get_one(Partner, partner.id).active  # no CSRF token, no change

    response = manager.post(f"/directory/{partner.id}/deactivate")
    assert response.status_code == 302
    reread(session)
    assert not session.get_one(Partner, partner.id).active
    assert f'href="/directory/{partner.id}"' not in manager.get("/directory").get_data(as_text=True)

    detail = manager.get(f"/directory/{partner.id}", headers=EN).get_data(as_text=True)
    assert "Reactivate" in detail
    assert manager.post(f"/directory/{partner.id}/reactivate").status_code == 302
    reread(session)
    assert session.get_one(Partner, partner.id).active


def test_reactivate_without_csrf_is_refused(manager: LoggedIn, make_partner: MakePartner) -> None:
    partner = make_partner(active=False)
    assert manager.client.post(f"/directory/{partner.id}/reactivate").status_code == 400


# --- exports and print ------------------------------------------------------------------------


@pytest.fixture
def exported(make_partner: MakePartner) -> None:
    make_partner(
        '=HYPERLINK("http://evil.example")',
        phone="+32 2 123 45 67",
        communes=frozenset({Commune.IXELLES}),
        internal_notes=SECRET,
    )
    make_partner("Projet Lama", communes=frozenset({Commune.JETTE}), internal_notes=SECRET)
    make_partner("Closed one", active=False, internal_notes=SECRET)


def test_csv_export_of_the_current_search(manager: LoggedIn, exported: None) -> None:
    response = manager.get("/directory/export.csv?commune=ixelles", headers=EN)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="partners-')
    text = response.get_data(as_text=True)
    assert SECRET not in text and "Closed one" not in text and "Projet Lama" not in text
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0][:3] == ["Name", "Organisation", "Kind of service"]
    assert "Internal notes" not in rows[0]
    assert len(rows) == 2
    assert rows[1][0] == '\'=HYPERLINK("http://evil.example")'  # never a formula
    assert rows[1][rows[0].index("Phone")] == "'+32 2 123 45 67"
    assert rows[1][rows[0].index("Communes served")] == "Ixelles / Elsene"


def test_xlsx_export(manager: LoggedIn, exported: None) -> None:
    response = manager.get("/directory/export.xlsx", headers=EN)
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Name" and "Internal notes" not in rows[0]
    assert [row[0] for row in rows[1:]] == ['=HYPERLINK("http://evil.example")', "Projet Lama"]
    assert all(
        cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row if cell.value
    )
    assert SECRET not in str(rows)


def test_print_list_shows_published_fields_only(manager: LoggedIn, exported: None) -> None:
    html = manager.get("/directory/print?q=lama", headers=EN).get_data(as_text=True)
    assert "Projet Lama" in html and "evil.example" not in html
    assert SECRET not in html and "Closed one" not in html
    assert 'class="print-list"' in html


# --- the public page --------------------------------------------------------------------------


def test_public_page_needs_no_login_and_shows_published_fields_only(
    client: FlaskClient, make_partner: MakePartner
) -> None:
    make_partner(
        "Projet Lama",
        organisation="Lama asbl",
        description="Substitution treatment",
        opening_hours="Mon–Fri 9:00–17:00",
        address="Rue de l'Ermitage 1",
        phone="02 640 50 38",
        email="info@lama.be",
        website="https://www.lama.be",
        other_languages="Arabic",
        accepts_uninsured=True,
        low_threshold=True,
        internal_notes=SECRET,
    )
    make_partner("Closed one", active=False, internal_notes="closed notes")
    response = client.get("/directory/public", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for shown in (
        "Projet Lama",
        "Lama asbl",
        "Substitution treatment",
        "Mon–Fri 9:00–17:00",
        "Rue de l&#39;Ermitage 1",
        "02 640 50 38",
        'href="mailto:info@lama.be"',
        'href="https://www.lama.be"',
        "Arabic",
        "Bruxelles / Brussel",
        "Français",
        "Low threshold",
        "Accepts people without health insurance",
    ):
        assert shown in html, shown
    assert SECRET not in html and "Internal notes" not in html
    assert "Closed one" not in html and "closed notes" not in html
    assert "/directory/" + "1" not in html.replace("/directory/public", "")  # no staff links


def test_public_search_and_its_pages(client: FlaskClient, make_partner: MakePartner) -> None:
    make_partner("Projet Lama", communes=frozenset({Commune.IXELLES}), internal_notes=SECRET)
    make_partner(
        "CPAS de Jette", kind=PartnerKind.SOCIAL_WELFARE, communes=frozenset({Commune.JETTE})
    )
    make_partner("Closed one", active=False, communes=frozenset({Commune.JETTE}))
    html = client.get("/directory/public?commune=jette", headers=EN).get_data(as_text=True)
    assert "CPAS de Jette" in html and "Projet Lama" not in html and "Closed one" not in html
    html = client.get("/directory/public?q=lama&kind=drug_treatment", headers=EN).get_data(
        as_text=True
    )
    assert "Projet Lama" in html and SECRET not in html
    # The staff-only filter is not offered, and asking for it shows no inactive partner.
    html = client.get("/directory/public?inactive=y&q=closed", headers=EN).get_data(as_text=True)
    assert "Closed one" not in html and "No service matches this search" in html
    assert 'name="inactive"' not in html


def test_public_page_past_its_first_page(client: FlaskClient, make_partner: MakePartner) -> None:
    for number in range(26):
        make_partner(f"Partner {number:02}")
    html = client.get("/directory/public?page=2", headers=EN).get_data(as_text=True)
    assert "Partner 25" in html and "Partner 24" not in html and "Page 2 of 2" in html
