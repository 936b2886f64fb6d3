"""The visit screen: fast logging, and every bad input answered beside its field."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.privacy.codes import generate_code
from centre.reception.models import ReturnMethod, Visit, VisitSupply
from tests.conftest import LoggedIn, reread
from tests.reception.conftest import Desk

EN = {"Accept-Language": "en"}


def visits(session: Session) -> list[Visit]:
    reread(session)
    return list(session.scalars(select(Visit).order_by(Visit.id)))


def test_anonymous_visit_with_services_supplies_and_a_sharps_container(
    desk: Desk, session: Session
) -> None:
    form = desk.visit_form(
        **{
            f"service-{desk.shower.id}": "y",
            f"service-{desk.meal.id}": "y",
            f"supply-{desk.injection_set.id}": "10",
            "sharps_litres": "1.5",
            "gender": "man",
            "age_band": "35-39",
        }
    )
    response = desk.staff.post("/reception/visits", form)
    assert response.status_code == 302
    [visit] = visits(session)
    assert visit.person_id is None and visit.gender.value == "man"
    assert visit.age_band.value == "35-39"
    assert {s.service_id for s in visit.services} == {desk.shower.id, desk.meal.id}
    assert [(s.supply_id, s.quantity) for s in visit.supplies] == [(desk.injection_set.id, 10)]
    assert visit.return_method is ReturnMethod.ESTIMATED
    assert visit.returned_syringes == 120  # 1.5 litres x 80 syringes per litre


def test_visit_under_a_code_takes_the_persons_attributes(desk: Desk, session: Session) -> None:
    form = desk.visit_form(code=desk.person.code.lower(), returned_count="7")
    assert desk.staff.post("/reception/visits", form).status_code == 302
    [visit] = visits(session)
    assert visit.person_id == desk.person.id
    assert visit.returned_syringes == 7 and visit.return_method is ReturnMethod.COUNTED
    assert visit.age_band.value not in ("NK",)


def test_same_form_posted_twice_makes_one_visit(desk: Desk, session: Session) -> None:
    form = desk.visit_form(**{f"supply-{desk.condom.id}": "3"})
    first = desk.staff.post("/reception/visits", form)
    second = desk.staff.post("/reception/visits", form, headers=EN, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "already saved" in second.get_data(as_text=True)
    assert len(visits(session)) == 1


def test_mistyped_and_unknown_codes_keep_everything_typed(desk: Desk, session: Session) -> None:
    code = desk.person.code
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    form = desk.visit_form(
        code=typo,
        remark="came back tired",
        **{f"supply-{desk.condom.id}": "4", f"service-{desk.meal.id}": "y"},
    )
    response = desk.staff.post("/reception/visits", form, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This code is mistyped" in html and 'id="code-error"' in html
    assert f'value="{typo}"' in html and 'value="came back tired"' in html
    assert f'name="supply-{desk.condom.id}"' in html and 'value="4"' in html
    assert f'id="service-{desk.meal.id}" name="service-{desk.meal.id}" value="y" checked' in html
    # A well-formed code that belongs to nobody.
    unknown = next(c for c in iter(generate_code, None) if c != code)
    form["code"] = unknown
    html = desk.staff.post("/reception/visits", form, headers=EN).get_data(as_text=True)
    assert "No person has this code" in html and f'value="{unknown}"' in html
    assert visits(session) == []


def test_negative_absurd_and_above_max_quantities(desk: Desk, session: Session) -> None:
    cases = {
        "-2": "cannot be negative",
        "50000": "not possible",
        "3": "More than usual",
        "two": "whole number",
    }
    for value, text in cases.items():
        form = desk.visit_form(**{f"supply-{desk.naloxone.id}": value})
        response = desk.staff.post("/reception/visits", form, headers=EN)
        assert response.status_code == 422, value
        assert text in response.get_data(as_text=True), value
    assert visits(session) == []
    # The explicit override lets a large quantity through.
    form = desk.visit_form(**{f"supply-{desk.naloxone.id}": "3", "override_max": "y"})
    assert desk.staff.post("/reception/visits", form).status_code == 302
    reread(session)
    assert session.scalar(select(VisitSupply.quantity)) == 3


def test_inactive_items_are_refused(desk: Desk, session: Session) -> None:
    form = desk.visit_form(
        **{f"service-{desk.inactive_service.id}": "y", f"supply-{desk.inactive_supply.id}": "1"}
    )
    response = desk.staff.post("/reception/visits", form, headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.count("no longer in use") == 2
    assert visits(session) == []


def test_returns_counted_and_estimated_together_are_refused(desk: Desk, session: Session) -> None:
    form = desk.visit_form(returned_count="5", sharps_litres="1")
    html = desk.staff.post("/reception/visits", form, headers=EN).get_data(as_text=True)
    assert "either a counted number or a container volume" in html
    form = desk.visit_form(sharps_litres="500")
    html = desk.staff.post("/reception/visits", form, headers=EN).get_data(as_text=True)
    assert "between 0.1 and 100 litres" in html
    assert session.scalar(select(func.count()).select_from(Visit)) == 0


def test_screen_lists_the_shift_and_its_totals(desk: Desk) -> None:
    desk.staff.post(
        "/reception/visits",
        desk.visit_form(
            **{f"service-{desk.shower.id}": "y", f"supply-{desk.injection_set.id}": "10"}
        ),
    )
    desk.staff.post(
        "/reception/visits",
        desk.visit_form(
            code=desk.person.code, returned_count="4", **{f"supply-{desk.injection_set.id}": "2"}
        ),
    )
    html = desk.staff.get("/reception", headers=EN).get_data(as_text=True)
    assert 'data-total="visits">2<' in html and 'data-total="anonymous">1<' in html
    assert 'data-total="persons">1<' in html
    assert 'data-total="syringes_given">12<' in html
    assert 'data-total="syringes_returned">4<' in html
    assert 'data-supply-total="injection_set">12<' in html
    assert 'data-service-total="shower">1<' in html
    assert desk.person.code in html


def test_correct_and_delete_own_recent_visit_with_audit(desk: Desk, session: Session) -> None:
    desk.staff.post("/reception/visits", desk.visit_form(**{f"supply-{desk.condom.id}": "2"}))
    [visit] = visits(session)
    page = desk.staff.get(f"/reception/visits/{visit.id}/edit")
    assert page.status_code == 200
    assert f'name="supply-{desk.condom.id}"' in page.get_data(as_text=True)
    response = desk.staff.post(
        f"/reception/visits/{visit.id}/edit",
        {"code": "", "age_band": "NK", f"supply-{desk.condom.id}": "5"},
    )
    assert response.status_code == 302
    reread(session)
    assert session.scalar(select(VisitSupply.quantity)) == 5
    assert desk.staff.post(f"/reception/visits/{visit.id}/delete", {}).status_code == 200
    response = desk.staff.post(f"/reception/visits/{visit.id}/delete", {"reason": "mistake"})
    assert response.status_code == 302
    [deleted] = visits(session)
    assert deleted.deleted_at is not None and deleted.deletion_reason is not None
    assert deleted.deletion_reason.value == "mistake"
    html = desk.staff.get("/reception").get_data(as_text=True)
    assert 'data-total="visits">0<' in html
    from centre.audit.models import AuditEvent

    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type.like("visit%"))
    ).all()
    assert actions == ["visit.logged", "visit.corrected", "visit.deleted"]


def test_a_colleagues_visit_cannot_be_corrected(
    desk: Desk, session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    from centre.auth.models import Role

    desk.staff.post("/reception/visits", desk.visit_form(**{f"service-{desk.shower.id}": "y"}))
    [visit] = visits(session)
    colleague = login_as(Role.SOCIAL_WORKER)
    assert colleague.get(f"/reception/visits/{visit.id}/edit").status_code == 403
    assert (
        colleague.post(f"/reception/visits/{visit.id}/delete", {"reason": "mistake"}).status_code
        == 403
    )


def test_without_an_active_site_the_screen_says_what_to_do(
    login_as: Callable[..., LoggedIn],
) -> None:
    from centre.auth.models import Role

    staff = login_as(Role.RECEPTION)
    html = staff.get("/reception", headers=EN).get_data(as_text=True)
    assert "No site is active" in html
    response = staff.post("/reception/visits", {"age_band": "NK"})
    assert response.status_code == 302 and response.headers["Location"] == "/reception"


def test_screen_lists_the_latest_visits_and_links_to_all(desk: Desk, session: Session) -> None:
    from centre.reception.routes import visits as routes
    from centre.reception.services import visits as services
    from centre.reception.settings import ReceptionSettings
    from centre.reception.shifts import parse_shift_starts

    settings = ReceptionSettings(parse_shift_starts("07:00,15:00,23:00"), 80)
    count = routes.SCREEN_VISITS + 5
    for _ in range(count):
        services.log_visit(
            session,
            settings,
            actor_id=desk.staff.user.id,
            data=services.VisitInput(site_id=desk.site.id, service_ids=frozenset({desk.meal.id})),
        )
    session.commit()
    html = desk.staff.get("/reception", headers=EN).get_data(as_text=True)
    rows = html.split('data-testid="shift-visits"')[1].split("</table>")[0].count("<tr>") - 1
    assert rows == routes.SCREEN_VISITS
    assert f"Show all {count} visits of this shift" in html
    html = desk.staff.get("/reception?all=1", headers=EN).get_data(as_text=True)
    assert (
        html.split('data-testid="shift-visits"')[1].split("</table>")[0].count("<tr>") - 1 == count
    )


def test_choosing_the_site_of_this_terminal(desk: Desk, session: Session) -> None:
    from tests import factories

    women = factories.site(session, key="women", kind="womens_space")
    session.commit()
    html = desk.staff.get("/reception", headers=EN).get_data(as_text=True)
    assert f'<option selected value="{desk.site.id}">centre en</option>' in html
    desk.staff.post("/reception/site", {"site": str(women.id)})
    html = desk.staff.get("/reception", headers=EN).get_data(as_text=True)
    assert "Reception · women en" in html
    # Visits logged here count for the women's space without ticking it.
    desk.staff.post("/reception/visits", desk.visit_form(**{f"service-{desk.shower.id}": "y"}))
    [visit] = visits(session)
    assert visit.site_id == women.id and visit.womens_space


def test_an_edit_posted_without_its_fields_changes_nothing(desk: Desk, session: Session) -> None:
    form = desk.visit_form(
        code=desk.person.code,
        **{f"service-{desk.shower.id}": "y", f"supply-{desk.condom.id}": "3"},
    )
    desk.staff.post("/reception/visits", form)
    [visit] = visits(session)
    desk.staff.get(f"/reception/visits/{visit.id}/edit")
    response = desk.staff.post(f"/reception/visits/{visit.id}/edit", {}, headers=EN)
    assert response.status_code == 422
    assert "The form arrived incomplete" in response.get_data(as_text=True)
    reread(session)
    [kept] = visits(session)
    assert kept.person_id == desk.person.id
    assert [line.service_id for line in kept.services] == [desk.shower.id]
    assert [(line.supply_id, line.quantity) for line in kept.supplies] == [(desk.condom.id, 3)]


def test_a_visit_with_nothing_in_it_is_refused(desk: Desk, session: Session) -> None:
    response = desk.staff.post(
        "/reception/visits", desk.visit_form(gender="woman", remark="just passing"), headers=EN
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing to save" in html and 'value="just passing"' in html
    assert visits(session) == []
    # Emptying a saved visit through its correction form is refused the same way.
    desk.staff.post("/reception/visits", desk.visit_form(**{f"service-{desk.shower.id}": "y"}))
    [visit] = visits(session)
    desk.staff.get(f"/reception/visits/{visit.id}/edit")
    response = desk.staff.post(
        f"/reception/visits/{visit.id}/edit", {"code": "", "age_band": "NK"}, headers=EN
    )
    assert response.status_code == 422 and "Nothing to save" in response.get_data(as_text=True)
    reread(session)
    assert [line.service_id for line in visits(session)[0].services] == [desk.shower.id]
