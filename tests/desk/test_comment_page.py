"""The ticket page of a public comment thread: the post and the chain with its history, the
personal-data warning before a public answer, the invitation to write privately, hiding."""
import re

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.inbox.ingest import ingest
from helpdesk.inbox.types import CommentInfo, IncomingMessage, IncomingPost
from helpdesk.models import AuditEvent, Message, OutboxItem, Ticket, TicketCounter
from helpdesk.models.message import Direction
from helpdesk.models.types import utcnow
from tests.helpers import post_form

POST = IncomingPost("-123456_7", "Депутаты Госсовета обсудили бюджет республики на 2027 год",
                    "https://vk.com/wall-123456_7")


def comment(world, text: str, key: str, action: str = "new", reply_to: str = "") -> Ticket:
    year = utcnow().year  # the world's tickets were numbered by hand: the counter starts past them
    if db.session.get(TicketCounter, year) is None:
        db.session.add(TicketCounter(year=year, last=1000))
    incoming = IncomingMessage(
        event_key=key + action, message_key=f"wall-123456_7_{key}", external_user_id="5501",
        reply_address="", text=text, sent_at=utcnow(), external_id=key,
        display_name="Рустем Хайруллин",
        comment=CommentInfo(post=POST, action=action, reply_to=reply_to))
    result = ingest(world.channel, incoming)
    db.session.commit()
    return result.ticket


def test_comment_page_shows_post_chain_and_history(world, signed_in):
    ticket = comment(world, "А сколько денег пойдёт на дороги?", "301")
    comment(world, "И на школы тоже?", "302", reply_to="301")
    comment(world, "А сколько денег пойдёт на дороги в Арском районе?", "301", action="edit")
    client = signed_in("press")
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Комментарий" in html
    assert "Депутаты Госсовета обсудили бюджет республики на 2027 год" in html
    assert 'href="https://vk.com/wall-123456_7"' in html
    assert "изменён автором" in html and "Прежние версии (1)" in html
    assert "«А сколько денег пойдёт на дороги?»" in html  # the earlier text is kept
    assert "Публичный ответ в комментариях" in html
    assert html.count('class="mt-1 d-flex gap-1 comment-hide"') == 2

    # the list shows the kind and filters by it
    listing = client.get("/tickets?kind=comment").get_data(as_text=True)
    assert ticket.number in listing and "Комментарий" in listing
    assert ticket.number not in client.get("/tickets?kind=message").get_data(as_text=True)


def test_public_answer_with_personal_data_needs_confirmation(world, signed_in):
    ticket = comment(world, "Куда обратиться по поводу отопления?", "401")
    client = signed_in("press")
    page = f"/tickets/{ticket.id}"
    text = "Гульнара Ильдаровна, позвоните по телефону +7 917 123-45-67."
    refused = post_form(client, page, f"{page}/reply", {"text": text, "final": "1"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="personal-data-warning"' in html and "телефон: +79171234567" in html
    assert text in html  # the typed text comes back
    assert db.session.scalar(select(OutboxItem.id)) is None
    version = re.search(r'name="version" value="([^"]*)"', html).group(1)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    sent = client.post(f"{page}/reply", data={"text": text, "final": "1", "version": version,
                                              "confirm_personal": "1", "csrf_token": token})
    assert sent.status_code == 302
    reply = db.session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    assert reply.text == text and reply.reply_to == "401"
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "public_answer_personal_data_confirmed")) is not None
    # a reply without personal data goes at once
    ok = post_form(client, page, f"{page}/reply", {"text": "Спасибо за вопрос!", "final": "0"})
    assert ok.status_code == 302


def test_invite_and_hide_from_the_page(world, signed_in):
    ticket = comment(world, "Купить дёшево, переходите по ссылке", "501")
    client = signed_in("press")
    page = f"/tickets/{ticket.id}"
    assert post_form(client, page, f"{page}/invite", {}).status_code == 302
    invite = db.session.scalar(select(Message).where(Message.direction == Direction.OUTBOUND))
    assert "личные сообщения" in invite.text and invite.reply_to == "501"

    message = db.session.scalar(select(Message).where(Message.direction == Direction.INBOUND,
                                                      Message.ticket_id == ticket.id))
    assert post_form(client, page, f"{page}/messages/{message.id}/hide",
                     {"reason": ""}).status_code == 302
    db.session.refresh(message)
    assert message.hidden_at is None  # a reason is required
    assert post_form(client, page, f"{page}/messages/{message.id}/hide",
                     {"reason": "Реклама"}).status_code == 302
    db.session.refresh(message)
    assert message.hidden_at is not None and message.hidden_reason == "Реклама"
    item = db.session.scalar(select(OutboxItem).where(OutboxItem.action == "hide"))
    assert item.message_id == message.id
    html = client.get(page).get_data(as_text=True)
    assert "скрыт: Реклама" in html and "скрыт сотрудником" in html
    # an auditor cannot hide
    auditor = signed_in("auditor")
    assert post_form(auditor, page, f"{page}/messages/{message.id}/hide",
                     {"reason": "x"}).status_code == 403


def test_invite_refused_on_a_direct_message(world, signed_in):
    client = signed_in("press")
    page = f"/tickets/{world.ticket.id}"
    response = post_form(client, page, f"{page}/invite", {})
    assert response.status_code == 302
    assert db.session.scalar(select(Message.id).where(Message.direction == Direction.OUTBOUND)) is None


def test_spam_comment_is_routed_and_proposed_for_hiding_and_found_by_search(world, signed_in):
    from helpdesk.tickets.routed import route_new_ticket

    ticket = comment(world, "Заработок от 5000 рублей в день без вложений! Подписывайтесь, "
                            "промокод в профиле, казино и ставки", "601")
    route_new_ticket(ticket.id)
    db.session.commit()
    db.session.refresh(ticket)
    assert ticket.special_kind == "spam" and ticket.kind == "comment"
    client = signed_in("press")
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'id="hide-proposal"' in html and "Спам или реклама" in html
    assert 'value="Спам или реклама"' in html  # the reason is filled in
    found = client.get("/tickets?q=промокод&kind=comment&status=").get_data(as_text=True)
    assert ticket.number in found
