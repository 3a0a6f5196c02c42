"""The routing explanation on the ticket page: words, departments, and a person's re-route."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from helpdesk.extensions import db
from helpdesk.models.routing import RoutingDecision
from helpdesk.tickets import lifecycle
from helpdesk.tickets.explain import extraction_rows, routing_view
from tests.desk.world import add_ticket


def _decision(**kw):
    base = dict(candidates=[{"label": "ЖКХ", "score": 0.84, "department_id": None}],
                matched_rules=[], confidence=0.59, to_triage=True, reason="low_confidence",
                language="ru", special_kind=None, model_version="m1", department_id=None)
    return SimpleNamespace(**{**base, **kw})


def _routed(world, department, **kw) -> RoutingDecision:
    """A ticket put into `department` by the router, with its stored decision."""
    ticket = add_ticket(world.channel, department)
    row = RoutingDecision(ticket_id=ticket.id, language="ru", confidence=0.4, to_triage=True,
                          reason="low_confidence", candidates=[{"label": "ЖКХ", "score": 0.57,
                                                                "department_id": None}],
                          matched_rules=[], **kw)
    db.session.add(row)
    db.session.commit()
    return row


def test_decision_words_and_topics(ctx):
    view = routing_view(_decision())
    assert view.reason.startswith("Низкая уверенность")
    assert view.candidates == [{"label": "ЖКХ", "percent": 84, "department": "не сопоставлена"}]
    assert view.confidence_percent == 59


def test_automatic_triage_is_not_a_persons_move(world):
    decision = _routed(world, world.press_dept)
    view = routing_view(decision, current_department_id=world.press_dept.id)
    assert view.to_triage and view.now_with is None and view.moved_by is None


def test_no_move_when_the_department_is_the_decided_one(world):
    decision = _routed(world, world.social)
    decision.to_triage, decision.department_id, decision.reason = False, world.social.id, "confident"
    db.session.commit()
    view = routing_view(decision, current_department_id=world.social.id)
    assert view.now_with is None and view.reason == "Уверенная маршрутизация"


def test_staff_reroute_is_shown_with_who_did_it(world):
    decision = _routed(world, world.press_dept)
    ticket = db.session.get(type(world.ticket), decision.ticket_id)
    lifecycle.reroute(ticket, world.users["spec_a"], world.economy.id)
    db.session.commit()
    view = routing_view(decision, current_department_id=world.economy.id)
    assert view.now_with == "Комитет по экономике"
    assert view.moved_by == "Анна Сафина"


def test_a_move_before_a_newer_decision_is_not_shown(world):
    decision = _routed(world, world.press_dept)
    ticket = db.session.get(type(world.ticket), decision.ticket_id)
    lifecycle.reroute(ticket, world.users["press"], world.economy.id)
    decision.created_at = datetime.now(timezone.utc) + timedelta(minutes=1)  # routed again later
    db.session.commit()
    assert routing_view(decision, current_department_id=world.economy.id).now_with is None


def test_ticket_page_labels_the_two_percentages(world, signed_in):
    decision = _routed(world, world.press_dept)
    html = signed_in("press").get(f"/tickets/{decision.ticket_id}").get_data(as_text=True)
    assert "Уверенность маршрутизации (с учётом правил и порога): 40%" in html
    assert "Вероятность темы" in html and "<td>57</td>" in html
    assert "Передано сотрудником" not in html


def test_a_rule_that_yielded_to_the_model_says_so(world, signed_in):
    law = {"rule_id": 3, "name": "Правопорядок", "department_id": world.economy.id,
           "keywords": ["кража"], "score": 0.3, "yielded": True}
    housing = {"rule_id": 4, "name": "ЖКХ и дороги", "department_id": world.social.id,
               "keywords": ["яма"], "score": 0.3}
    view = routing_view(_decision(matched_rules=[law, housing]))
    assert [(r["name"], r["yielded"]) for r in view.rules] == [("Правопорядок", True),
                                                               ("ЖКХ и дороги", False)]
    decision = _routed(world, world.press_dept)
    decision.matched_rules = [law, housing]
    db.session.commit()
    html = signed_in("press").get(f"/tickets/{decision.ticket_id}").get_data(as_text=True)
    assert html.count("не учтено — модель уверена") == 1
    assert "Правопорядок (Комитет по экономике;" in html


def test_extraction_rows_and_hint():
    rows, hint = extraction_rows({"district": "Арский муниципальный район",
                                  "person": {"full_name": "Галиева Светлана Фаритовна"},
                                  "appeal": {"can_register": False,
                                             "missing": ["email_or_postal_address"]}})
    assert ("Район", "Арский муниципальный район") in rows
    assert ("ФИО", "Галиева Светлана Фаритовна") in rows
    assert hint == "Для регистрации по 59-ФЗ не хватает: e-mail или почтовый адрес."
