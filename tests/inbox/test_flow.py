"""A message in becomes one ticket; the acknowledgement and a staff reply reach the fake once."""
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.outbox import deliver_due, send_reply
from helpdesk.models import InboundEvent, Message, Ticket
from helpdesk.models.message import Delivery, Direction
from tests.helpers import make_user
from tests.inbox.conftest import route_new_tickets


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_message_becomes_one_ticket_and_reply_reaches_citizen(platform):
    payload = platform.event(70001, "Здравствуйте! В Лаишевском районе третий день нет отопления.")
    first = platform.post(payload)
    again = platform.post(payload)  # the platform resends: same answer, nothing new
    assert first.status_code == 200 and again.status_code == 200
    assert first.text == again.text
    assert count(InboundEvent) == 1

    assert process_pending() == 1
    tickets = db.session.scalars(select(Ticket)).all()
    assert len(tickets) == 1
    ticket = tickets[0]
    inbound = db.session.scalars(select(Message).where(Message.direction == Direction.INBOUND)).all()
    assert [m.text for m in inbound] == [
        "Здравствуйте! В Лаишевском районе третий день нет отопления."]
    assert ticket.citizen.reply_address == platform.reply_address(70001)

    assert deliver_due() == 0  # acknowledged once routed, when its text can follow the decision
    assert route_new_tickets() == 1
    assert deliver_due() == 1  # the acknowledgement
    ack = platform.sent_to(70001)
    assert len(ack) == 1 and ticket.number in ack[0]

    staff = make_user("press1", "press")
    reply = send_reply(ticket, staff, "Добрый день! Заявка передана в управляющую компанию.")
    db.session.commit()
    assert deliver_due() == 1
    assert deliver_due() == 0
    texts = platform.sent_to(70001)
    assert texts == [ack[0], "Добрый день! Заявка передана в управляющую компанию."]
    db.session.refresh(reply)
    assert reply.delivery_status == Delivery.SENT and reply.delivered_at is not None

    db.session.refresh(ticket)
    assert ticket.status == "answered" and ticket.answered_at == reply.sent_at

    # a second message threads into the same ticket, reopening it with its clocks running
    # again from that message; no second acknowledgement
    platform.post(platform.event(70001, "Спасибо, ждём."))
    process_pending()
    assert count(Ticket) == 1
    assert count(Message, Message.direction == Direction.INBOUND) == 2
    assert deliver_due() == 0
    db.session.refresh(ticket)
    assert ticket.status in ("triage", "assigned") and ticket.reopened_at is not None
    assert ticket.first_response_at is None and ticket.answered_at is None
    assert ticket.first_response_due > ticket.reopened_at


def test_auto_ack_switched_off(platform):
    platform.channel.auto_ack = False
    db.session.commit()
    platform.post(platform.event(70002, "Вопрос про пенсию"))
    process_pending()
    assert count(Ticket) == 1
    assert deliver_due() == 0
    assert platform.sent_to(70002) == []


def test_a_tatar_message_is_acknowledged_in_tatar_and_in_russian(platform):
    from helpdesk.models.setting import set_setting

    platform.post(platform.event(70101, "Исәнмесез! Безнең авылда юл начар, көзен үтеп булмый."))
    platform.post(platform.event(70102, "Здравствуйте! Во дворе не вывозят мусор."))
    assert process_pending() == 2
    route_new_tickets()
    assert deliver_due() == 2
    tatar, = platform.sent_to(70101)
    russian, = platform.sent_to(70102)
    number = db.session.scalars(select(Ticket.number).order_by(Ticket.id)).first()
    first, second = tatar.split("\n\n")
    assert first.startswith("Исәнмесез!") and number in first and "Мәскәү вакыты" in first
    assert second.startswith("Здравствуйте!") and number in second
    assert "Исәнмесез" not in russian and russian.startswith("Здравствуйте!")
    # An administrator's own Tatar text (a broken placeholder falls back to the default).
    set_setting("inbox.ack_template_tt", "Хәбәрегез алынды: {number}.")
    db.session.commit()
    platform.post(platform.event(70103, "Рәхмәт сезгә, ләкин безнең урамда утлар янмый."))
    process_pending()
    route_new_tickets()
    deliver_due()
    edited, = platform.sent_to(70103)
    assert edited.split("\n\n")[0].startswith("Хәбәрегез алынды: ")
