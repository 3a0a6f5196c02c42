"""The routing explanation on the ticket page: words, departments, and manual moves."""
from types import SimpleNamespace

from helpdesk.extensions import db
from helpdesk.tickets.explain import extraction_rows, routing_view
from tests.helpers import make_department


def _decision(**kw):
    base = dict(candidates=[{"label": "ЖКХ", "score": 0.84, "department_id": None}],
                matched_rules=[], confidence=0.59, to_triage=True, reason="low_confidence",
                language="ru", special_kind=None, model_version="m1", department_id=None)
    return SimpleNamespace(**{**base, **kw})


def test_triage_decision_then_manual_move_is_shown(ctx):
    housing = make_department("Комитет по жилищной политике и инфраструктурному развитию")
    db.session.commit()
    view = routing_view(_decision(), current_department_id=housing.id)
    assert view.reason.startswith("Низкая уверенность")
    assert view.candidates == [{"label": "ЖКХ", "percent": 84, "department": "не сопоставлена"}]
    assert view.confidence_percent == 59
    assert view.now_with == housing.name


def test_no_manual_move_when_department_is_the_decided_one(ctx):
    social = make_department("Комитет по социальной политике")
    db.session.commit()
    view = routing_view(_decision(to_triage=False, department_id=social.id,
                                  reason="confident"), current_department_id=social.id)
    assert view.now_with is None and view.reason == "Уверенная маршрутизация"


def test_extraction_rows_and_hint():
    rows, hint = extraction_rows({"district": "Арский муниципальный район",
                                  "person": {"full_name": "Галиева Светлана Фаритовна"},
                                  "appeal": {"can_register": False,
                                             "missing": ["email_or_postal_address"]}})
    assert ("Район", "Арский муниципальный район") in rows
    assert ("ФИО", "Галиева Светлана Фаритовна") in rows
    assert hint == "Для регистрации по 59-ФЗ не хватает: e-mail или почтовый адрес."
