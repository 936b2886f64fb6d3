"""Rights and the substance-use profile through the pages: social workers only, each create
form saved once, bad input explained beside its field and kept, the person's file section."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.models import (
    InsuranceRecord,
    InsuranceStatus,
    ReaffiliationEvent,
    SubstanceAssessment,
)
from centre.cases.routes import rights as routes
from centre.cases.services import profile
from centre.cases.services.cases import today_in_brussels
from centre.people.models import Person
from tests.cases.conftest import Office
from tests.conftest import LoggedIn, reread

EN = {"Accept-Language": "en"}
TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
CHECKED = re.compile(r'<input checked id="status-\d" name="status" type="radio" value="(\w+)"')
TODAY = today_in_brussels().isoformat()
ASSESSMENT = {
    "assessed_on": TODAY,
    "primary_drug": "1.1",
    "secondary_drug": "2.2",
    "route": "2",
    "frequency": "1",
    "injecting": "2.1",
    "substitution": "ever",
    "hiv_testing": "2.2",
    "hcv_testing": "1",
    "treatment_status": "2",
    "referral_source": "6",
    "living_where": "2",
    "labour_status": "4",
}


def token_of(browser: LoggedIn, url: str) -> str:
    found = TOKEN.search(browser.get(url).get_data(as_text=True))
    assert found
    return found.group(1)


def count(session: Session, model: type) -> int:
    reread(session)
    return session.scalar(select(func.count()).select_from(model)) or 0


def urls(code: str) -> list[str]:
    return [
        f"/cases/people/{code}/insurance",
        f"/cases/people/{code}/reaffiliation",
        f"/cases/people/{code}/profile",
    ]


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER, Role.ADMIN])
def test_only_social_workers_see_or_record_rights(
    role: Role, office: Office, login_as: Callable[..., LoggedIn], session: Session
) -> None:
    other = login_as(role)
    for url in urls(office.person.code):
        assert other.get(url).status_code == 403, url
        posted = {**ASSESSMENT, "status": "insured", "step": "request_filed"}
        assert other.post(url, posted).status_code == 403, url
    assert count(session, InsuranceRecord) == count(session, ReaffiliationEvent) == 0
    assert count(session, SubstanceAssessment) == 0


def test_the_file_says_nothing_is_recorded_yet(office: Office) -> None:
    html = office.worker.get(f"/cases/people/{office.person.code}", headers=EN).get_data(
        as_text=True
    )
    assert "Rights and health insurance" in html and "Not recorded yet." in html
    assert "No re-affiliation step." in html and "Record an assessment" in html
    for url in urls(office.person.code):
        assert f'href="{url}"' in html


def test_a_status_posted_twice_is_one_record_and_shows_on_the_file(
    office: Office, session: Session
) -> None:
    code = office.person.code
    form = {
        "form_token": token_of(office.worker, f"/cases/people/{code}/insurance"),
        "status": "not_in_order",
        "recorded_on": TODAY,
    }
    first = office.worker.post(f"/cases/people/{code}/insurance", form)
    assert first.status_code == 302 and first.headers["Location"].endswith("#rights")
    again = office.worker.post(f"/cases/people/{code}/insurance", form, headers=EN)
    assert again.status_code == 302
    assert count(session, InsuranceRecord) == 1
    html = office.worker.get(f"/cases/people/{code}", headers=EN).get_data(as_text=True)
    assert 'data-testid="insurance-status"' in html and "Insurance not in order" in html
    history = office.worker.get(f"/cases/people/{code}/insurance", headers=EN)
    assert "Insurance not in order" in history.get_data(as_text=True)


def test_a_bad_status_is_explained_and_kept(office: Office, session: Session) -> None:
    code = office.person.code
    future = (today_in_brussels() + timedelta(days=2)).isoformat()
    office.worker.get(f"/cases/people/{code}/insurance")
    response = office.worker.post(
        f"/cases/people/{code}/insurance",
        {"status": "urgent_medical_aid", "recorded_on": future},
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "This date is in the future." in html
    assert f'value="{future}"' in html
    assert CHECKED.findall(html) == ["urgent_medical_aid"]
    missing = office.worker.post(
        f"/cases/people/{code}/insurance", {"recorded_on": TODAY}, headers=EN
    )
    assert missing.status_code == 422
    assert "This field is required." in missing.get_data(as_text=True)
    assert count(session, InsuranceRecord) == 0


def test_a_backdated_status_is_kept_but_not_current(office: Office, session: Session) -> None:
    code = office.person.code
    url = f"/cases/people/{code}/insurance"
    office.worker.get(url)
    office.worker.post(url, {"status": "urgent_medical_aid", "recorded_on": TODAY})
    earlier = (today_in_brussels() - timedelta(days=300)).isoformat()
    answer = office.worker.post(
        url, {"status": "irregular_stay", "recorded_on": earlier}, headers=EN, follow_redirects=True
    )
    html = answer.get_data(as_text=True)
    assert "dated before the current status" in html
    assert count(session, InsuranceRecord) == 2
    section = html.split('data-testid="insurance-status"')[1].split("</dl>")[0]
    assert "Urgent medical aid" in section and "Irregular stay" not in section


def test_a_reaffiliation_through_the_pages(office: Office, session: Session) -> None:
    code = office.person.code
    url = f"/cases/people/{code}/reaffiliation"
    page = office.worker.get(url, headers=EN).get_data(as_text=True)
    # At the start: documents or the request, nothing else.
    assert 'value="documents_gathered"' in page and 'value="request_filed"' in page
    assert 'value="affiliated"' not in page
    form = {"form_token": token_of(office.worker, url), "step": "request_filed", "on": TODAY}
    assert office.worker.post(url, form).status_code == 302
    # The same form again (a double click): told it was saved, not that the step is out of order.
    again = office.worker.post(url, form, headers=EN, follow_redirects=True)
    assert "This form was already saved" in again.get_data(as_text=True)
    assert count(session, ReaffiliationEvent) == 1
    page = office.worker.get(url, headers=EN).get_data(as_text=True)
    assert 'value="affiliated"' in page and 'value="refused"' in page
    assert 'value="request_filed"' not in page
    done = office.worker.post(
        url, {"step": "affiliated", "on": TODAY}, headers=EN, follow_redirects=True
    )
    html = done.get_data(as_text=True)
    assert "the person is now recorded as insured" in html
    assert 'data-testid="reaffiliation-steps"' in html and "Affiliated" in html
    assert "Insured with a health insurance fund" in html
    assert count(session, InsuranceRecord) == 1


def test_a_step_out_of_order_is_explained_and_the_date_kept(
    office: Office, session: Session
) -> None:
    code = office.person.code
    url = f"/cases/people/{code}/reaffiliation"
    office.worker.get(url)
    # A page left open before a colleague's step, or a hand-made request.
    early = (today_in_brussels() - timedelta(days=3)).isoformat()
    response = office.worker.post(url, {"step": "affiliated", "on": early}, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A decision (affiliated or refused) follows a filed request." in html
    assert f'value="{early}"' in html and 'id="step-error"' in html
    office.worker.post(url, {"step": "request_filed", "on": TODAY})
    twice = office.worker.post(url, {"step": "request_filed", "on": TODAY}, headers=EN)
    assert twice.status_code == 422
    assert "A request is already filed and waits for its decision." in twice.get_data(as_text=True)
    before = office.worker.post(url, {"step": "refused", "on": early}, headers=EN)
    assert before.status_code == 422
    assert "before the last step of the re-affiliation" in before.get_data(as_text=True)
    assert count(session, ReaffiliationEvent) == 1


def test_an_assessment_posted_twice_is_one_and_shows_over_time(
    office: Office, session: Session
) -> None:
    code = office.person.code
    url = f"/cases/people/{code}/profile"
    page = office.worker.get(url, headers=EN).get_data(as_text=True)
    assert "No assessment yet." in page and 'data-testid="prefilled"' not in page
    form = {"form_token": token_of(office.worker, url), **ASSESSMENT}
    saved = office.worker.post(url, form)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#assessments")
    office.worker.post(url, form)
    assert count(session, SubstanceAssessment) == 1
    # The next one starts from the last answers; only what changed is changed.
    page = office.worker.get(url, headers=EN).get_data(as_text=True)
    assert 'data-testid="prefilled"' in page
    assert re.search(r'<option selected value="1.1">Heroin</option>', page)
    changed = {**ASSESSMENT, "substitution": "current"}
    office.worker.post(url, {"form_token": token_of(office.worker, url), **changed})
    assert count(session, SubstanceAssessment) == 2
    page = office.worker.get(url, headers=EN).get_data(as_text=True)
    table = page.split('data-testid="assessments"')[1].split("</table>")[0]
    assert table.count("<tr>") == 3  # the heading and one row per assessment
    assert table.count(">changed<") == 1 and "<strong>Currently</strong>" in table
    html = office.worker.get(f"/cases/people/{code}", headers=EN).get_data(as_text=True)
    assert 'data-testid="profile-summary"' in html and "Heroin" in html and "Crack cocaine" in html


def test_a_bad_assessment_is_explained_and_kept(office: Office, session: Session) -> None:
    url = f"/cases/people/{office.person.code}/profile"
    office.worker.get(url)
    bad = {**ASSESSMENT, "primary_drug": "8", "secondary_drug": "", "hcv_testing": "99"}
    response = office.worker.post(url, bad, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Alcohol is recorded as a secondary drug only." in html
    assert 'id="secondary_drug-error"' in html and "This field is required." in html
    assert '<option selected value="8">' in html and '<option selected value="99">' in html
    same = office.worker.post(url, {**ASSESSMENT, "secondary_drug": "1.1"}, headers=EN)
    assert same.status_code == 422
    assert "The secondary drug must differ from the primary drug." in same.get_data(as_text=True)
    future = (today_in_brussels() + timedelta(days=1)).isoformat()
    late = office.worker.post(url, {**ASSESSMENT, "assessed_on": future}, headers=EN)
    assert late.status_code == 422 and "This date is in the future." in late.get_data(as_text=True)
    assert count(session, SubstanceAssessment) == 0


def test_assessments_past_one_page(office: Office, session: Session) -> None:
    # The table's columns are the form's and the service's answers, in one order.
    assert tuple(routes.ANSWERS) == profile.ANSWERS
    url = f"/cases/people/{office.person.code}/profile"
    for days in range(routes.ASSESSMENTS_PER_PAGE + 1):
        day = (today_in_brussels() - timedelta(days=days)).isoformat()
        office.worker.get(url)
        office.worker.post(url, {**ASSESSMENT, "assessed_on": day})
    assert count(session, SubstanceAssessment) == routes.ASSESSMENTS_PER_PAGE + 1
    second = office.worker.get(f"{url}?page=2", headers=EN).get_data(as_text=True)
    table = second.split('data-testid="assessments"')[1].split("</table>")[0]
    assert table.count("<tr>") == 2 and 'rel="prev"' in second


def test_recording_rights_counts_as_a_contact(office: Office, session: Session) -> None:
    person = session.get_one(Person, office.person.id)
    person.last_activity_at -= timedelta(days=100)
    session.commit()
    before = person.last_activity_at
    url = f"/cases/people/{person.code}/insurance"
    office.worker.get(url)
    office.worker.post(url, {"status": "insured", "recorded_on": TODAY})
    reread(session)
    assert session.get_one(Person, person.id).last_activity_at > before + timedelta(days=99)
    assert InsuranceStatus.INSURED in session.scalars(select(InsuranceRecord.status)).all()
