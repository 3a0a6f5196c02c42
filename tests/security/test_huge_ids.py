"""A number past any record id, in a path, a filter or a form field, is "not found" or a clear
error: never the database's integer overflow (a 500)."""
import pytest
from flask import url_for

from helpdesk.extensions import db
from helpdesk.util.ids import MAX_ID, parse_id
from helpdesk.models import Ticket
from tests.helpers import login, make_channel, make_department, make_ticket, make_user, post_form

HUGE = "99999999999999999999"  # past SQLite's 64-bit integers too


@pytest.mark.parametrize("value,expected", [
    ("1", 1), (" 42 ", 42), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), None), (HUGE, None),
    ("0", None), ("-3", None), ("", None), (None, None), ("12a", None), ("١٢", None), (7, 7),
])
def test_parse_id(value, expected):
    assert parse_id(value) == expected


@pytest.fixture
def desk(ctx):
    social = make_department("Комитет по социальной политике")
    ticket = make_ticket(make_channel(), social, "Когда починят дорогу?")
    make_user("admin1", "admin")
    make_user("press1", "press")
    db.session.commit()
    return ticket


def test_every_get_route_with_an_id_answers_404_past_the_ids(app, client, desk):
    login(client, "admin1")
    checked = []
    for rule in app.url_map.iter_rules():
        ids = [name for name, conv in rule._converters.items() if conv.__class__.__name__ == "IdConverter"]
        if not ids or "GET" not in rule.methods or rule.endpoint.startswith("inbox_webhooks."):
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: 1 for name in rule.arguments})
        # Put the huge number where the first id goes (the others stay valid).
        path = url.replace("/1", "/" + HUGE, 1) if "/1" in url else url
        response = client.get(path)
        assert response.status_code == 404, (rule.rule, path, response.status_code)
        checked.append(rule.rule)
    assert len(checked) >= 8, checked


def test_huge_numbers_in_filters_are_clear_errors(client, desk):
    login(client, "admin1")
    for url in (f"/audit/?before={HUGE}", f"/audit/?ticket={HUGE}",
                f"/tickets?queue=all&department_id={HUGE}", f"/tickets/{desk.id}?canned={HUGE}"):
        assert client.get(url).status_code in (200, 404), url
    html = client.get(f"/tickets?queue=all&department_id={HUGE}").get_data(as_text=True)
    assert "Неверное значение фильтра" in html
    for url in (f"/reports/?department={HUGE}",
                f"/exports/?department={HUGE}&from=2026-11-01&to=2026-11-26"):
        response = client.get(url)
        assert response.status_code < 500 and "Неверный идентификатор подразделения" in \
            response.get_data(as_text=True), url


def test_huge_numbers_in_ticket_forms_change_nothing(client, desk):
    login(client, "press1")
    page = f"/tickets/{desk.id}"
    for action, data in (("assign", {"assignee_id": HUGE}), ("reroute", {"department_id": HUGE})):
        response = post_form(client, page, f"{page}/{action}", data)
        assert response.status_code == 302, action
        assert "Неверное числовое значение" in client.get(page).get_data(as_text=True)
    post_form(client, page, f"{page}/merge", {"target": HUGE})
    assert "не найдено" in client.get(page).get_data(as_text=True)
    db.session.expire_all()
    ticket = db.session.get(Ticket, desk.id)
    assert ticket.status != "merged" and ticket.assignee_id is None
