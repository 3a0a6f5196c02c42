"""The desk's fast paths keep the behaviour: list rows, plan-friendly SQL, the page's queries, caches."""
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, insert, select

from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.models.deadlines import CalendarDay
from helpdesk.models.setting import set_setting
from helpdesk.models.ticket import Ticket
from helpdesk.tickets import page as ticket_page
from helpdesk.tickets import presenters, search
from helpdesk.tickets.queues import ListFilters, list_page
from tests.desk.world import add_ticket

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)


class Statements:
    """The SQL statements sent while the block runs."""

    def __enter__(self):
        self.sent = []
        event.listen(db.engine, "before_cursor_execute", self._seen)
        return self

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.sent.append((statement, parameters))

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._seen)


def _values(parameters) -> list:
    return list(parameters.values() if isinstance(parameters, dict) else parameters)


def test_list_rows_show_what_the_tickets_hold(world):
    w = world
    assigned = add_ticket(w.channel, w.social, name="Гульнара Сафина", assignee_id=w.users["spec_a"].id)
    appeal = add_ticket(w.channel, None, status="triage", kind="appeal")
    db.session.commit()
    page, errors = list_page(w.users["press"], ListFilters(queue="all"), NOW, presenters.soon_before(NOW))
    assert errors == []
    rows = {r.id: r for r in page.tickets}
    for ticket in db.session.scalars(select(Ticket)):
        row = rows[ticket.id]
        for name in ("number", "status", "kind", "assignee_id", "received_at", "last_message_at",
                     "first_response_due", "answer_due", "registration_due", "registered_at"):
            assert getattr(row, name) == getattr(ticket, name), name
        assert row.citizen.display_name == ticket.citizen.display_name
        assert row.channel.kind_label == ticket.channel.kind_label
        assert row.kind_label == ticket.kind_label and row.status_label == ticket.status_label
        assert presenters.status_label(row) == presenters.status_label(ticket)
        assert presenters.list_badges([row], NOW) == presenters.list_badges([ticket], NOW)
    assert rows[assigned.id].assignee.full_name == "Анна Сафина"
    assert rows[assigned.id].department.name == w.social.name
    assert rows[appeal.id].department is None and rows[appeal.id].assignee is None
    assert rows[appeal.id].received_at.tzinfo is not None


def test_queue_sql_binds_no_constants(world):
    """Statuses, the user's department and the page size are written in: one plan per queue."""
    spec = world.users["spec_a"]
    with Statements() as seen:
        page, _ = list_page(spec, ListFilters(queue="department", status="open"), NOW,
                            presenters.soon_before(NOW))
    statement, values = seen.sent[-1]
    assert [t.number for t in page.tickets] == [world.ticket.number]
    assert _values(values) in ([], [0]), (statement, values)  # SQLite adds "OFFSET ?" (0) to a LIMIT
    assert f"department_id = {spec.department_id}" in statement
    # Free text stays a bound parameter.
    with Statements() as seen:
        list_page(spec, ListFilters(queue="department", district="Казань'; --"), NOW,
                  presenters.soon_before(NOW))
    assert "Казань'; --" in _values(seen.sent[-1][1])


def test_a_quote_in_a_status_filter_stays_quoted(world):
    page, errors = list_page(world.users["press"], ListFilters(queue="all", status="x' OR '1'='1"),
                             NOW, presenters.soon_before(NOW))
    assert page.tickets == [] and errors == []


def test_ticket_page_reads_each_block_once(world):
    w = world
    add_ticket(w.channel, w.social, citizen=w.ticket.citizen)
    db.session.commit()
    ticket_id, press_id = w.ticket.id, w.users["press"].id
    db.session.expire_all()
    press = db.session.get(type(w.users["press"]), press_id)
    with Statements() as seen:
        shown = ticket_page.page_ticket(press, ticket_id)
        data = ticket_page.page_data(press, shown, NOW)
        # Everything the template reads of these is loaded already.
        assert shown.citizen.display_name == "Иван Петров"
        assert [m.text for m in data.messages] == ["Прошу разобраться с пропуском"]
        assert [m.author for m in data.messages] == [None]
        assert [(o.number, presenters.status_label(o), o.received_at is not None)
                for o in data.other_tickets] == [(data.other_tickets[0].number, "В подразделении", True)]
    # ticket + citizen, messages + attachments + authors, other tickets, routing, canned.
    assert len(seen.sent) <= 5, "\n".join(s[:200] for s, _ in seen.sent)


def test_ticket_page_is_still_recorded_and_shown(world, signed_in):
    from helpdesk.models.audit import AuditEvent

    client = signed_in("spec_a")
    response = client.get(f"/tickets/{world.ticket.id}")
    assert response.status_code == 200
    assert "Прошу разобраться с пропуском" in response.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket_viewed")) is not None
    assert signed_in("spec_b").get(f"/tickets/{world.ticket.id}").status_code == 404


def test_another_process_edit_is_seen_after_the_check_interval(world, monkeypatch):
    day = date(2026, 4, 7)  # an ordinary Tuesday
    assert store.load_calendar().is_working_day(day)
    # Another worker edits the calendar: this process hears of it only through the version.
    db.session.execute(insert(CalendarDay.__table__).values(day=day, kind="holiday", name="тест",
                                                            source="РТ", confirmed=True))
    set_setting(store.VERSION_KEY, 999)
    db.session.commit()
    with Statements() as seen:
        assert store.load_calendar().is_working_day(day)  # within the interval: no query at all
    assert seen.sent == []
    monkeypatch.setattr(store, "VERSION_CHECK_SECONDS", 0.0)
    assert not store.load_calendar().is_working_day(day)


def test_a_word_without_statistics_is_fetched_through_the_index(ctx, monkeypatch):
    # 0.5 % of a table whose size moved a little since ANALYZE: still the index path.
    monkeypatch.setattr(search, "_plans", {})
    monkeypatch.setattr(search, "_pg_estimate", lambda terms: 5000 / 999_958)
    assert search.is_rare("фываолдж")
    monkeypatch.setattr(search, "_pg_estimate", lambda terms: 0.02)
    assert not search.is_rare("дорога")


def test_a_search_plan_is_estimated_once_a_minute(ctx, monkeypatch):
    """Paging through results asks for the same words again: one estimate per minute."""
    asked = []
    monkeypatch.setattr(search, "_plans", {})
    monkeypatch.setattr(search, "_pg_estimate", lambda terms: asked.append(terms) or 0.5)
    clock = [1000.0]
    monkeypatch.setattr(search.time, "monotonic", lambda: clock[0])
    assert not search.is_rare("дорога") and not search.is_rare("дорога")
    assert asked == ["дорога"]
    clock[0] += search.PLAN_SECONDS + 1
    assert not search.is_rare("дорога")
    assert asked == ["дорога", "дорога"]


@pytest.mark.parametrize("sort", ["new", "due"])
def test_rows_and_cursor_work_for_every_sort(world, sort):
    w = world
    for minutes in (5, 10, 15):
        add_ticket(w.channel, w.social, received_at=NOW - timedelta(minutes=minutes))
    db.session.commit()
    user, seen, after = w.users["press"], [], ""
    while True:
        page, errors = list_page(user, ListFilters(queue="all", sort=sort, after=after), NOW,
                                 presenters.soon_before(NOW), page_size=2)
        assert errors == []
        seen += [t.number for t in page.tickets]
        if not page.next_after:
            break
        after = page.next_after
    assert sorted(seen) == sorted(db.session.scalars(select(Ticket.number)))


def test_a_compiled_list_is_never_shared_across_departments(world):
    """Lists are compiled once per shape; the shape holds the user's scope, so one
    specialist's compiled list never serves another department's specialist."""
    w = world
    theirs = add_ticket(w.channel, w.economy, name="Чужой Заявитель")
    db.session.commit()
    # "all": nothing but the scope restricts a specialist here.
    filters = ListFilters(queue="all", status="open", q="пропуском")
    seen = {}
    for name in ("spec_a", "spec_b", "spec_a", "spec_b"):
        user = w.users[name]
        page, errors = list_page(user, filters, NOW, presenters.soon_before(NOW))
        assert errors == []
        assert {t.id for t in page.tickets} <= {t.id for t in db.session.scalars(
            select(Ticket).where(Ticket.department_id == user.department_id))}
        seen[name] = {t.id for t in page.tickets}
    assert seen["spec_a"] == {w.ticket.id} and seen["spec_b"] == {theirs.id}
    everyone = list_page(w.users["press"], ListFilters(queue="all", q="пропуском"), NOW,
                         presenters.soon_before(NOW))[0]
    assert {t.id for t in everyone.tickets} == {w.ticket.id, theirs.id}


def test_bound_values_change_between_calls_of_one_compiled_list(world):
    w = world
    old = add_ticket(w.channel, w.social, received_at=NOW - timedelta(days=40), district="Арский район")
    new = add_ticket(w.channel, w.social, received_at=NOW - timedelta(days=2), district="Арский район")
    db.session.commit()
    press = w.users["press"]

    def ids(**kw):
        page, errors = list_page(press, ListFilters(queue="all", **kw), NOW, presenters.soon_before(NOW))
        assert errors == []
        return {t.id for t in page.tickets}
    assert ids(district="арский", date_from=(NOW - timedelta(days=10)).date()) == {new.id}
    assert ids(district="арский", date_from=(NOW - timedelta(days=60)).date()) == {old.id, new.id}
    assert ids(district="Арский район", date_from=(NOW - timedelta(days=60)).date()) == {old.id, new.id}
    assert ids(district="Нет такого", date_from=(NOW - timedelta(days=60)).date()) == set()


def test_the_page_ticket_holds_what_the_ticket_holds(world):
    """The ticket page reads a TicketView: every column, the citizen and the names it shows."""
    from helpdesk.models.channel import Citizen
    from helpdesk.tickets.page_rows import CITIZEN_COLUMNS, TICKET_COLUMNS

    w = world
    ticket = add_ticket(w.channel, w.social, assignee_id=w.users["spec_a"].id,
                        extracted={"district": "Арский район"}, applicant_name="Пётр Иванов")
    db.session.commit()
    view = ticket_page.page_ticket(w.users["spec_a"], ticket.id)
    stored = db.session.get(Ticket, ticket.id)
    for name in TICKET_COLUMNS:
        assert getattr(view, name) == getattr(stored, name), name
    citizen = db.session.get(Citizen, stored.citizen_id)
    assert all(getattr(view.citizen, n) == getattr(citizen, n) for n in CITIZEN_COLUMNS)
    assert view.extracted == {"district": "Арский район"}
    assert (view.department.name, view.assignee.full_name) == (w.social.name, "Анна Сафина")
    assert view.channel.kind_label == stored.channel.kind_label
    assert (view.status_label, view.kind_label, view.is_open) == (
        stored.status_label, stored.kind_label, stored.is_open)
    from werkzeug.exceptions import NotFound
    with pytest.raises(NotFound):  # another department's specialist
        ticket_page.page_ticket(w.users["spec_b"], ticket.id)
