"""The list made for triage: previews, one-click routing to the routing's top departments."""
import re

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, RoutingDecision, Ticket
from helpdesk.tickets.list_extras import department_short, preview
from tests.desk.world import add_ticket
from tests.helpers import csrf_from


def test_preview_is_one_line_cut_after_a_word():
    assert preview("  Здравствуйте!\n\nНет   света ") == "Здравствуйте! Нет света"
    cut = preview("слово " * 100, limit=40)
    assert cut.endswith("слово…") and len(cut) <= 41
    assert preview("x" * 300, limit=10) == "x" * 10 + "…"


def test_department_short_keeps_whole_words():
    assert department_short("Комитет по социальной политике") == "социальной политике"
    short = department_short("Комитет по экологии, природопользованию, агропромышленной и "
                             "продовольственной политике")
    assert short == "экологии…"
    assert department_short("Пресс-служба") == "Пресс-служба"


def _triage_ticket(world, candidates):
    ticket = add_ticket(world.channel, None, status="triage", text="Когда починят дорогу?")
    db.session.add(RoutingDecision(ticket_id=ticket.id, language="ru", confidence=0.4,
                                   to_triage=True, reason="low_confidence", matched_rules=[],
                                   candidates=candidates))
    db.session.commit()
    return ticket


def test_triage_rows_offer_the_top_departments_and_route_in_one_click(world, signed_in):
    ticket = _triage_ticket(world, [
        {"label": "Дороги", "score": 0.4, "department_id": world.economy.id},
        {"label": "ЖКХ", "score": 0.3, "department_id": world.economy.id},  # the same department once
        {"label": "Соцзащита", "score": 0.2, "department_id": world.social.id},
        {"label": "Неизвестно", "score": 0.1, "department_id": None}])
    client = signed_in("press")
    html = client.get("/tickets?queue=triage").get_data(as_text=True)
    row = re.search(rf'<tr [^>]*data-ticket="{ticket.number}">(.*?)</tr>', html, re.S).group(1)
    assert "Когда починят дорогу?" in row
    buttons = re.findall(r'title="Передать: ([^"]+)"', row)
    assert buttons == [world.economy.name, world.social.name]
    version = re.search(r'name="version" value="([^"]+)"', row).group(1)
    token = csrf_from(html)
    response = client.post(f"/tickets/{ticket.id}/route-to", data={
        "csrf_token": token, "version": version, "department_id": world.social.id,
        "next": "/tickets?queue=triage"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tickets?queue=triage")
    db.session.expire_all()
    routed = db.session.get(Ticket, ticket.id)
    assert routed.department_id == world.social.id and routed.status == "assigned"
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket_rerouted"))
    assert audit.object_id == str(ticket.id) and audit.details["department"] == world.social.id
    # The same click again (a stale row): refused by the version check, nothing changes.
    response = client.post(f"/tickets/{ticket.id}/route-to", data={
        "csrf_token": token, "version": version, "department_id": world.economy.id,
        "next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tickets?queue=triage")
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).department_id == world.social.id
    assert "изменилось" in client.get("/tickets?queue=triage").get_data(as_text=True)


def test_one_click_routing_is_refused_to_auditors_and_other_departments(world, signed_in):
    ticket = _triage_ticket(world, [{"label": "Дороги", "score": 0.4, "department_id": world.economy.id}])
    auditor = signed_in("auditor")
    html = auditor.get("/tickets?queue=triage").get_data(as_text=True)
    assert "Передать:" not in html
    response = auditor.post(f"/tickets/{ticket.id}/route-to", data={
        "csrf_token": csrf_from(html), "version": "x", "department_id": world.economy.id})
    assert response.status_code == 403
    spec = signed_in("spec_b")
    html = spec.get("/tickets").get_data(as_text=True)
    response = spec.post(f"/tickets/{ticket.id}/route-to", data={
        "csrf_token": csrf_from(html), "version": "x", "department_id": world.economy.id})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).department_id is None
