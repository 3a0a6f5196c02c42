"""Tatar special kinds, mixed messages in the Tatar queue, and the acknowledgement that follows
the routing decision (sent after it, never promising an answer to a ticket routing closed)."""
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from helpdesk.deadlines.store import recompute
from helpdesk.extensions import db
from helpdesk.tickets.routed import route_new_ticket
from helpdesk.models import Message
from helpdesk.models.message import Direction
from helpdesk.models.setting import set_setting
from helpdesk.routing.service import AUTO_CLOSE_KEY, TATAR_DEPARTMENT_KEY
from helpdesk.routing.special_tt import detect_special_tatar
from tests.helpers import login, make_ticket, make_user
from tests.routing.conftest import route_text

TATAR_THANKS = "Исәнмесез! Безнең авылга яңа юл салган өчен зур рәхмәт сезгә!"
TATAR_SPAM = "Бушлай акча эшләү! Сатабыз арзан бәягә, кредит кирәкми: www.bigprize.xyz"
TATAR_ABUSE = "Сез барыгыз да тинтәкләр, мин сезне үтерәм!"
MIXED = ("Здравствуйте! Прошу обратить внимание на нашу проблему, в селе уже третий год "
         "не ремонтируют дорогу, весной и осенью не проехать ни скорой, ни школьному "
         "автобусу, глава поселения обещает, но ничего не делает. Безнең авылда юл бик начар, "
         "балалар мәктәпкә йөри алмый.")


@pytest.mark.parametrize("text, kind", [
    (TATAR_THANKS, "gratitude"),
    ("Рәхмәтлебез, бик зур рәхмәт!", "gratitude"),
    ("Рахмат сезгә, барысы да эшләнде", "gratitude"),
    (TATAR_SPAM, "spam"),
    ("Казино, отыш гарантияле! Акция бүген генә", "spam"),
    (TATAR_ABUSE, "abuse"),
    ("Ахмаклар, сез берни дә эшләмисез", "abuse"),
    ("Бу хайваннар безнең урамны ташлады", "abuse"),
    ("Исәнмесез!", "meaningless"),
    # Ordinary requests, even with a thank-you or an advert word in them.
    ("Рәхмәт алдан ук, безнең урамда су юк, ярдәм итегез", None),
    ("Безнең авылда юл бик начар, балалар мәктәпкә йөри алмый", None),
    ("Кредит буенча сорау: банк процентны арттырды, ник?", None),
    ("Утын кирәк, кышка әзерләнергә кирәк, ярдәм итегез", None),
])
def test_tatar_special_kinds(text, kind):
    assert detect_special_tatar(text) == kind


def test_tatar_gratitude_spam_and_abuse_are_flagged_in_the_tatar_queue(routed_setup):
    set_setting(TATAR_DEPARTMENT_KEY, routed_setup["tatar"].id)
    for text, kind in ((TATAR_THANKS, "gratitude"), (TATAR_SPAM, "spam"),
                       (TATAR_ABUSE, "abuse")):
        ticket, row = route_text(routed_setup, text)
        assert (ticket.special_kind, row.special_kind) == (kind, kind)
        assert ticket.department_id == routed_setup["tatar"].id and row.reason == "language"


def test_a_mostly_russian_message_with_tatar_content_goes_to_the_tatar_queue(routed_setup,
                                                                              client):
    set_setting(TATAR_DEPARTMENT_KEY, routed_setup["tatar"].id)
    ticket, row = route_text(routed_setup, MIXED)
    assert ticket.language == "mixed" and ticket.department_id == routed_setup["tatar"].id
    assert row.reason == "language" and ticket.status == "assigned"
    # A Tatar greeting or a place name around Russian text keeps it Russian.
    russian, _ = route_text(routed_setup, "Исәнмесез! В Әлмәт районе на дороге глубокие ямы, "
                                          "машины ломаются, прошу отремонтировать дорогу.")
    assert russian.language == "ru" and russian.department_id == routed_setup["housing"].id
    make_user("press5", "press")
    db.session.commit()
    login(client, "press5")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "татарская часть содержит суть обращения" in page
    assert "Уверенность маршрутизации" not in page  # no 0 % beside a topic at 99 %


def _ack(ticket) -> str:
    return db.session.scalar(select(Message.text).where(
        Message.ticket_id == ticket.id, Message.direction == Direction.OUTBOUND,
        Message.is_auto.is_(True)))


def _new_ticket(setup, text):
    setup["channel"].auto_ack = True
    ticket = make_ticket(setup["channel"], None, text=text, status="new")
    recompute(ticket, ticket.received_at)
    assert _ack(ticket) is None  # nothing is said before routing decides
    assert route_new_ticket(ticket.id) is not None
    db.session.refresh(ticket)
    return ticket


def test_a_routed_ticket_is_acknowledged_with_its_due_time(routed_setup):
    ticket = _new_ticket(routed_setup, "В поликлинике нет врача, к терапевту не записаться")
    assert ticket.status == "assigned" and ticket.department_id == routed_setup["social"].id
    due = ticket.first_response_due.astimezone(ZoneInfo("Europe/Moscow"))
    text = _ack(ticket)
    assert f"Ответ будет дан до {due:%d.%m.%Y %H:%M}" in text and ticket.number in text
    assert "Исәнмесез" not in text


def test_an_automatically_closed_kind_is_told_why_and_no_answer_is_promised(routed_setup):
    set_setting(AUTO_CLOSE_KEY, ["gratitude", "abuse"])
    ticket = _new_ticket(routed_setup, "Огромное спасибо за новую поликлинику в нашем селе!")
    assert ticket.status == "closed" and ticket.close_reason == "not_appeal"
    text = _ack(ticket)
    assert "Спасибо за добрые слова" in text and ticket.number in text
    for promise in ("Ответ будет дан", "ответ придёт", "не удаляйте"):
        assert promise not in text
    # A Tatar message routing closes is told why in Tatar first, then in Russian.
    tatar = _new_ticket(routed_setup, TATAR_ABUSE)
    assert tatar.status == "closed" and tatar.close_reason == "obscene"
    first, second = _ack(tatar).split("\n\n")
    assert first.startswith("Исәнмесез!") and "җавапсыз калдырыла" in first
    assert second.startswith("Здравствуйте!") and "оставлено без ответа по существу" in second
    assert "җавап монда киләчәк" not in first and "Ответ будет дан" not in second
