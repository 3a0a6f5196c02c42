"""Bulk actions on selected tickets (issue 15, item 4): each ticket keeps the single action's
checks (access, version, rules) and its own audit row; a partial failure keeps what succeeded and
names what it skipped, and why."""
import re

import pytest
from sqlalchemy import func, select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Ticket
from helpdesk.models.routing import TrainingExample
from helpdesk.tickets import bulk, lifecycle
from helpdesk.tickets.bulk import BulkRequest, Selected
from helpdesk.tickets.concurrency import version_of
from helpdesk.tickets.errors import TicketError
from tests.desk.world import add_ticket
from tests.helpers import csrf_from


def _selected(*tickets) -> tuple[Selected, ...]:
    """The tickets as a list shows them now (their versions at this moment)."""
    return tuple(Selected(t.id, version_of(t), t.number) for t in tickets)


def _three(world):
    more = [add_ticket(world.channel, world.social) for _ in range(2)]
    db.session.commit()
    return [world.ticket, *more]


def _audits(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def _fresh(ticket_id: int) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def test_bulk_assign_gives_each_ticket_its_own_audit_row(world):
    tickets, press = _three(world), world.users["press"]
    spec = world.users["spec_a"]
    outcome = bulk.run(press, BulkRequest("assign", _selected(*tickets), assignee=str(spec.id)))
    db.session.commit()
    assert outcome.done == [t.number for t in tickets] and not outcome.skipped
    assert all(_fresh(t.id).assignee_id == spec.id for t in tickets)
    assert sorted(int(e.object_id) for e in _audits("ticket_assigned")) == [t.id for t in tickets]
    summary = _audits("bulk_action")
    assert len(summary) == 1 and summary[0].details["done"] == outcome.done


def test_bulk_unassign(world):
    t, press = world.ticket, world.users["press"]
    lifecycle.assign(t, press, world.users["spec_a"].id)
    db.session.commit()
    bulk.run(press, BulkRequest("assign", _selected(t), assignee=bulk.NOBODY))
    db.session.commit()
    assert _fresh(t.id).assignee_id is None


def test_bulk_route_keeps_each_correction(world):
    tickets, press = _three(world), world.users["press"]
    outcome = bulk.run(press, BulkRequest("route", _selected(*tickets),
                                          department_id=world.economy.id))
    db.session.commit()
    assert len(outcome.done) == 3
    assert all(_fresh(t.id).department_id == world.economy.id for t in tickets)
    assert len(_audits("ticket_rerouted")) == 3
    assert db.session.scalar(select(func.count()).select_from(TrainingExample)) == 3


def test_bulk_status_change_names_a_ticket_already_there(world):
    tickets, press = _three(world), world.users["press"]
    lifecycle.change_status(tickets[1], press, "triage")
    db.session.commit()
    outcome = bulk.run(press, BulkRequest("status", _selected(*tickets), status="triage"))
    db.session.commit()
    assert outcome.done == [tickets[0].number, tickets[2].number]
    [skipped] = outcome.skipped
    assert str(skipped) == (f"№ {tickets[1].number} — обращение уже в этом статусе: "
                            "ничего не изменено")
    assert [_fresh(t.id).status for t in tickets] == ["triage"] * 3


def test_bulk_close_with_an_article_11_reason(world):
    tickets, spec = _three(world), world.users["spec_a"]
    outcome = bulk.run(spec, BulkRequest("close", _selected(*tickets), result="no_answer",
                                         reason="not_appeal"))
    db.session.commit()
    assert len(outcome.done) == 3
    for t in tickets:
        t = _fresh(t.id)
        assert (t.status, t.result, t.close_reason) == ("closed", "no_answer", "not_appeal")
    closed = _audits("ticket_closed")
    assert len(closed) == 3 and all(e.details["reason"] == "not_appeal" for e in closed)


def test_closing_rules_are_the_single_actions(world):
    """An answer result needs a reply sent: the ticket without one is skipped with the same
    words the ticket page would say, the one with a reply is closed."""
    tickets, spec = _three(world), world.users["spec_a"]
    lifecycle.reply(tickets[0], spec, "Ответ по существу", final=True)
    db.session.commit()
    outcome = bulk.run(spec, BulkRequest("close", _selected(*tickets[:2]), result="explained"))
    db.session.commit()
    assert outcome.done == [tickets[0].number]
    assert "ответ не отправлялся" in outcome.skipped[0].reason
    assert _fresh(tickets[1].id).status == "assigned"
    with pytest.raises(TicketError, match="Выберите результат"):
        bulk.run(spec, BulkRequest("close", _selected(tickets[2])))


def test_partial_failure_keeps_what_succeeded_and_names_the_changed_ticket(world):
    tickets = _three(world)
    listed = _selected(*tickets)  # the list as press staff opened it
    # Meanwhile another specialist takes the second ticket.
    lifecycle.assign(tickets[1], world.users["spec_a2"], world.users["spec_a2"].id)
    db.session.commit()
    outcome = bulk.run(world.users["press"], BulkRequest("close", listed, result="no_answer",
                                                         reason="no_substance"))
    db.session.commit()
    assert outcome.done == [tickets[0].number, tickets[2].number]
    [skipped] = outcome.skipped
    assert str(skipped).startswith(f"№ {tickets[1].number} — изменён другим сотрудником "
                                   "(Назначен исполнитель — spec_a2, ")
    kept = _fresh(tickets[1].id)
    assert kept.status == "assigned" and kept.assignee_id == world.users["spec_a2"].id
    assert [int(e.object_id) for e in _audits("ticket_closed")] == [tickets[0].id, tickets[2].id]
    assert _audits("bulk_action")[0].details["skipped"] == [
        {"id": tickets[1].id, "reason": skipped.reason}]


def test_a_change_of_ones_own_is_named_as_such(world):
    t, press = world.ticket, world.users["press"]
    listed = _selected(t)
    lifecycle.change_status(t, press, "triage")
    db.session.commit()
    outcome = bulk.run(press, BulkRequest("status", listed, status="answered"))
    assert outcome.skipped[0].reason.startswith("изменён после того, как вы открыли список")


def test_a_failure_after_a_flush_is_rolled_back_alone(world):
    """The savepoint takes back everything one failed ticket did (here the correction a
    re-route keeps before it is refused for the second ticket's version)."""
    tickets = _three(world)
    listed = list(_selected(*tickets))
    listed[1] = Selected(tickets[1].id, "2020-01-01T00:00:00.000000+00:00", tickets[1].number)
    outcome = bulk.run(world.users["press"], BulkRequest("route", tuple(listed),
                                                         department_id=world.economy.id))
    db.session.commit()
    assert len(outcome.done) == 2 and outcome.skipped[0].ticket_id == tickets[1].id
    assert _fresh(tickets[1].id).department_id == world.social.id
    assert db.session.scalar(select(func.count()).select_from(TrainingExample)) == 2


def test_a_specialist_acts_only_in_their_department(world):
    mine = world.ticket
    theirs = add_ticket(world.channel, world.economy)
    db.session.commit()
    spec = world.users["spec_a"]
    outcome = bulk.run(spec, BulkRequest("assign", _selected(mine, theirs), assignee=str(spec.id)))
    db.session.commit()
    assert outcome.done == [mine.number]
    assert [str(s) for s in outcome.skipped] == [f"№ {theirs.number} — {bulk.NO_ACCESS}"]
    assert _fresh(theirs.id).assignee_id is None
    [denied] = _audits("access_denied")
    assert denied.object_id == str(theirs.id) and denied.result == "denied"


def test_an_assignee_outside_the_tickets_department_is_refused_per_ticket(world):
    social = world.ticket
    economy = add_ticket(world.channel, world.economy)
    db.session.commit()
    spec_b = world.users["spec_b"]  # a specialist of economy
    outcome = bulk.run(world.users["press"], BulkRequest("assign", _selected(social, economy),
                                                         assignee=str(spec_b.id)))
    assert outcome.done == [economy.number]
    assert outcome.skipped[0].reason.startswith("назначить можно специалиста подразделения")


def test_a_ticket_the_user_never_saw_is_not_named_from_the_database(world):
    theirs = add_ticket(world.channel, world.economy)
    db.session.commit()
    outcome = bulk.run(world.users["spec_a"], BulkRequest(
        "status", (Selected(theirs.id, version_of(theirs), ""),), status="triage"))
    assert str(outcome.skipped[0]) == f"обращение — {bulk.NO_ACCESS}"  # no number leaks


@pytest.mark.parametrize("values,error", [
    ([], "Выберите обращения"),
    (["abc@x@1"], "Неверный выбор"),
    ([f"{n}@v@2026-{n:06d}" for n in range(1, bulk.MAX_SELECTED + 2)], "не больше"),
])
def test_selection_is_parsed_or_refused(values, error):
    with pytest.raises(TicketError, match=error):
        bulk.parse_selection(values)


def test_selection_keeps_each_ticket_once_and_ignores_a_strange_number():
    parsed = bulk.parse_selection(["5@2026-01-01T00:00:00+00:00@2026-000005", "5@other@x",
                                   "7@v@<b>"])
    assert parsed == (Selected(5, "2026-01-01T00:00:00+00:00", "2026-000005"), Selected(7, "v", ""))


@pytest.mark.parametrize("request_,error", [
    (dict(action="assign"), "Выберите исполнителя"),
    (dict(action="route"), "Выберите подразделение"),
    (dict(action="status"), "Выберите статус"),
    (dict(action="delete"), "Выберите действие"),
])
def test_a_missing_choice_refuses_the_whole_request(world, request_, error):
    with pytest.raises(TicketError, match=error):
        bulk.run(world.users["press"], BulkRequest(selected=_selected(world.ticket), **request_))


# --- through the list page -------------------------------------------------------------------

_PICK = re.compile(r'name="tickets" value="([^"]+)"')


def test_the_list_offers_bulk_actions_to_writers_only(world, signed_in):
    html = signed_in("press").get("/tickets?queue=all").get_data(as_text=True)
    assert 'id="desk-bulk"' in html and 'form="desk-bulk"' in html
    assert _PICK.findall(html) == [f"{world.ticket.id}@{version_of(world.ticket)}@{world.ticket.number}"]
    for name in (">Закрыть<", "Без основания ст. 11", "— снять исполнителя —"):
        assert name in html
    audit = signed_in("auditor").get("/tickets?queue=all").get_data(as_text=True)
    assert 'id="desk-bulk"' not in audit and "desk-pick" not in audit


def test_bulk_close_through_the_page_reports_done_and_skipped(world, signed_in):
    tickets = _three(world)
    client = signed_in("press")
    page = client.get("/tickets?queue=all").get_data(as_text=True)
    picks = _PICK.findall(page)
    lifecycle.assign(tickets[2], world.users["spec_a2"], world.users["spec_a2"].id)
    db.session.commit()
    response = client.post("/tickets/bulk", data={
        "csrf_token": csrf_from(page), "action": "close", "result": "no_answer",
        "reason": "not_appeal", "tickets": picks, "next": "/tickets?queue=all"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tickets?queue=all")
    html = re.sub(r"<[^>]+>", "", client.get("/tickets?queue=all").get_data(as_text=True))
    assert f"Закрыто: 2 (№ {tickets[0].number}, № {tickets[1].number})" in html or \
        f"Закрыто: 2 (№ {tickets[1].number}, № {tickets[0].number})" in html
    assert "Пропущено 1 из 3 (не изменены):" in html
    assert f"№ {tickets[2].number} — изменён другим сотрудником" in html
    assert _fresh(tickets[2].id).status == "assigned"


def test_bulk_needs_the_csrf_token_and_a_writer(world, signed_in):
    pick = f"{world.ticket.id}@{version_of(world.ticket)}@{world.ticket.number}"
    data = {"action": "status", "status": "triage", "tickets": pick}
    assert signed_in("press").post("/tickets/bulk", data=data).status_code == 400
    auditor = signed_in("auditor")
    token = csrf_from(auditor.get("/account/password").get_data(as_text=True))
    assert auditor.post("/tickets/bulk", data={**data, "csrf_token": token}).status_code == 403
    assert _fresh(world.ticket.id).status == "assigned"


def test_a_refused_request_keeps_the_list_and_says_why(world, signed_in):
    client = signed_in("press")
    page = client.get("/tickets?queue=all").get_data(as_text=True)
    response = client.post("/tickets/bulk", data={"csrf_token": csrf_from(page), "action": "route",
                                                  "tickets": _PICK.findall(page),
                                                  "next": "/tickets?queue=all"})
    assert response.status_code == 302
    assert "Выберите подразделение" in client.get("/tickets?queue=all").get_data(as_text=True)
