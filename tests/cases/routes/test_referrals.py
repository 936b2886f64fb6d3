"""Referral pages: a partner found by commune and language, the steps through the page, bad
input told beside its field, two workers at once, the sealed remark, who may open them."""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role
from centre.cases.models import Referral, ReferralOutcome, ReferralStatus
from centre.cases.services import referrals as services
from centre.directory.models import Commune, Language, Partner, PartnerKind
from centre.people import services as people
from centre.people.models import ConsentMethod, ConsentScope, Person
from tests import factories
from tests.cases.services.test_referrals import a_partner
from tests.conftest import POSTGRES_URL, Browser, LoggedIn, reread

EN = {"Accept-Language": "en"}
FORM_TOKEN = re.compile(r'name="form_token"[^>]*value="([^"]+)"')


@pytest.fixture
def worker(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    return login_as(Role.SOCIAL_WORKER)


@pytest.fixture
def person(session: Session, worker: LoggedIn) -> Person:
    created = factories.person(session, actor_id=worker.user.id)
    session.commit()
    return created


@pytest.fixture
def partner(session: Session) -> Partner:
    made = a_partner(session, "Projet Lama")
    session.commit()
    return made


def today() -> date:
    return services.today()


def new_url(person: Person) -> str:
    return f"/cases/people/{person.code}/referrals/new"


def referral_url(person: Person, referral_id: int) -> str:
    return f"/cases/people/{person.code}/referrals/{referral_id}"


def page(client: Browser, url: str) -> str:
    response = client.get(url, headers=EN)
    assert response.status_code == 200, url
    return str(response.get_data(as_text=True))


def referral_form(partner: Partner, **overrides: Any) -> dict[str, Any]:
    return {
        "partner_id": str(partner.id),
        "help": "drug_treatment",
        "referred_on": today().isoformat(),
        "urgency": "soon",
        "follow_up_on": (today() + timedelta(days=7)).isoformat(),
        **overrides,
    }


def make_referral(client: Browser, person: Person, partner: Partner, **overrides: Any) -> int:
    html = page(client, new_url(person))
    token = FORM_TOKEN.search(html)
    assert token
    data = referral_form(partner, form_token=token.group(1), **overrides)
    response = client.post(new_url(person), data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def version_on(html: str) -> str:
    found = re.search(r'name="version"[^>]*value="(\d+)"', html)
    assert found, "no version on the page"
    return found.group(1)


def post_step(client: Browser, person: Person, referral_id: int, status: str, **fields: str) -> Any:
    url = referral_url(person, referral_id)
    data = {
        "status": status,
        "on": today().isoformat(),
        "follow_up_on": today().isoformat(),
        "version": version_on(page(client, url)),
        **fields,
    }
    return client.post(url, data, headers=EN)


def referral_in(session: Session, referral_id: int) -> Referral:
    reread(session)
    found = session.get(Referral, referral_id)
    assert found is not None
    return found


# --- a new referral ---------------------------------------------------------------------------


def test_a_partner_is_found_by_commune_and_language_and_the_referral_made(
    worker: LoggedIn, person: Person, session: Session
) -> None:
    a_partner(session, "Maison Francophone", languages=(Language.FR,))
    a_partner(session, "Ixelles Huis", communes=(Commune.IXELLES,), languages=(Language.NL,))
    wanted = a_partner(
        session,
        "Brussels Huis",
        kind=PartnerKind.MENTAL_HEALTH,
        languages=(Language.NL, Language.EN),
    )
    session.commit()
    html = page(worker, f"{new_url(person)}?commune=bruxelles&language=nl")
    assert "Brussels Huis" in html
    assert "Maison Francophone" not in html and "Ixelles Huis" not in html
    referral_id = make_referral(worker, person, wanted, help="mental_health", remark="")
    referral = referral_in(session, referral_id)
    assert (referral.partner_id, referral.person_id, referral.worker_id) == (
        wanted.id,
        person.id,
        worker.user.id,
    )
    assert referral.help is PartnerKind.MENTAL_HEALTH and referral.status is ReferralStatus.PROPOSED
    shown = page(worker, referral_url(person, referral_id))
    assert "Referral to Brussels Huis" in shown and "Proposed" in shown
    assert worker.user.username in shown, "the history says by whom"
    assert "The code only" in shown
    # The person's file lists it, with a way to all referrals.
    on_file = page(worker, f"/cases/people/{person.code}")
    assert "Brussels Huis" in on_file and "All referrals (1)" in on_file


def test_the_kind_searched_for_is_the_help_proposed(worker: LoggedIn, person: Person) -> None:
    html = page(worker, f"{new_url(person)}?kind=housing&text=%00x")
    assert re.search(r'<option selected value="housing">|<option value="housing" selected', html)


def test_the_create_form_posted_twice_makes_one_referral(
    worker: LoggedIn, person: Person, partner: Partner, session: Session
) -> None:
    html = page(worker, new_url(person))
    token = FORM_TOKEN.search(html)
    assert token
    data = referral_form(partner, form_token=token.group(1))
    first = worker.post(new_url(person), data)
    second = worker.post(new_url(person), data)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"].endswith(f"/cases/people/{person.code}/referrals")
    reread(session)
    assert session.scalar(select(func.count()).select_from(Referral)) == 1


def test_without_the_sharing_consent_the_form_says_code_only_and_refuses_to_share(
    worker: LoggedIn, person: Person, partner: Partner, session: Session
) -> None:
    html = page(worker, new_url(person))
    assert "the partner gets the code only" in html and 'data-testid="code-only"' in html
    assert 'name="shares_identity"' not in html
    response = worker.post(
        new_url(person),
        referral_form(partner, shares_identity="y", remark="Rendez-vous le matin"),
        headers=EN,
    )
    assert response.status_code == 422
    refused = response.get_data(as_text=True)
    assert "has not agreed that we share their identity with partners" in refused
    assert "Rendez-vous le matin" in refused, "what was typed is kept"
    reread(session)
    assert session.scalar(select(func.count()).select_from(Referral)) == 0
    # With the consent, the box is offered and the referral shares the identity.
    people.give_consent(
        session,
        actor_id=worker.user.id,
        person=session.merge(person),
        scope=ConsentScope.SHARING_WITH_PARTNERS,
        method=ConsentMethod.ORAL,
    )
    session.commit()
    html = page(worker, new_url(person))
    assert 'name="shares_identity"' in html and 'data-testid="code-only"' not in html
    referral_id = make_referral(worker, person, partner, shares_identity="y")
    assert referral_in(session, referral_id).shares_identity


def test_bad_referral_input_is_told_beside_its_field(
    worker: LoggedIn, person: Person, partner: Partner
) -> None:
    response = worker.post(
        new_url(person),
        referral_form(
            partner,
            partner_id="",
            follow_up_on=(today() - timedelta(days=1)).isoformat(),
            remark="garder ceci",
        ),
        headers=EN,
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="partner_id-error">Choose the partner service', html)
    assert re.search(r'id="follow_up_on-error">The follow-up cannot be before the referral', html)
    assert "garder ceci" in html


# --- steps ------------------------------------------------------------------------------------


def test_through_the_steps_to_attended_and_care_started_with_the_home_page_reminding(
    worker: LoggedIn, person: Person, partner: Partner, session: Session
) -> None:
    referral_id = make_referral(worker, person, partner)
    assert post_step(worker, person, referral_id, "sent").status_code == 302
    assert post_step(worker, person, referral_id, "accepted").status_code == 302
    moved = post_step(
        worker, person, referral_id, "appointment_set", appointment_on=today().isoformat()
    )
    assert moved.status_code == 302
    home = page(worker, "/")
    assert "Due and overdue follow-ups" in home
    assert person.code in home and "Appointment set" in home
    assert post_step(worker, person, referral_id, "attended").status_code == 302
    closed = post_step(
        worker, person, referral_id, "closed", outcome="care_started", follow_up_on=""
    )
    assert closed.status_code == 302
    referral = referral_in(session, referral_id)
    assert referral.status is ReferralStatus.CLOSED
    assert referral.outcome is ReferralOutcome.CARE_STARTED and referral.follow_up_on is None
    assert [e.by_id for e in referral.events] == [worker.user.id] * 6
    html = page(worker, referral_url(person, referral_id))
    assert "Care started" in html and 'name="status"' not in html, "no next step once closed"
    late = worker.post(  # from a tab left open, say
        referral_url(person, referral_id),
        {"status": "sent", "on": today().isoformat(), "version": str(referral.version)},
        headers=EN,
    )
    assert late.status_code == 422 and "This step cannot follow" in late.get_data(as_text=True)
    assert person.code not in page(worker, "/").split("Due and overdue follow-ups", 1)[1]


def test_a_jump_and_dates_out_of_order_are_told_beside_their_field_with_input_kept(
    worker: LoggedIn, person: Person, partner: Partner, session: Session
) -> None:
    referral_id = make_referral(worker, person, partner)
    jump = post_step(worker, person, referral_id, "attended", follow_up_on="2030-01-02")
    assert jump.status_code == 422
    html = jump.get_data(as_text=True)
    assert re.search(r'id="status-error">This step cannot follow', html)
    assert 'value="2030-01-02"' in html, "the follow-up typed is kept"
    post_step(worker, person, referral_id, "sent")
    early = post_step(
        worker,
        person,
        referral_id,
        "appointment_set",
        appointment_on=(today() - timedelta(days=1)).isoformat(),
        follow_up_on="2030-01-03",
    )
    assert early.status_code == 422
    html = early.get_data(as_text=True)
    assert re.search(r'id="appointment_on-error">The appointment cannot be before', html)
    assert 'value="2030-01-03"' in html
    assert referral_in(session, referral_id).status is ReferralStatus.SENT


def test_the_second_of_two_workers_is_told_and_keeps_their_input(
    worker: LoggedIn,
    person: Person,
    partner: Partner,
    login_as: Callable[..., LoggedIn],
    session: Session,
) -> None:
    referral_id = make_referral(worker, person, partner)
    colleague = login_as(Role.SOCIAL_WORKER)
    url = referral_url(person, referral_id)
    opened_by_colleague = version_on(page(colleague, url))
    assert post_step(worker, person, referral_id, "sent").status_code == 302
    late = colleague.post(
        url,
        {
            "status": "cancelled",
            "cancel_reason": "person_declined",
            "on": today().isoformat(),
            "follow_up_on": "2030-02-14",
            "version": opened_by_colleague,
        },
        headers=EN,
    )
    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert "Someone else saved this since you opened it" in html
    assert 'value="2030-02-14"' in html, "their input is kept"
    assert re.search(r'checked[^>]*value="cancelled"|value="cancelled"[^>]*checked', html)
    assert re.search(
        r'selected[^>]*value="person_declined"|value="person_declined"[^>]*selected', html
    )
    assert version_on(html) != opened_by_colleague, "saving again is on the current version"
    referral = referral_in(session, referral_id)
    assert len(referral.events) == 2 and referral.follow_up_on == today()
    # Having seen the change, they save again, deliberately.
    again = colleague.post(
        url,
        {"status": "cancelled", "cancel_reason": "person_declined", "on": today().isoformat(),
         "version": version_on(html)},
    )  # fmt: skip
    assert again.status_code == 302
    assert referral_in(session, referral_id).status is ReferralStatus.CANCELLED


def test_a_referral_of_another_person_is_not_found(
    worker: LoggedIn, person: Person, partner: Partner, session: Session
) -> None:
    referral_id = make_referral(worker, person, partner)
    other = factories.person(session, actor_id=worker.user.id)
    session.commit()
    assert worker.get(referral_url(other, referral_id)).status_code == 404
    assert worker.post(f"{referral_url(other, referral_id)}/remark").status_code == 404


def test_the_list_goes_past_its_first_page(
    worker: LoggedIn, person: Person, partner: Partner, session: Session, app: Flask
) -> None:
    for days in range(21):
        services.make_referral(
            session,
            app.extensions["centre.privacy"],
            actor_id=worker.user.id,
            person=person,
            data=services.ReferralInput(
                partner_id=partner.id,
                help=PartnerKind.HOUSING,
                referred_on=today() - timedelta(days=days),
                urgency=services.Urgency.ROUTINE,
                follow_up_on=today() + timedelta(days=1),
            ),
            today=today(),
        )
    session.commit()
    url = f"/cases/people/{person.code}/referrals"
    first = page(worker, url)
    second = page(worker, f"{url}?page=2")
    assert first.count('href="/cases/people/') - second.count('href="/cases/people/') == 19
    assert "Page 2 of 2" in second and 'rel="prev"' in second


# --- the sealed remark ------------------------------------------------------------------------


def test_the_remark_is_shown_only_on_an_audited_post(
    worker: LoggedIn, person: Person, partner: Partner, session: Session
) -> None:
    remark = "Préfère être appelée après 14 h"
    referral_id = make_referral(worker, person, partner, remark=remark)
    url = referral_url(person, referral_id)
    html = page(worker, url)
    assert remark not in html and "Show the remark" in html
    shown = worker.post(f"{url}/remark", headers=EN)
    assert shown.status_code == 200 and remark in shown.get_data(as_text=True)
    reread(session)
    reads = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.remark_read")
    ).all()
    assert [(e.actor_id, e.object_id) for e in reads] == [(worker.user.id, str(referral_id))]


def test_an_altered_remark_is_told_not_a_server_error(
    worker: LoggedIn, person: Person, partner: Partner, session: Session
) -> None:
    """A remark copied onto another referral does not open there: said, and nothing read."""
    first = make_referral(worker, person, partner, remark="premier")
    second = make_referral(worker, person, partner, remark="second")
    reread(session)
    referral_in(session, second).remark = referral_in(session, first).remark
    session.commit()
    told = worker.post(
        f"{referral_url(person, second)}/remark", headers=EN, follow_redirects=True
    ).get_data(as_text=True)
    assert "The remark could not be decrypted. Tell an administrator." in told
    assert "premier" not in told


def test_a_remark_canary_is_nowhere_in_clear(
    worker: LoggedIn,
    person: Person,
    partner: Partner,
    session: Session,
    app: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    canary = f"Canari{secrets.token_hex(6)}"
    referral_id = make_referral(worker, person, partner, remark=f"{canary} rue Haute")
    assert canary in worker.post(f"{referral_url(person, referral_id)}/remark").get_data(
        as_text=True
    ), "the canary was stored and opens"
    post_step(worker, person, referral_id, "sent")
    session.commit()
    stored = database_bytes(app)
    assert person.code.encode() in stored, "the scan must see the data it looks through"
    assert canary.encode() not in stored, "the remark is in clear in the database"
    assert canary not in caplog.text, "the remark is in the server log"
    audit = session.execute(text("SELECT * FROM audit_events")).all()
    assert audit and canary not in repr(audit), "the remark is in the audit table"


def database_bytes(app: Flask) -> bytes:
    """The SQLite file with its write-ahead log, or a pg_dump of the tests' own schema."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    schema = str(url.query["options"]).split("search_path=", 1)[1]
    pg_dump = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    dumped = subprocess.run(
        [pg_dump, "--dbname", POSTGRES_URL, "--schema", schema],
        capture_output=True,
        check=True,
        timeout=120,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
    )
    return dumped.stdout


# --- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER, Role.ADMIN])
def test_only_social_workers_reach_referrals(
    role: Role,
    worker: LoggedIn,
    person: Person,
    partner: Partner,
    login_as: Callable[..., LoggedIn],
) -> None:
    referral_id = make_referral(worker, person, partner)
    other = login_as(role)
    base = f"/cases/people/{person.code}/referrals"
    for url in (base, f"{base}/new", referral_url(person, referral_id)):
        assert other.get(url).status_code == 403, url
    for url in (f"{base}/new", referral_url(person, referral_id), f"{base}/{referral_id}/remark"):
        assert other.post(url, referral_form(partner)).status_code == 403, url
    assert "Due and overdue follow-ups" not in page(other, "/")
