"""Retention: personal data of old closed tickets is gone, the statistics are unchanged."""
from datetime import date, timedelta

import pytest
from sqlalchemy import JSON, String, Text, select, text

from helpdesk.exports.filters import ExportFilter
from helpdesk.exports.response_times import response_time_rows
from helpdesk.exports.sstu import grouped_counts, summarise
from helpdesk.extensions import db
from helpdesk.models import Attachment, AuditEvent, Citizen, Message, Ticket
from helpdesk.models.setting import set_setting
from helpdesk.models.ticket import TicketKind, TicketStatus
from helpdesk.models.types import utcnow
from helpdesk.retention.services import RetentionError, run_retention
from tests.exports.factories import ticket
from tests.helpers import make_channel, make_department

PII = ("Сидоров", "sidorov_p", "Кузнецова", "ул. Ленина", "kuz@example.org", "разбитая дорога",
       "secret-photo", "+79001234567")


def _seed(app, tmp_path):
    app.config["ATTACHMENTS_DIR"] = str(tmp_path)
    dept = make_department()
    vk = make_channel("vk", "vk-main")
    now = utcnow()
    old_closed = now - timedelta(days=1200)
    old = ticket(vk, dept, received=old_closed - timedelta(days=3), status=TicketStatus.CLOSED,
                 closed_at=old_closed, result="supported", topic="Дороги",
                 topic_code="0005.0005.0056.1156", district="Арский район",
                 kind=TicketKind.APPEAL, registered_at=old_closed - timedelta(days=2),
                 applicant_name="Кузнецова Мария", applicant_address="ул. Ленина, 1",
                 applicant_email="kuz@example.org", subject="разбитая дорога",
                 first_response_at=old_closed - timedelta(days=1), answered_at=old_closed,
                 extracted={"phones": ["+79001234567"], "persons": ["Сидоров"]},
                 text="разбитая дорога у дома, звоните +79001234567")
    message = db.session.scalars(select(Message).where(Message.ticket_id == old.id)).one()
    (tmp_path / "stored-1.jpg").write_bytes(b"jpeg")
    db.session.add(Attachment(message_id=message.id, kind="photo", original_name="secret-photo.jpg",
                              storage_name="stored-1.jpg", source="https://vk/secret-photo",
                              status="stored"))
    channel_events(vk, dept, old, message, old_closed)
    # A comment's earlier text and a hide's reason are copies too (helpdesk.models.comment).
    from helpdesk.models.comment import MessageRevision

    message.hidden_reason = "Сидоров оскорбляет"
    db.session.add(MessageRevision(message_id=message.id, action="edited",
                                   previous_text="разбитая дорога, Сидоров", reason="Сидоров"))
    # A recent ticket and a still-open old one keep their data.
    recent = ticket(vk, dept, received=now - timedelta(days=10), status=TicketStatus.CLOSED,
                    closed_at=now - timedelta(days=5), text="свежий текст", name="Анна Новая",
                    username="anna")
    open_old = ticket(vk, dept, received=old_closed, status=TicketStatus.ASSIGNED,
                      text="старый открытый", name="Олег Открытый", username="oleg")
    db.session.commit()
    return old, recent, open_old


def channel_events(vk, dept, old, message, when):
    """Copies of the personal data elsewhere: raw payload, routing, training, digest."""
    from helpdesk.models.digest import DepartmentDigest
    from helpdesk.models.inbox import InboundEvent
    from helpdesk.models.routing import RoutingDecision, TrainingExample

    db.session.add_all([
        InboundEvent(channel_id=vk.id, event_key="old-1", status="done", received_at=when,
                     payload={"text": "разбитая дорога", "from": {"last_name": "Сидоров",
                                                                 "screen_name": "sidorov_p"}}),
        RoutingDecision(ticket_id=old.id, message_id=message.id,
                        extracted={"persons": ["Сидоров"], "phones": ["+79001234567"]}),
        TrainingExample(text="разбитая дорога, +79001234567", ticket_id=old.id, department_id=dept.id),
        DepartmentDigest(department_id=dept.id, created_at=when,
                         content={"tickets": [{"email": "kuz@example.org"}]}),
    ])


def _stats(period):
    return (list(response_time_rows(period)), summarise(grouped_counts(period)))


def _text_columns():
    for table in db.metadata.sorted_tables:
        if table.name == "audit_events":
            continue
        for col in table.columns:
            if isinstance(col.type, (String, Text, JSON)):
                yield table.name, col.name


def test_retention_wipes_personal_data_and_keeps_statistics(app, ctx, runner, tmp_path):
    old, recent, open_old = _seed(app, tmp_path)
    old_id, old_channel, old_dept = old.id, old.channel_id, old.department_id
    period = ExportFilter(date(2000, 1, 1), date(2100, 1, 1))
    before = _stats(period)
    db.session.remove()

    result = runner.invoke(args=["retention", "run"])
    assert result.exit_code == 0, result.output
    assert "обезличено обращений: 1" in result.output

    assert _stats(period) == before
    t = db.session.get(Ticket, old_id)
    assert (t.applicant_name, t.applicant_address, t.applicant_email, t.subject, t.extracted) == (
        None, None, None, "", {})
    assert (t.topic_code, t.district, t.result, t.channel_id, t.department_id) == (
        "0005.0005.0056.1156", "Арский район", "supported", old_channel, old_dept)
    assert db.session.scalars(select(Message.text).where(Message.ticket_id == old_id)).all() == [""]
    assert not (tmp_path / "stored-1.jpg").exists()
    citizen = db.session.get(Citizen, t.citizen_id)
    assert citizen.anonymized_at is not None and citizen.display_name == ""
    # No trace of the personal data anywhere outside the append-only audit log.
    for table, column in _text_columns():
        for needle in PII:
            found = db.session.execute(text(
                f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE :n'),
                {"n": f"%{needle}%"}).scalar()
            assert found == 0, (table, column, needle)
    # Recent and open tickets are untouched.
    texts = set(db.session.scalars(select(Message.text)))
    assert {"свежий текст", "старый открытый"} <= texts
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_run")).one()
    assert event.details["tickets"] == 1 and event.details["files_deleted"] == 1
    assert event.details["training_examples"] == 1 and event.details["inbound_events"] == 1

    again = runner.invoke(args=["retention", "run"])
    assert "обезличено обращений: 0" in again.output


def test_retention_days_setting_and_flag(app, ctx, tmp_path):
    _seed(app, tmp_path)
    set_setting("retention.days", 2000)
    assert run_retention().tickets == 0
    assert run_retention(days=3).tickets == 2  # the old one and the recent one (closed 5 days ago)
    set_setting("retention.days", "много")
    with pytest.raises(RetentionError):
        run_retention()
    db.session.rollback()


def test_retention_rejects_bad_days(ctx, runner):
    result = runner.invoke(args=["retention", "run", "--days", "0"])
    assert result.exit_code != 0


def test_daily_job_runs_once_a_day(app, ctx):
    from helpdesk.retention.jobs import run_daily

    now = utcnow()
    assert run_daily(app, now=now) is True
    assert run_daily(app, now=now + timedelta(hours=23)) is False
    assert run_daily(app, now=now + timedelta(hours=24)) is True
    runs = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_run")).all()
    assert len(runs) == 2
