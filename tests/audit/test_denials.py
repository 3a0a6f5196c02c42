"""Refused attempts are audited: another department's ticket (404) and a write by a read-only
role (403); a ticket that does not exist is only a 404."""
from sqlalchemy import select

from helpdesk.extensions import db, limiter
from helpdesk.models import AuditEvent
from tests.helpers import csrf_from, login, make_channel, make_department, make_ticket, make_user


def denials() -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "access_denied").order_by(AuditEvent.id)))


def test_other_departments_ticket_is_404_and_audited(ctx, client):
    limiter.reset()
    mine, other = make_department("Отдел А"), make_department("Отдел Б")
    make_user("spec_a", "specialist", mine)
    foreign = make_ticket(make_channel(), other)
    db.session.commit()
    login(client, "spec_a")
    assert client.get(f"/tickets/{foreign.id}").status_code == 404
    assert client.get("/tickets/987654").status_code == 404  # no such ticket: not an attempt
    rows = denials()
    assert [(r.username, r.object_type, r.object_id, r.result) for r in rows] == [
        ("spec_a", "ticket", str(foreign.id), "denied")]
    assert rows[0].details["path"] == f"/tickets/{foreign.id}"


def test_auditor_write_is_403_and_audited(ctx, client):
    limiter.reset()
    dept = make_department()
    make_user("aud", "auditor")
    t = make_ticket(make_channel(), dept)
    db.session.commit()
    login(client, "aud")
    token = csrf_from(client.get(f"/tickets/{t.id}").get_data(as_text=True))
    answer = client.post(f"/tickets/{t.id}/note", data={"csrf_token": token, "text": "заметка"})
    assert answer.status_code == 403
    rows = denials()
    assert len(rows) == 1 and rows[0].username == "aud" and rows[0].object_type == "route"
    assert rows[0].details["method"] == "POST"
    page = client.get("/audit/?action=access_denied").get_data(as_text=True)
    assert "Отказано в доступе" in page and "отказано" in page


def test_audit_page_names_objects(ctx, client):
    limiter.reset()
    make_user("aud2", "auditor")
    t = make_ticket(make_channel(), make_department())
    db.session.commit()
    login(client, "aud2")
    client.get(f"/tickets/{t.id}")  # ticket_viewed
    page = client.get("/audit/?action=ticket_viewed&user=AUD").get_data(as_text=True)
    assert f"Обращение {t.number}" in page and "успешно" in page
