"""Public comments through the real adapters against the VK and Telegram fakes on 127.0.0.1:
a comment becomes a ticket of kind «Комментарий» under its post, is answered publicly in the
right thread, hidden, edited and deleted by its author; nothing is lost."""
import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.inbox.comment_ingest import fetch_post_text
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.outbox import deliver_due
from helpdesk.inbox.poller import VkPoller
from helpdesk.models import (AuditEvent, InboundEvent, Message, MessageRevision, Post, Ticket)
from helpdesk.models.message import Delivery, Direction
from helpdesk.tickets import lifecycle
from helpdesk.tickets.comment_actions import PersonalDataWarning, hide_comment
from tests.helpers import make_user
from tests.inbox.conftest import make_platform

GROUP = -1001777000111  # the channel's discussion group


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def inbound(ticket) -> list[Message]:
    return db.session.scalars(select(Message).where(
        Message.ticket_id == ticket.id, Message.direction == Direction.INBOUND)
        .order_by(Message.id)).all()


def revisions(message) -> list[tuple[str, str]]:
    return [(r.action, r.previous_text) for r in db.session.scalars(
        select(MessageRevision).where(MessageRevision.message_id == message.id)
        .order_by(MessageRevision.id))]


def audited(action: str) -> int:
    return count(AuditEvent, AuditEvent.action == action)


@pytest.fixture
def staff(ctx):
    user = make_user("press-comments", "press")
    db.session.commit()
    return user


def test_vk_comment_thread_answered_hidden_edited_deleted(ctx, live, vk_fake, staff):
    vk = make_platform("vk", vk_fake, live.url)
    post_id, post_event = vk_fake.add_post("Депутаты обсудили ремонт дорог в районах республики")
    assert vk.post(post_event).text == "ok"
    event = vk_fake.comment_event(81001, post_id, "Когда отремонтируют дорогу в Арском районе?")
    comment_id = vk_fake.comment_id_of(event)
    assert vk.post(event).text == "ok" and vk.post(event).text == "ok"  # resent: stored once
    assert count(InboundEvent) == 2
    assert process_pending() == 2

    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.kind == "comment" and ticket.kind_label == "Комментарий"
    post = db.session.get(Post, ticket.post_id)
    assert post.text == "Депутаты обсудили ремонт дорог в районах республики"
    assert post.link == f"https://vk.com/wall-{vk_fake.group_id}_{post_id}"
    first, = inbound(ticket)
    assert first.external_id == str(comment_id)
    assert deliver_due() == 0  # no automatic notice in a public thread
    assert vk_fake.sent == [] and vk_fake.created == []

    # a public answer with personal data is refused until confirmed
    with pytest.raises(PersonalDataWarning) as warned:
        lifecycle.reply(ticket, staff, "Иван Петрович Сидоров, позвоните по телефону 8 843 222-33-44",
                      final=True)
    db.session.rollback()
    assert any("телефон" in item for item in warned.value.found)
    assert any(item.startswith("ФИО") for item in warned.value.found)
    ticket = db.session.get(Ticket, ticket.id)
    lifecycle.reply(ticket, staff, "Ремонт дороги включён в план на лето.", final=True)
    db.session.commit()
    assert deliver_due() == 1
    reply, = vk_fake.replies_under(post_id)
    assert reply["text"] == "Ремонт дороги включён в план на лето."
    assert reply["reply_to_comment"] == comment_id and reply["from_id"] == -vk_fake.group_id
    attempt = vk_fake.create_attempts[-1]
    assert attempt["guid"].startswith("helpdesk-")  # a retried call cannot post twice
    assert vk.post(vk_fake.comment_event(-vk_fake.group_id, post_id, reply["text"])).text == "ok"
    assert process_pending() == 0  # our own reply coming back is not a citizen's comment

    # the author edits the comment: the new text is shown, the old one kept, audited
    vk.post(vk_fake.edit_event(comment_id, "Когда отремонтируют дорогу Арск — Казань?"))
    process_pending()
    db.session.refresh(first)
    assert first.text == "Когда отремонтируют дорогу Арск — Казань?" and first.edited_at
    assert revisions(first) == [("edited", "Когда отремонтируют дорогу в Арском районе?")]
    assert audited("comment_edited") == 1

    # deleted by the author, then restored
    vk.post(vk_fake.delete_event(comment_id))
    process_pending()
    db.session.refresh(first)
    assert first.deleted_at is not None and first.text  # the text stays in the helpdesk
    vk.post(vk_fake.restore_event(comment_id))
    process_pending()
    db.session.refresh(first)
    assert first.deleted_at is None
    assert [a for a, _ in revisions(first)] == ["edited", "deleted", "restored"]
    assert audited("comment_deleted") == 1 and audited("comment_restored") == 1

    # an abusive comment is hidden with a reason: wall.deleteComment after commit
    abusive = vk_fake.comment_event(81001, post_id, "Заработок от 5000 в день, подписывайтесь")
    vk.post(abusive)
    process_pending()
    assert count(Ticket) == 1  # the same citizen under the same post: the same thread
    second = inbound(ticket)[-1]
    hide_comment(db.session.get(Ticket, ticket.id), staff, second.id, "Реклама")
    db.session.commit()
    assert deliver_due() == 1
    assert vk_fake.deleted == [vk_fake.comment_id_of(abusive)]
    db.session.refresh(second)
    assert second.hidden_at and second.hidden_reason == "Реклама"
    assert second.delivery_status == Delivery.SENT
    assert revisions(second) == [("hidden", "Заработок от 5000 в день, подписывайтесь")]
    assert audited("comment_hidden") == 1
    # VK then reports the deletion made by the community: not the author's
    vk.post(vk_fake.delete_event(vk_fake.comment_id_of(abusive), deleter_id=1))
    process_pending()
    db.session.refresh(second)
    assert second.deleted_at is None and audited("comment_deleted") == 1

    # a direct message of the same citizen is a ticket of its own
    vk.post(vk_fake.message_event(81001, "Личный вопрос про пенсию"))
    process_pending()
    assert count(Ticket) == 2
    assert count(Ticket, Ticket.kind == "message", Ticket.post_id.is_(None)) == 1


def test_vk_comment_through_bots_long_poll(ctx, live, vk_fake, staff):
    vk = make_platform("vk", vk_fake, live.url, mode="poll")
    post_id = vk_fake.add_post("Итоги заседания Госсовета")[0]
    poller = VkPoller(vk.channel.id, wait=1)
    poller.poll_once()
    vk_fake.push_longpoll(vk_fake.comment_event(81002, post_id, "Где посмотреть запись?"))
    assert poller.poll_once() == 1
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.kind == "comment"
    assert fetch_post_text(ticket.post_id)  # wall.getById: the event named only the post
    assert db.session.get(Post, ticket.post_id).text == "Итоги заседания Госсовета"


def test_telegram_discussion_comment_answered_hidden_edited_deleted(ctx, live, tg_fake, staff):
    tg = make_platform("telegram", tg_fake, live.url)
    root = tg_fake.channel_post(GROUP, "Госсовет принял закон о поддержке многодетных семей")
    assert tg.post(root).status_code == 200
    comment = tg_fake.comment_update(GROUP, 91001, "Как получить выплату в Елабуге?", root,
                                     first_name="Алсу")
    tg.post(comment)
    tg.post(comment)  # resent
    assert process_pending() == 2
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.kind == "comment" and ticket.citizen.display_name == "Алсу"
    assert ticket.citizen.reply_address == ""  # the group is no address for the person
    post = db.session.get(Post, ticket.post_id)
    assert post.text == "Госсовет принял закон о поддержке многодетных семей"
    assert post.link.startswith("https://t.me/gossovet_rt/")
    first, = inbound(ticket)

    lifecycle.reply(ticket, staff, "Выплату оформляют в отделе соцзащиты.", final=False)
    db.session.commit()
    assert deliver_due() == 1
    answer, = tg_fake.replies_in(GROUP)
    assert answer["reply_to"] == comment["message"]["message_id"]
    assert tg_fake.sent_to(91001) == []  # nothing went to the person privately

    # edited by the author (edited_message)
    tg.post(tg_fake.edit_update(comment, "Как получить выплату многодетным в Елабуге?"))
    process_pending()
    db.session.refresh(first)
    assert first.text == "Как получить выплату многодетным в Елабуге?"
    assert revisions(first) == [("edited", "Как получить выплату в Елабуге?")]

    # deleted by the author: Telegram says nothing; the next reply finds out and answers the
    # thread's first message (the channel post) instead
    tg_fake.delete_by_author(comment)
    lifecycle.reply(db.session.get(Ticket, ticket.id), staff, "Подробности — на сайте соцзащиты.",
                  final=True)
    db.session.commit()
    assert deliver_due() == 1
    second_answer = tg_fake.replies_in(GROUP)[-1]
    assert second_answer["reply_to"] == root["message"]["message_id"]
    db.session.refresh(first)
    assert first.deleted_at is not None and first.text
    assert [a for a, _ in revisions(first)] == ["edited", "deleted"]

    # an abusive comment hidden: deleteMessage in the group
    rude = tg_fake.comment_update(GROUP, 91001, "Спам спам заработок", root, reply_to=comment)
    tg.post(rude)
    process_pending()
    last = inbound(ticket)[-1]
    assert last.reply_to == str(comment["message"]["message_id"])
    hide_comment(db.session.get(Ticket, ticket.id), staff, last.id, "Спам")
    db.session.commit()
    assert deliver_due() == 1
    assert tg_fake.deleted_by_bot == [(GROUP, rude["message"]["message_id"])]
    db.session.refresh(last)
    assert last.hidden_at and last.delivery_status == Delivery.SENT
