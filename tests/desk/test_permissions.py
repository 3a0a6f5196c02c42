"""Every ticket action × every role: allowed roles change state and audit; others get 403/404."""

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Message, OutboxItem, Ticket
from helpdesk.models.canned import CannedResponse
from helpdesk.models.message import Delivery, Direction
from tests.desk.world import add_ticket
from tests.helpers import post_form


def _registered(world):
    from helpdesk.tickets import lifecycle

    lifecycle.register_appeal(world.ticket, world.users["press"], "Иванов Иван", "Казань, ул. Баумана, 1")


def _failed_reply(world):
    from helpdesk.inbox.outbox import send_reply

    msg = send_reply(world.ticket, world.users["press"], "Первый ответ")
    msg.delivery_status = Delivery.FAILED
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.message_id == msg.id))
    item.status = "failed"
    return {"message_id": msg.id}


def _duplicate(world):
    other = add_ticket(world.channel, world.social, text="Та же дорога", citizen=world.ticket.citizen)
    return {"target": other.number}


# action → (url suffix, form builder(world, ctx), prepare(world) → ctx, check(ticket, world, ctx), audit action)
ACTIONS = {
    "note": ("note", lambda w, c: {"text": "Позвонить в район"}, None,
             lambda t, w, c: db.session.scalar(select(Message).where(
                 Message.ticket_id == t.id, Message.direction == Direction.NOTE)) is not None,
             "note_added"),
    "reply": ("reply", lambda w, c: {"text": "Ремонт запланирован", "final": "1"}, None,
              lambda t, w, c: t.status == "answered" and t.answered_at is not None, "reply_sent"),
    "assign": ("assign", lambda w, c: {"assignee_id": str(w.users["spec_a2"].id)}, None,
               lambda t, w, c: t.assignee_id == w.users["spec_a2"].id, "ticket_assigned"),
    "reroute": ("reroute", lambda w, c: {"department_id": str(w.economy.id)}, None,
                lambda t, w, c: t.department_id == w.economy.id, "ticket_rerouted"),
    "status": ("status", lambda w, c: {"status": "triage"}, None,
               lambda t, w, c: t.status == "triage", "status_changed"),
    "register": ("register", lambda w, c: {"name": "Петров Иван Сергеевич",
                                           "address": "420111, Казань, ул. Баумана, 1"}, None,
                 lambda t, w, c: t.kind == "appeal" and t.registered_at is not None
                 and t.answer_due is not None, "appeal_registered"),
    "extend": ("extend", lambda w, c: {"days": "20", "reason": "Нужен запрос в министерство"},
               _registered, lambda t, w, c: t.extended_until is not None
               and t.extension_reason == "Нужен запрос в министерство", "deadline_extended"),
    "forward": ("forward", lambda w, c: {"body": "Прокуратура РТ"}, None,
                lambda t, w, c: t.status == "forwarded" and t.forwarded_to == "Прокуратура РТ",
                "ticket_forwarded"),
    "close": ("close", lambda w, c: {"result": "no_answer", "reason": "repeated"}, None,
              lambda t, w, c: t.status == "closed" and t.result == "no_answer"
              and t.close_reason == "repeated", "ticket_closed"),
    "merge": ("merge", lambda w, c: c, _duplicate,
              lambda t, w, c: t.status == "merged" and t.merged_into_id is not None, "ticket_merged"),
    "retry": (None, lambda w, c: {}, _failed_reply,
              lambda t, w, c: db.session.get(Message, c["message_id"]).delivery_status == "pending",
              "reply_retried"),
}
ROLES = {"press": 302, "admin": 302, "spec_a": 302, "auditor": 403, "spec_b": 404}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_action_permissions(world, signed_in, action, role):
    suffix, form, prepare, check, audit_action = ACTIONS[action]
    ctx = prepare(world) if prepare else None
    db.session.commit()
    ticket_id = world.ticket.id
    url = (f"/tickets/{ticket_id}/{suffix}" if suffix
           else f"/tickets/{ticket_id}/messages/{ctx['message_id']}/retry")
    before = db.session.scalar(select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action == audit_action))
    client = signed_in(role)
    response = post_form(client, f"/tickets/{ticket_id}", url, form(world, ctx))  # as from the ticket page
    expected = ROLES[role]
    assert response.status_code == expected, response.get_data(as_text=True)[:400]
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket_id)
    after = db.session.scalar(select(db.func.count(AuditEvent.id)).where(
        AuditEvent.action == audit_action))
    if expected == 302:
        page = client.get(f"/tickets/{ticket_id}")
        assert "alert-danger" not in page.get_data(as_text=True), page.get_data(as_text=True)
        assert check(ticket, world, ctx)
        assert after == before + 1
    else:
        assert not check(ticket, world, ctx)
        assert after == before


@pytest.mark.parametrize("role,expected", [("press", 200), ("admin", 200), ("spec_a", 200),
                                           ("auditor", 200), ("spec_b", 404)])
@pytest.mark.parametrize("path", ["", "/delivery"])
def test_read_routes_respect_department(world, signed_in, role, expected, path):
    assert signed_in(role).get(f"/tickets/{world.ticket.id}{path}").status_code == expected


@pytest.mark.parametrize("role,expected", [("press", 200), ("spec_a", 200), ("spec_b", 404)])
def test_canned_partial_respects_department(world, signed_in, role, expected):
    canned = CannedResponse(title="Приветствие", body="Здравствуйте, {name}! № {number}, срок {due}.")
    db.session.add(canned)
    db.session.commit()
    response = signed_in(role).get(f"/tickets/{world.ticket.id}/canned/{canned.id}")
    assert response.status_code == expected
    if expected == 200:
        html = response.get_data(as_text=True)
        assert f"Здравствуйте, Иван Петров! № {world.ticket.number}, срок " in html
        assert "{due}" not in html


@pytest.mark.parametrize("role,expected", [("admin", 200), ("press", 403), ("spec_a", 403),
                                           ("auditor", 403)])
@pytest.mark.parametrize("url", ["/settings/deadlines", "/settings/calendar"])
def test_settings_admin_only(world, signed_in, role, expected, url):
    assert signed_in(role).get(url).status_code == expected


def test_auditor_sees_no_action_forms(world, signed_in):
    html = signed_in("auditor").get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    assert "/reply" not in html and "/close" not in html


SETTINGS_POSTS = [
    ("/settings/deadlines", {"form": "message", "m-first_response_hours": "4", "m-answer_working_days": "5"}),
    ("/settings/calendar", {"day": "2026-03-11", "kind": "holiday"}),
    ("/settings/calendar/2026-08-30/delete", {}),
]


@pytest.mark.parametrize("role", ["press", "spec_a", "auditor"])
@pytest.mark.parametrize("url,data", SETTINGS_POSTS)
def test_settings_writes_are_admin_only(world, signed_in, role, url, data):
    from helpdesk.deadlines import store
    from helpdesk.models.deadlines import CalendarDay

    before = db.session.scalar(select(db.func.count(CalendarDay.id)))
    response = post_form(signed_in(role), "/tickets", url, data)
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count(CannedResponse.id))) == 0
    assert db.session.scalar(select(db.func.count(CalendarDay.id))) == before
    assert store.load_policies().message.first_response_hours == 8


@pytest.mark.parametrize("role", ["spec_a", "auditor"])
def test_shared_canned_toggle_is_for_press_and_admins(world, signed_in, role):
    c = CannedResponse(title="X", body="Y")
    db.session.add(c)
    db.session.commit()
    assert post_form(signed_in(role), "/tickets", f"/settings/canned/{c.id}/toggle", {}).status_code == 403
    db.session.expire_all()
    assert c.active


def test_get_never_changes_state(world, signed_in):
    for suffix in ("reply", "close", "merge", "register", "extend", "forward", "assign"):
        assert signed_in("press").get(f"/tickets/{world.ticket.id}/{suffix}").status_code == 405


def test_post_without_csrf_is_refused(world, signed_in):
    response = signed_in("press").post(f"/tickets/{world.ticket.id}/close", data={"result": "explained"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Ticket, world.ticket.id).status == "assigned"
