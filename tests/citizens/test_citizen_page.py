"""The citizen page: who sees what, linking and unlinking through it, the ticket's history."""
import pytest
from sqlalchemy import select

from helpdesk.citizens import people
from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from tests.helpers import csrf_from, post_form


def _page(client, citizen_id: int, query: str = ""):
    response = client.get(f"/citizens/{citizen_id}" + (f"?q={query}" if query else ""))
    return response.status_code, response.get_data(as_text=True)


def _last(action: str) -> AuditEvent | None:
    db.session.expire_all()
    return db.session.scalar(select(AuditEvent).where(AuditEvent.action == action)
                             .order_by(AuditEvent.id.desc()).limit(1))


def test_press_sees_every_identity_ticket_message_and_suggestion(cross, signed_in):
    people.link(cross.maria_tg, cross.maria_vk.id, cross.world.users["press"])
    db.session.commit()
    status, html = _page(signed_in("press"), cross.maria_tg.id)
    assert status == 200
    for ticket in (cross.tg_ticket, cross.vk_ticket):
        assert f"№ {ticket.number}" in html
    assert "Маша К." in html and "@maria_k" in html and "https://t.me/maria_k" in html
    assert "Не выплатили пособие" in html and "когда починят дорогу" in html  # both channels
    assert "Возможно, это тот же человек" in html
    assert f'id="candidate-{cross.maria_ok.id}"' in html
    assert "те же фамилия и имя: Кузнецова Мария" in html
    assert f'id="unlink-{cross.maria_vk.id}"' in html
    event = _last("citizen_viewed")
    assert (event.username, event.object_type, event.object_id) == (
        "press", "citizen", str(cross.maria_tg.id))
    assert sorted(event.details["identities"]) == sorted([cross.maria_tg.id, cross.maria_vk.id])
    assert sorted(event.details["tickets"]) == sorted([cross.tg_ticket.id, cross.vk_ticket.id])
    assert event.details["suggested"] == [cross.maria_ok.id]


def test_link_from_the_page_then_the_ticket_shows_both_channels(cross, signed_in):
    client = signed_in("press")
    page = f"/tickets/{cross.tg_ticket.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Других обращений нет" in html and f'href="/citizens/{cross.maria_tg.id}"' in html
    response = post_form(client, f"/citizens/{cross.maria_tg.id}",
                         f"/citizens/{cross.maria_tg.id}/link",
                         {"identity_id": str(cross.maria_vk.id)})
    assert response.status_code == 302
    assert "Учётная запись связана" in client.get(response.location).get_data(as_text=True)
    html = client.get(page).get_data(as_text=True)
    assert "История на всех площадках (1)" in html and cross.vk_ticket.number in html
    assert 'class="chan-badge chan-vk"' in html and "Других обращений нет" not in html
    assert _last("citizen_linked").details["identity"] == cross.maria_vk.id
    # And back: unlinked, the ticket shows no other ticket again.
    response = post_form(client, f"/citizens/{cross.maria_tg.id}",
                         f"/citizens/{cross.maria_tg.id}/unlink",
                         {"identity_id": str(cross.maria_vk.id)})
    assert response.status_code == 302
    assert "Других обращений нет" in client.get(page).get_data(as_text=True)
    assert _last("citizen_unlinked").details["identity"] == cross.maria_vk.id


def test_a_refused_link_is_flashed_and_changes_nothing(cross, signed_in):
    client = signed_in("admin")
    url = f"/citizens/{cross.maria_tg.id}"
    response = post_form(client, url, f"{url}/link", {"identity_id": str(cross.maria_tg.id)})
    assert response.status_code == 302
    assert "уже связана" in client.get(response.location).get_data(as_text=True)
    response = post_form(client, url, f"{url}/link", {"identity_id": "не число"})
    assert "не найдена" in client.get(response.location).get_data(as_text=True)
    assert _last("citizen_linked") is None


def test_specialists_see_the_person_only_through_their_departments_tickets(cross, signed_in):
    """Telegram's ticket is the social committee's, VK's the economy committee's."""
    people.link(cross.maria_tg, cross.maria_vk.id, cross.world.users["press"])
    db.session.commit()
    status, html = _page(signed_in("spec_a"), cross.maria_vk.id)  # via the identity they can't see
    assert status == 200
    assert f"№ {cross.tg_ticket.number}" in html and cross.vk_ticket.number not in html
    assert "Не выплатили пособие" not in html and "Маша К." not in html
    assert "Возможно, это тот же человек" not in html and "/link" not in html
    assert "показаны обращения вашего подразделения" in html
    ticket_page = signed_in("spec_a").get(f"/tickets/{cross.tg_ticket.id}").get_data(as_text=True)
    assert cross.vk_ticket.number not in ticket_page and "Других обращений нет" in ticket_page
    status, html = _page(signed_in("spec_b"), cross.maria_tg.id)
    assert status == 200 and cross.vk_ticket.number in html and cross.tg_ticket.number not in html


def test_a_specialist_without_a_ticket_of_the_person_gets_404_and_the_attempt_is_audited(
        cross, signed_in):
    client = signed_in("spec_b")  # economy: none of the OK identity's tickets
    assert _page(client, cross.maria_ok.id)[0] == 404
    event = _last("access_denied")
    assert (event.username, event.object_type, event.object_id) == (
        "spec_b", "citizen", str(cross.maria_ok.id))
    assert _last("citizen_viewed") is None
    assert _page(client, 10**6)[0] == 404


@pytest.mark.parametrize("who", ["auditor", "spec_a"])
def test_only_press_and_admins_link(cross, signed_in, who):
    client = signed_in(who)
    status, html = _page(client, cross.maria_tg.id)
    assert status == 200 and "Связать учётную запись" not in html and "/unlink" not in html
    token = csrf_from(html)
    for action in ("link", "unlink", "anonymise"):
        response = client.post(f"/citizens/{cross.maria_tg.id}/{action}",
                               data={"identity_id": str(cross.maria_vk.id), "csrf_token": token})
        assert response.status_code == 403
    assert _last("citizen_linked") is None


@pytest.mark.parametrize("query_of", [
    lambda c: "кузнецова",                      # a name, in any case
    lambda c: "Мария Кузнецова",
    lambda c: c.ok_ticket.number,               # a ticket number
    lambda c: c.ok_ticket.number.replace("-00", "-"),  # without the leading zeros
    lambda c: c.maria_ok.external_user_id,      # the platform id
])
def test_search_finds_an_identity_to_link(cross, signed_in, query_of):
    status, html = _page(signed_in("press"), cross.maria_tg.id, query_of(cross))
    assert status == 200
    results = html.split('id="link-card"', 1)[1]
    assert f'id="candidate-{cross.maria_ok.id}"' in results
    assert f'id="candidate-{cross.maria_tg.id}"' not in results  # never the person itself


def test_search_by_phone_and_username(cross, signed_in):
    client = signed_in("press")
    results = _page(client, cross.maria_ok.id, "+7 (900) 123-45-67")[1].split('id="link-card"')[1]
    assert f'id="candidate-{cross.maria_tg.id}"' in results
    assert f'id="candidate-{cross.maria_vk.id}"' in results
    results = _page(client, cross.maria_ok.id, "@Maria_K")[1].split('id="link-card"')[1]
    assert f'id="candidate-{cross.maria_tg.id}"' in results
    html = _page(client, cross.maria_ok.id, "%_")[1]
    assert 'id="no-results"' in html
    event = _last("citizen_viewed")
    assert "found" not in event.details  # nothing was shown


def test_search_results_are_audited(cross, signed_in):
    _page(signed_in("press"), cross.maria_tg.id, "Петров")
    assert _last("citizen_viewed").details["found"] == [cross.world.ticket.citizen_id]
