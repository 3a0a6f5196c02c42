"""The live desk: the change bus, the poll's rows and counts, access control, read marks."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.live.bus import MemoryBus, RedisBus, bus_for
from helpdesk.models import Message, Ticket
from helpdesk.models.desk import TicketRead
from helpdesk.models.message import Direction
from tests.desk.world import add_ticket
from tests.helpers import csrf_from


class Desk:
    """A signed-in client with a desk page open: polls like desk-live.js."""

    def __init__(self, client, url: str):
        self.client, self.url = client, url
        html = client.get(url).get_data(as_text=True)
        self.token = csrf_from(html)
        self.cursor = re.search(r'data-cursor="([^"]*)"', html).group(1)
        self.html = html

    def poll(self, shown=(), ticket=None, typing=False) -> dict:
        data = {"cursor": self.cursor, "typing": "1" if typing else "0"}
        if ticket is None:
            data["list"] = self.url.partition("?")[2]
            data["shown"] = ",".join(str(i) for i in shown)
        else:
            data["ticket"] = str(ticket)
        response = self.client.post("/live/poll", data=data, headers={"X-CSRFToken": self.token})
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        answer = response.get_json()
        self.cursor = answer["cursor"]
        return answer


def citizen_writes(ticket: Ticket, text: str, at: datetime | None = None) -> Message:
    """A citizen message as ingest stores it (the ticket's last_message_at moves)."""
    at = at or datetime.now(timezone.utc)
    message = Message(ticket_id=ticket.id, channel_id=ticket.channel_id, direction=Direction.INBOUND,
                      text=text, sent_at=at, created_at=at)
    db.session.add(message)
    db.session.get(Ticket, ticket.id).last_message_at = at
    db.session.commit()
    return message


# --- the bus ------------------------------------------------------------------------------

def test_memory_bus_reads_in_order_and_refuses_cursors_it_does_not_know():
    bus = MemoryBus(keep=3)
    start = bus.head()
    bus.publish([{"t": 1, "k": ["message"]}, {"t": 2, "k": ["state"]}])
    changes, cursor = bus.read(start)
    assert [c["t"] for c in changes] == [1, 2] and cursor == bus.head()
    assert bus.read(cursor) == ([], cursor)
    bus.publish([{"t": n, "k": ["state"]} for n in range(3, 7)])  # more than it keeps
    assert bus.read(cursor) is None  # trimmed past: the desk reloads
    assert bus.read("m" + "0" * 8 + "-1") is None  # another process's epoch
    assert bus.read("rubbish") is None and MemoryBus().read(bus.head()) is None


def test_redis_bus_when_configured(app):
    url = app.config.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL not set: the Redis carrier is tested in the PostgreSQL+Redis run")
    bus = RedisBus(url, keep=50)
    start = bus.head()
    bus.publish([{"t": 7, "k": ["message"]}])
    changes, cursor = bus.read(start)
    assert changes[-1] == {"t": 7, "k": ["message"]} and bus.read(cursor) == ([], cursor)
    assert bus.read("m-1") is None


def test_a_commit_puts_the_changed_tickets_on_the_bus_and_a_rollback_nothing(world):
    from flask import current_app

    bus = bus_for(current_app._get_current_object())
    start = bus.head()
    citizen_writes(world.ticket, "Ещё вопрос")
    changes, cursor = bus.read(start)
    assert {"t": world.ticket.id, "k": ["message", "state"]} in changes
    ticket = db.session.get(Ticket, world.ticket.id)
    ticket.department_id = world.economy.id
    db.session.rollback()
    assert bus.read(cursor) == ([], cursor)
    ticket = db.session.get(Ticket, world.ticket.id)
    ticket.department_id = world.economy.id
    db.session.commit()
    changes, _ = bus.read(cursor)
    assert changes == [{"t": world.ticket.id, "k": ["left:%d" % world.social.id, "moved"]}]


# --- the list -----------------------------------------------------------------------------

def test_a_citizen_message_reaches_the_list_with_its_preview_and_counts(world, signed_in):
    desk = Desk(signed_in("spec_a"), "/tickets?queue=department")
    assert desk.poll(shown=[world.ticket.id]) == {"cursor": desk.cursor}  # nothing happened
    other = add_ticket(world.channel, world.social, text="старое")
    db.session.commit()
    citizen_writes(other, "Во дворе <b>не</b> вывозят мусор " + "очень " * 60)
    answer = desk.poll(shown=[world.ticket.id])
    assert f'data-ticket="{other.number}"' in answer["rows"]
    assert "Во дворе &lt;b&gt;не&lt;/b&gt; вывозят мусор" in answer["rows"]  # escaped, cut
    assert "очень …" not in answer["rows"] and "…" in answer["rows"]
    assert "новое<span class=\"visually-hidden\"> от гражданина" in answer["rows"]
    assert answer["counts"]["tabs"]["department"] == "2" and answer["counts"]["total"] == 2
    assert answer["remove"] == []


def test_opening_a_ticket_clears_its_mark_for_that_user_only(world, signed_in):
    client = signed_in("spec_a")
    desk = Desk(client, "/tickets?queue=department")
    assert 'data-unread-tab="department" title="Новое от гражданина">1<' in desk.html
    assert client.get(f"/tickets/{world.ticket.id}").status_code == 200
    answer = desk.poll(shown=[world.ticket.id])
    assert answer["counts"]["tabs"]["department"] == "" and answer["counts"]["total"] == 0
    assert "desk-new" not in answer["rows"]  # the shown row comes back unmarked
    colleague = Desk(signed_in("spec_a2"), "/tickets?queue=department")
    assert 'data-unread-tab="department" title="Новое от гражданина">1<' in colleague.html
    citizen_writes(world.ticket, "И ещё одно")  # the citizen writes again: new to both
    assert desk.poll(shown=[world.ticket.id])["counts"]["total"] == 1
    assert db.session.scalar(select(TicketRead.user_id)) == world.users["spec_a"].id


def test_another_department_learns_nothing_of_a_change(world, signed_in):
    desk = Desk(signed_in("spec_b"), "/tickets?queue=department")
    citizen_writes(world.ticket, "Секретное продолжение")
    answer = desk.poll(shown=[world.ticket.id])  # even naming the id itself
    assert answer == {"cursor": desk.cursor}
    page = Desk(signed_in("spec_b"), "/tickets?queue=department")
    response = page.client.post("/live/poll", data={"cursor": page.cursor, "ticket": world.ticket.id},
                                headers={"X-CSRFToken": page.token})
    assert response.get_json()["ticket"] == {"gone": True}


def test_a_ticket_moved_away_leaves_the_old_departments_list(world, signed_in):
    desk = Desk(signed_in("spec_a"), "/tickets?queue=department")
    ticket = db.session.get(Ticket, world.ticket.id)
    ticket.department_id = world.economy.id
    db.session.commit()
    assert desk.poll(shown=[world.ticket.id])["remove"] == [world.ticket.id]
    newcomer = Desk(signed_in("spec_b"), "/tickets?queue=department")
    ticket.status = "answered"
    db.session.commit()
    answer = newcomer.poll(shown=[])
    assert f'data-ticket="{ticket.number}"' in answer["rows"]


def test_rows_outside_the_filters_are_removed_and_not_added(world, signed_in):
    desk = Desk(signed_in("press"), "/tickets?queue=all&status=assigned")
    ticket = db.session.get(Ticket, world.ticket.id)
    ticket.status = "answered"
    db.session.commit()
    answer = desk.poll(shown=[world.ticket.id])
    assert answer["remove"] == [world.ticket.id] and "rows" not in answer


def test_a_damaged_or_unknown_cursor_asks_the_desk_to_reload(world, signed_in):
    desk = Desk(signed_in("press"), "/tickets?queue=all")
    desk.cursor = "m00000000-5"
    answer = desk.poll()
    assert answer["reload"] is True and answer["cursor"].startswith(("m", "r"))


def test_a_signed_out_poll_is_not_answered(client):
    response = client.post("/live/poll", data={"cursor": ""})
    assert response.status_code in (302, 400, 401)


# --- the open ticket ----------------------------------------------------------------------

def test_the_open_ticket_changes_and_shows_who_else_is_typing(world, signed_in):
    anna = Desk(signed_in("spec_a"), f"/tickets/{world.ticket.id}")
    bulat = Desk(signed_in("spec_a2"), f"/tickets/{world.ticket.id}")
    assert anna.poll(ticket=world.ticket.id)["ticket"] == {"changed": False, "others": []}
    bulat.poll(ticket=world.ticket.id, typing=True)
    citizen_writes(world.ticket, "Добавлю фото")
    answer = anna.poll(ticket=world.ticket.id)
    assert answer["ticket"] == {"changed": True, "others": [{"name": "Булат Гарипов", "typing": True}]}
    fresh = anna.client.get(f"/tickets/{world.ticket.id}/fresh").get_data(as_text=True)
    assert "Добавлю фото" in fresh
    assert db.session.scalar(select(TicketRead.read_at).where(
        TicketRead.user_id == world.users["spec_a"].id)) is not None


def test_the_fresh_page_is_not_audited_again_but_the_opening_is(world, signed_in):
    from helpdesk.models import AuditEvent

    client = signed_in("spec_a")
    client.get(f"/tickets/{world.ticket.id}")
    client.get(f"/tickets/{world.ticket.id}/fresh")
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "ticket_viewed")).all()
    assert len(views) == 1
    assert signed_in("spec_b").get(f"/tickets/{world.ticket.id}/fresh").status_code == 404


# --- notifications ------------------------------------------------------------------------

def test_a_ticket_arriving_in_my_queue_is_announced_by_number(world, signed_in):
    desk = Desk(signed_in("spec_b"), "/tickets?queue=department")
    ticket = db.session.get(Ticket, world.ticket.id)
    ticket.department_id = world.economy.id
    db.session.commit()
    answer = desk.poll()
    assert answer["notify"] == [{"id": ticket.id, "number": ticket.number}]
    citizen_writes(ticket, "Ещё раз пишу")  # a message, not an arrival
    assert desk.poll().get("notify") == []


def test_unread_marks_look_back_a_week_only(world, signed_in):
    ticket = db.session.get(Ticket, world.ticket.id)
    ticket.last_message_at = datetime.now(timezone.utc) - timedelta(days=8)
    db.session.commit()
    html = signed_in("spec_a").get("/tickets?queue=department").get_data(as_text=True)
    assert "desk-new" not in html


def test_a_row_past_the_last_one_shown_stays_on_its_later_page(world, signed_in):
    from helpdesk.tickets.list_extras import sort_key

    older = add_ticket(world.channel, world.social, received_at=datetime.now(timezone.utc) - timedelta(days=3))
    db.session.commit()
    desk = Desk(signed_in("press"), "/tickets?queue=all")
    edge = sort_key(db.session.get(Ticket, world.ticket.id), "new")  # the desk shows only the newer one
    citizen_writes(older, "Пишу снова")
    response = desk.client.post("/live/poll", headers={"X-CSRFToken": desk.token}, data={
        "cursor": desk.cursor, "list": "queue=all", "shown": str(world.ticket.id), "edge": edge})
    answer = response.get_json()
    assert "rows" not in answer and answer["remove"] == []
    citizen_writes(world.ticket, "И я пишу")
    answer = desk.poll(shown=[world.ticket.id])
    assert f'data-ticket="{world.ticket.number}"' in answer["rows"]
