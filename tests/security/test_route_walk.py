"""Walk every route of the app: another department's objects are never reachable, and
fuzzed form bodies never produce a server error.

New routes are covered automatically; a route whose arguments this walk cannot fill fails.
"""
import os
import random
import string

import pytest

from helpdesk.extensions import db
from helpdesk.models.canned import CannedResponse
from tests.helpers import csrf_from, login, make_channel, make_department, make_ticket, make_user

# Routes that are not about tickets, or that authenticate otherwise (webhooks), or are public.
NOT_TICKET_SCOPED = ("static", "auth.", "admin.", "inbox_webhooks.")


@pytest.fixture
def two_departments(ctx):
    mine = make_department("Комитет по социальной политике")
    theirs = make_department("Правовое управление")
    channel = make_channel()
    foreign = make_ticket(channel, theirs, "Чужое обращение", citizen_name="Чужой Гражданин")
    make_user("spec", "specialist", mine)
    db.session.add(CannedResponse(title="Общий ответ", body="Здравствуйте, {name}!"))
    db.session.commit()
    return foreign


def _ticket_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(NOT_TICKET_SCOPED):
            continue
        if "ticket_id" in rule.arguments:
            yield rule


def _url(app, rule, ticket_id):
    from helpdesk.models import Message

    values = {}
    for arg in rule.arguments:
        if arg == "ticket_id":
            values[arg] = ticket_id
        elif arg == "message_id":
            values[arg] = db.session.query(Message.id).filter_by(ticket_id=ticket_id).scalar()
        elif arg == "canned_id":
            values[arg] = db.session.query(CannedResponse.id).scalar()
        else:
            pytest.fail(f"route {rule.rule} has an argument {arg!r} this walk cannot fill")
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_other_departments_ticket_answers_404_on_every_route(app, client, two_departments):
    login(client, "spec")
    token = csrf_from(client.get("/tickets").get_data(as_text=True))
    checked = 0
    for rule in _ticket_rules(app):
        url = _url(app, rule, two_departments.id)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token, "text": "x", "department_id": "1"}
            response = client.open(url, method=method, data=data if method != "GET" else None)
            assert response.status_code == 404, f"{method} {url} -> {response.status_code}"
            checked += 1
    assert checked >= 2  # at least the ticket page and one action exist


FIELD_POOL = ["text", "name", "username", "password", "role", "department_id", "result",
              "reason", "days", "status", "assignee_id", "full_name", "email", "current", "new",
              "confirm", "is_triage", "active", "target", "q", "kind", "applicant_name",
              "applicant_address", "forwarded_to", "close_reason", "body", "title"]


def _junk(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return ""
    if kind == 1:
        return str(rng.randint(-10**12, 10**12))
    if kind == 2:
        return "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 60)))
    if kind == 3:
        return "Ӑә" * rng.randrange(1, 3000)
    if kind == 4:
        return "\x00\x01\ufffd" + "'; DROP TABLE tickets; --"
    if kind == 5:
        return "=HYPERLINK(\"http://x\")"
    if kind == 6:
        return rng.choice(["2026-13-45", "1e309", "NaN", "None", "true", "[]", "{}"])
    return "<script>alert(1)</script>" * rng.randrange(1, 5)


def test_fuzzed_form_bodies_never_cause_server_errors(app, ctx):
    dept = make_department("Комитет по социальной политике")
    ticket = make_ticket(make_channel(), dept)
    make_user("boss", "admin", dept)
    db.session.commit()
    client = app.test_client()
    login(client, "boss")
    token = csrf_from(client.get("/tickets").get_data(as_text=True))
    rng = random.Random(59)
    # The suite's default keeps it quick; FUZZ_BODIES=1000 gives the full run for the figures.
    per_route = int(os.environ.get("FUZZ_BODIES", "60"))
    tried = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in ("auth.logout",):
            continue
        values = {a: (ticket.id if a == "ticket_id" else 1) for a in rule.arguments}
        if not all(isinstance(v, int) for v in values.values()):
            continue
        with app.test_request_context():
            from flask import url_for

            try:
                url = url_for(rule.endpoint, **values)
            except Exception:  # a converter that takes no integers (e.g. slugs)
                url = rule.rule.replace("<", "").replace(">", "")
        for _ in range(per_route):
            data = {rng.choice(FIELD_POOL): _junk(rng) for _ in range(rng.randrange(0, 6))}
            if rng.random() < 0.9:
                data["csrf_token"] = token
            response = client.post(url, data=data)
            assert response.status_code < 500, f"POST {url} {data!r} -> {response.status_code}"
            tried += 1
    assert tried > 0
    print(f"fuzzed {tried} form bodies, 0 server errors")


@pytest.fixture
def press_on_ticket(app, ctx):
    """A signed-in press client, a ticket, and a CSRF token from its page."""
    ticket = make_ticket(make_channel(), make_department())
    make_user("press", "press")
    db.session.commit()
    client = app.test_client()
    login(client, "press")
    token = csrf_from(client.get(f"/tickets/{ticket.id}").get_data(as_text=True))
    return client, ticket, token


def test_nul_byte_in_a_form_is_a_clear_400(press_on_ticket):
    client, ticket, token = press_on_ticket
    response = client.post(f"/tickets/{ticket.id}/note", data={"text": "a\x00b", "csrf_token": token})
    assert response.status_code == 400
    assert "Некорректный запрос" in response.get_data(as_text=True)


def test_nul_byte_in_platform_text_is_dropped():
    from datetime import datetime, timezone

    from helpdesk.inbox.types import IncomingMessage

    message = IncomingMessage(event_key="e", message_key="m", external_user_id="1",
                              reply_address="1", text="при\x00вет", sent_at=datetime.now(timezone.utc),
                              display_name="Ив\x00ан")
    assert (message.text, message.display_name) == ("привет", "Иван")


def test_id_beyond_integer_range_is_a_clear_400(press_on_ticket):
    client, ticket, token = press_on_ticket
    response = client.post(f"/tickets/{ticket.id}/assign",
                           data={"assignee_id": str(-58080033265), "csrf_token": token})
    # On PostgreSQL the id cannot even be looked up (integer out of range): a 400, not a 500.
    assert response.status_code in (302, 400, 422), response.status_code
