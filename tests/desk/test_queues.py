"""Queues, filters, keyset pagination and Russian full-text search (SQLite and PostgreSQL)."""
from datetime import datetime, timedelta, timezone

import pytest

from helpdesk.extensions import db
from helpdesk.models.digest import Escalation
from helpdesk.models.ticket import Ticket
from helpdesk.tickets.queues import (FilterError, ListFilters, decode_cursor, encode_cursor,
                                     list_page, parse_filters)
from helpdesk.tickets.presenters import soon_before
from tests.desk.world import add_ticket

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)  # Tuesday, 12:00 Moscow


def numbers(user, now=NOW, **kw):
    filters = ListFilters(**kw)
    page, errors = list_page(user, filters, now, soon_before(now), page_size=500)
    assert errors == []
    return {t.number for t in page.tickets}


def test_queues_by_role(world):
    w = world
    triage = add_ticket(w.channel, w.press_dept, status="triage")
    mine = add_ticket(w.channel, w.social)
    mine.assignee_id = w.users["spec_a"].id
    other = add_ticket(w.channel, w.economy)
    db.session.commit()
    press, spec_a, spec_b = w.users["press"], w.users["spec_a"], w.users["spec_b"]
    assert numbers(press, queue="triage") == {triage.number}
    assert numbers(press, queue="all") == {w.ticket.number, triage.number, mine.number, other.number}
    assert numbers(spec_a, queue="department") == {w.ticket.number, mine.number}
    assert numbers(spec_a, queue="mine") == {mine.number}
    # A specialist asking for "all" is held to their department by access control.
    assert numbers(spec_b, queue="all") == {other.number}


def test_parse_filters_rejects_bad_input_without_error_page(world):
    filters, errors = parse_filters({"queue": "all", "status": "bogus", "date_from": "31.02.2026",
                                     "department_id": "x", "due": "later"}, world.users["spec_a"])
    assert filters.queue == "department"  # a specialist cannot open "all"
    assert len(errors) == 5
    assert filters.status == "" and filters.date_from is None and filters.department_id is None


def test_bad_filters_in_the_page_show_a_warning(world, signed_in):
    response = signed_in("press").get("/tickets?queue=all&date_from=bad&after=%%%")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Дата «С»: укажите её в формате ГГГГ-ММ-ДД" in html and "Неверная ссылка на страницу" in html


def test_filters_status_kind_channel_district_topic_dates(world):
    w = world
    a = add_ticket(w.channel, w.social, received_at=NOW - timedelta(days=3), district="Арский район",
                   topic="Дороги", topic_code="0005.0005.0056.1156")
    b = add_ticket(w.channel, w.social, status="closed", received_at=NOW - timedelta(days=1), kind="appeal")
    db.session.commit()
    press = w.users["press"]
    assert numbers(press, status="closed") == {b.number}
    assert numbers(press, kind="appeal") == {b.number}
    assert numbers(press, district="Арский район") == {a.number}
    assert numbers(press, topic="0005.0005.0056.1156") == {a.number}
    assert numbers(press, topic="Дороги") == {a.number}
    assert a.number in numbers(press, channel_id=w.channel.id)
    assert numbers(press, channel_id=w.channel.id + 100) == set()
    day = (NOW - timedelta(days=3)).date()
    assert numbers(press, date_from=day, date_to=day) == {a.number}
    assert numbers(press, department_id=w.economy.id) == set()


def test_due_filters_overdue_and_soon(world):
    w = world
    # received Monday 9 March 2026, 09:00 Moscow: first answer due after 8 working hours (17:00).
    late = add_ticket(w.channel, w.social, received_at=datetime(2026, 3, 6, 6, 0, tzinfo=timezone.utc))
    fresh = add_ticket(w.channel, w.social, received_at=datetime(2026, 3, 10, 6, 0, tzinfo=timezone.utc))
    db.session.commit()
    press = w.users["press"]
    # At 14:00 Moscow on the 10th: "late" is overdue; "fresh" (due 09:00 + 8 h = 17:00) not yet soon.
    at_2pm = datetime(2026, 3, 10, 11, 0, tzinfo=timezone.utc)
    assert late.number in numbers(press, now=at_2pm, due="overdue")
    assert fresh.number not in numbers(press, now=at_2pm, due="overdue")
    assert fresh.number not in numbers(press, now=at_2pm, due="soon")
    # At 15:30 Moscow it has 90 working minutes left: soon (threshold 120).
    at_330 = datetime(2026, 3, 10, 12, 30, tzinfo=timezone.utc)
    assert fresh.number in numbers(press, now=at_330, due="soon")
    # Answered first: its first-answer clock stops, the answer clock (7 working days) runs.
    fresh.first_response_at = at_2pm
    db.session.commit()
    assert fresh.number not in numbers(press, now=at_330, due="soon")


@pytest.mark.parametrize("sort", ["new", "old", "activity", "due"])
def test_keyset_pagination_visits_every_ticket_once(world, sort):
    w = world
    base = datetime(2026, 3, 2, 6, 0, tzinfo=timezone.utc)
    made = {w.ticket.number}
    for i in range(23):
        # Pairs with equal timestamps check the id tie-break.
        made.add(add_ticket(w.channel, w.social, received_at=base + timedelta(hours=i // 2)).number)
    db.session.commit()
    seen, after, pages = [], "", 0
    while True:
        filters = ListFilters(queue="all", sort=sort, after=after)
        page, errors = list_page(w.users["press"], filters, NOW, soon_before(NOW), page_size=5)
        assert errors == []
        seen += [t.number for t in page.tickets]
        pages += 1
        if not page.next_after:
            break
        after = page.next_after
    assert len(seen) == len(set(seen)) == len(made)
    assert set(seen) == made
    assert pages == 5
    if sort == "new":
        times = [db.session.scalar(db.select(Ticket.received_at).where(Ticket.number == n)) for n in seen]
        assert times == sorted(times, reverse=True)


def test_cursor_roundtrip_and_damage():
    stamp = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert decode_cursor(encode_cursor(stamp, 42)) == (stamp, 42)
    with pytest.raises(FilterError):
        decode_cursor("not-a-cursor")


def test_escalated_ticket_appears_in_press_triage(world):
    w = world
    assert w.ticket.number not in numbers(w.users["press"], queue="triage")
    db.session.add(Escalation(ticket_id=w.ticket.id, clock="answer_due", due_at=NOW))
    db.session.commit()
    assert w.ticket.number in numbers(w.users["press"], queue="triage")


@pytest.mark.parametrize("query,expected", [
    ("дорога", {"roads"}),             # "дорогами" in the text
    ("дорог", {"roads"}),
    ("ремонт дороги", {"roads"}),      # every word must match
    ("ремонт школы", set()),
    ("Гарипова", {"named"}),           # citizen name, another case
    ("гарипов", {"named"}),
    ("отопление", {"heating"}),         # "отоплением"
    ("ёлка", {"heating"}),              # ё read as е ("елки")
])
def test_search_understands_russian_morphology(world, query, expected):
    w = world
    made = {
        "roads": add_ticket(w.channel, w.social, text="Что с дорогами в Арском районе? Нужен ремонт"),
        "named": add_ticket(w.channel, w.social, text="Прошу принять", name="Рустам Гарипов"),
        "heating": add_ticket(w.channel, w.economy, text="Проблемы с отоплением, даже елки замёрзли"),
    }
    db.session.commit()
    found = numbers(w.users["press"], q=query)
    assert found == {made[k].number for k in expected}


def test_search_is_restricted_by_department(world):
    w = world
    hidden = add_ticket(w.channel, w.economy, text="Ремонт дорог в Казани")
    db.session.commit()
    assert hidden.number in numbers(w.users["press"], q="дороги")
    assert hidden.number not in numbers(w.users["spec_a"], queue="department", q="дороги")


def test_search_follows_edits_and_deletes(world):
    from helpdesk.models import Message

    w = world
    msg = db.session.scalar(db.select(Message).where(Message.ticket_id == w.ticket.id))
    msg.text = "Теперь про больницы"
    db.session.commit()
    assert numbers(w.users["press"], q="больница") == {w.ticket.number}
    assert numbers(w.users["press"], q="дорога") == set()


def test_search_query_with_fts_syntax_is_safe(world, signed_in):
    response = signed_in("press").get('/tickets?queue=all&q=" OR NEAR(*) -')
    assert response.status_code == 200
    response = signed_in("press").get("/tickets?queue=all&q=" + "x" * 300)
    assert response.status_code == 200
    assert "длиннее" in response.get_data(as_text=True)


def test_list_pages_follow_the_more_link_over_http(world, signed_in):
    import re

    w = world
    for _i in range(60):
        add_ticket(w.channel, w.social)
    db.session.commit()
    client = signed_in("press")
    html = client.get("/tickets?queue=all").get_data(as_text=True)
    first = re.findall(r'data-ticket="([^"]+)"', html)
    assert len(first) == 50
    more = re.search(r'href="(/tickets\?[^"]*after=[^"]+)"', html).group(1).replace("&amp;", "&")
    html2 = client.get(more, headers={"HX-Request": "true"}).get_data(as_text=True)
    second = re.findall(r'data-ticket="([^"]+)"', html2)
    assert len(second) == 11 and not set(first) & set(second)
    assert "<html" not in html2  # htmx gets only the rows


def test_search_document_spans_messages_and_name_and_follows_changes(world):
    from helpdesk.models import Message
    from helpdesk.models.message import Direction
    from helpdesk.tickets import lifecycle

    w = world
    t = add_ticket(w.channel, w.social, text="Прошу помочь с лифтом", name="Рустам Гарипов")
    db.session.add(Message(ticket_id=t.id, channel_id=w.channel.id, direction=Direction.INBOUND,
                           text="Лифт стоит уже неделю", external_key="x-lift-2"))
    db.session.commit()
    press = w.users["press"]
    assert numbers(press, q="Гарипова лифты") == {t.number}   # name + text of the ticket
    assert numbers(press, q="неделя") == {t.number}           # the second message
    t.citizen.display_name = "Рустам Сафин"
    db.session.commit()
    assert numbers(press, q="Гарипов") == set()
    assert numbers(press, q="Сафину") == {t.number}
    dup = add_ticket(w.channel, w.social, text="Вода ржавая из крана", citizen=t.citizen)
    db.session.commit()
    lifecycle.merge(dup, press, t)
    db.session.commit()
    assert numbers(press, q="ржавая вода") == {t.number}


@pytest.mark.parametrize("fraction", [-1, 1])
def test_search_plan_shapes_give_the_same_answer(world, monkeypatch, fraction):
    """PostgreSQL walks the newest tickets for common words and looks rare ones up first."""
    from helpdesk.tickets import search

    monkeypatch.setattr(search, "RARE_FRACTION", fraction)  # SQLite ignores it
    monkeypatch.setattr(search, "_plans", {})
    w = world
    road = add_ticket(w.channel, w.social, text="Разбитые дороги у школы")
    add_ticket(w.channel, w.economy, text="Прошу субсидию")
    db.session.commit()
    assert numbers(w.users["press"], q="дорогой") == {road.number}
    assert numbers(w.users["press"], q="фываолдж") == set()
    assert numbers(w.users["spec_a"], queue="department", q="школа") == {road.number}


def test_queue_tabs_follow_the_desk_order(world):
    """«Требует разбора», «Мои», «Мой отдел», «Все»: a press officer with a department sees
    «Мой отдел» before «Все», as a specialist's tabs read."""
    from helpdesk.tickets.filters import queues_for

    press = world.users["press"]
    press.department_id = None
    assert queues_for(press) == ["triage", "mine", "all"]
    press.department_id = world.social.id
    assert queues_for(press) == ["triage", "mine", "department", "all"]
    assert queues_for(world.users["spec_a"]) == ["mine", "department"]


def test_a_period_that_ends_before_it_starts_is_named(world, signed_in):
    html = signed_in("press").get("/tickets?queue=all&date_from=2026-05-10&date_to=2026-05-01") \
        .get_data(as_text=True)
    assert "Дата «По» раньше даты «С»" in html
    assert world.ticket.number in html  # the period is dropped, not applied
