"""Answers that count (issue 15, item 9): a registered 59-ФЗ appeal is answered only by a reply on
the substance sent after its registration; the reply form makes the kind explicit; the records
stored the old way are fixed by a data migration, and the panel, exports and reports agree."""
import csv
import importlib.util
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.exports.filters import ExportFilter
from helpdesk.exports.response_times import HEADERS, response_time_rows
from helpdesk.exports.services import open_export
from helpdesk.exports.sstu import grouped_counts, summarise
from helpdesk.extensions import db
from helpdesk.models import Message, Ticket
from helpdesk.models.message import Delivery, Direction
from helpdesk.models.types import utcnow
from helpdesk.reports.queries import on_time_by_department
from helpdesk.tickets import lifecycle, presenters
from helpdesk.tickets.errors import TicketError
from tests.desk.world import add_ticket
from tests.helpers import post_form

MIGRATION = next((Path(__file__).resolve().parents[2] / "migrations" / "versions")
                 .glob("*_appeal_answers_after_registration.py"))


def _register(ticket, user, at=None):
    lifecycle.register_appeal(ticket, user, "Петрова Анна Ивановна", "г. Казань, ул. Баумана, 1",
                            now=at)


def _panel(ticket) -> dict:
    return {row["key"]: row for row in presenters.deadline_panel(ticket, utcnow())}


# --- the reply form ---------------------------------------------------------------------------

def test_reply_form_offers_both_kinds_and_chooses_none(world, signed_in):
    html = signed_in("spec_a").get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    kind = re.search(r'<fieldset class="mb-2" id="reply-kind">(.*?)</fieldset>', html, re.S).group(1)
    assert 'value="1"' in kind and 'value="0"' in kind
    assert "checked" not in kind


def test_reply_without_a_kind_is_refused_and_the_text_kept(world, signed_in):
    client = signed_in("spec_a")
    response = post_form(client, f"/tickets/{world.ticket.id}", f"/tickets/{world.ticket.id}/reply",
                         {"text": "Ремонт запланирован на май"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Выберите вид ответа" in html and "Ремонт запланирован на май" in html
    assert db.session.scalar(select(Message).where(
        Message.direction == Direction.OUTBOUND)) is None


@pytest.mark.parametrize("kind, answered", [("1", True), ("0", False)])
def test_reply_kind_chosen_in_the_form_is_kept(world, signed_in, kind, answered):
    client = signed_in("spec_a")
    post_form(client, f"/tickets/{world.ticket.id}", f"/tickets/{world.ticket.id}/reply",
              {"text": "Ремонт запланирован на май", "final": kind})
    db.session.expire_all()
    message = db.session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    assert message.is_answer is answered
    assert (db.session.get(Ticket, world.ticket.id).answered_at is not None) is answered


def test_reply_service_has_no_default_kind(world):
    with pytest.raises(TypeError):
        lifecycle.reply(world.ticket, world.users["spec_a"], "Ответ")  # noqa


# --- the rule -------------------------------------------------------------------------------

def test_issue_case_interim_reply_before_registration_does_not_answer(world, signed_in):
    """Interim reply, then registration, then «Разъяснено»: refused with the reason."""
    t, spec = world.ticket, world.users["spec_a"]
    lifecycle.reply(t, spec, "Ваше сообщение получено, разбираемся", final=False)
    _register(t, spec, at=utcnow() + timedelta(seconds=1))
    db.session.commit()
    with pytest.raises(TicketError, match="только ответ по существу, отправленный после"):
        lifecycle.close(t, spec, "explained")
    db.session.rollback()
    # Through the page: the same refusal, nothing changed.
    client = signed_in("spec_a")
    response = post_form(client, f"/tickets/{t.id}", f"/tickets/{t.id}/close",
                         {"result": "explained"})
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Разъяснено" in html and "зарегистрировано" in html
    db.session.expire_all()
    t = db.session.get(Ticket, t.id)
    assert t.is_open and t.answered_at is None and t.result is None
    assert _panel(t)["answer_due"]["label"] != "Выполнено в срок"
    with pytest.raises(TicketError, match="ответ по существу"):
        lifecycle.change_status(t, spec, "answered")


def test_answer_before_registration_no_longer_answers_the_appeal(world):
    t, spec = world.ticket, world.users["spec_a"]
    lifecycle.reply(t, spec, "Пропуск оформляется в бюро пропусков", final=True)
    assert t.status == "answered" and t.answered_at is not None
    _register(t, spec, at=utcnow() + timedelta(seconds=1))
    assert t.answered_at is None and t.status == "assigned"
    for result in ("explained", "supported", "not_supported", "answered"):
        with pytest.raises(TicketError, match="после регистрации"):
            lifecycle.close(t, spec, result)


def test_interim_reply_after_registration_is_not_made_the_answer_on_closing(world):
    t, spec = world.ticket, world.users["spec_a"]
    _register(t, spec)
    lifecycle.reply(t, spec, "Запросили сведения в министерстве", final=False)
    with pytest.raises(TicketError, match="Разъяснено"):
        lifecycle.close(t, spec, "explained")
    assert not db.session.scalars(select(Message).where(Message.is_answer.is_(True))).all()


def test_substantive_reply_after_registration_answers_in_time(world):
    t, spec = world.ticket, world.users["spec_a"]
    lifecycle.reply(t, spec, "Разбираемся", final=False)
    _register(t, spec)
    answer = lifecycle.reply(t, spec, "Разъясняем: ремонт дороги включён в план на май", final=True)
    lifecycle.close(t, spec, "explained")
    db.session.commit()
    assert t.status == "closed" and t.answered_at == answer.sent_at
    assert _panel(t)["answer_due"]["label"] == "Выполнено в срок"


def test_a_message_not_registered_keeps_its_rules(world):
    """Not an appeal: closing as answered takes the latest reply sent, as before."""
    t, spec = world.ticket, world.users["spec_a"]
    lifecycle.reply(t, spec, "Разбираемся", final=False)
    lifecycle.close(t, spec, "explained")
    assert t.answered_at is not None


# --- stored records: the data migration, then every view agrees --------------------------------

def _stored_the_old_way(world, registered_ago_days=40, **extra):
    """An appeal as the old code left it: an interim reply before registration promoted to
    the answer by closing «Разъяснено»."""
    received = utcnow() - timedelta(days=registered_ago_days, hours=2)
    t = add_ticket(world.channel, world.social, received_at=received)
    interim = Message(ticket_id=t.id, channel_id=t.channel_id, direction=Direction.OUTBOUND,
                      text="Ваше сообщение получено", sent_at=received + timedelta(hours=1),
                      created_at=received + timedelta(hours=1), delivery_status=Delivery.SENT,
                      is_answer=True)
    db.session.add(interim)
    db.session.flush()
    record("interim_reply", object_type="ticket", object_id=str(t.id),
           details={"message_id": interim.id})
    _register(t, world.users["spec_a"], at=received + timedelta(hours=2))
    t.first_response_at = t.answered_at = interim.sent_at  # what the old code stored
    for name, value in {"status": "closed", "result": "explained",
                        "closed_at": received + timedelta(days=2), **extra}.items():
        setattr(t, name, value)
    db.session.commit()
    return t


def _migrate():
    spec = importlib.util.spec_from_file_location("appeal_answers_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    connection = db.session.connection()
    with Operations.context(MigrationContext.configure(connection)):
        module.upgrade()
    db.session.commit()
    db.session.expire_all()


def test_migration_fixes_stored_appeals_and_everything_agrees(world, app):
    broken = _stored_the_old_way(world)
    working = _stored_the_old_way(world, status="answered", result=None, closed_at=None)
    late_answer = _stored_the_old_way(world)
    later = Message(ticket_id=late_answer.id, channel_id=late_answer.channel_id,
                    direction=Direction.OUTBOUND, text="По существу: ремонт в мае",
                    sent_at=late_answer.registered_at + timedelta(days=3),
                    delivery_status=Delivery.SENT, is_answer=True)
    message = add_ticket(world.channel, world.social)  # not an appeal: left alone
    message.answered_at = message.received_at + timedelta(hours=1)
    db.session.add(later)
    db.session.commit()

    _migrate()
    broken, working, late_answer, message = (db.session.get(Ticket, x.id) for x in
                                             (broken, working, late_answer, message))
    assert broken.answered_at is None and broken.status == "closed"
    assert broken.first_response_at is not None  # the interim reply was a first response
    assert working.answered_at is None and working.status == "assigned"
    assert late_answer.answered_at == later.sent_at
    assert message.answered_at is not None
    assert not db.session.scalars(select(Message).where(
        Message.ticket_id == broken.id, Message.is_answer.is_(True))).all()

    # The deadline panel.
    assert _panel(broken)["answer_due"]["label"].startswith("Не выполнено")
    assert _panel(late_answer)["answer_due"]["label"] == "Выполнено в срок"
    # The response-time log: Python rows and the CSV (COPY on PostgreSQL).
    day = (utcnow() - timedelta(days=60)).date()
    flt = ExportFilter(day, utcnow().date())
    on_time = HEADERS.index("Ответ в срок")
    rows = {r[0]: r for r in response_time_rows(flt)}
    assert rows[broken.number][on_time] is False
    assert rows[late_answer.number][on_time] is True
    chunks, _ = open_export("response_times", "csv", flt.to_params(), None, "Europe/Moscow")
    table = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    by_number = {r[0]: r for r in table[1:]}
    assert by_number[broken.number][on_time] == "нет"
    assert by_number[late_answer.number][on_time] == "да"
    # The reports: decided and not on time; ССТУ counts it as considered late.
    (_, in_time, decided), = on_time_by_department(flt, None, "Europe/Moscow", utcnow())
    # In time: late_answer and the message; not: broken (closed unanswered), working (overdue).
    assert (in_time, decided) == (2, 4)
    assert summarise(grouped_counts(flt))["late"] >= 1
