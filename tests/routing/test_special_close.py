"""Special kinds: a proposed closing on the ticket, and closing without a person only when an
administrator allows it for that kind."""
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.models.routing import RoutingDecision
from helpdesk.models.setting import set_setting
from helpdesk.routing.service import AUTO_CLOSE_KEY
from tests.helpers import login, make_user
from tests.routing.conftest import route_text

THANKS = "Огромное спасибо за новую поликлинику в нашем селе!"


def test_a_special_kind_is_proposed_for_closing_but_left_to_a_person(routed_setup, client):
    ticket, _ = route_text(routed_setup, THANKS)
    assert ticket.special_kind == "gratitude" and ticket.status == "triage"
    assert ticket.closed_at is None
    make_user("press9", "press")
    db.session.commit()
    login(client, "press9")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Предлагается закрыть: «Оставлено без ответа», основание — Не является обращением" \
        in page
    # The close form comes with the proposal chosen; a person still presses «Закрыть».
    assert '<option value="no_answer" selected>' in page
    assert '<option value="not_appeal" selected>' in page


def test_an_allowed_kind_is_closed_without_a_person_and_audited(routed_setup, client):
    set_setting(AUTO_CLOSE_KEY, ["gratitude"])
    ticket, _ = route_text(routed_setup, THANKS)
    assert (ticket.status, ticket.result, ticket.close_reason) == \
        ("closed", "no_answer", "not_appeal")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket_closed"))
    assert event.user_id is None and event.details["automatic"] is True
    decision = db.session.scalar(select(RoutingDecision).where(
        RoutingDecision.ticket_id == ticket.id))
    assert decision.reason == "auto_closed" and not decision.to_triage
    make_user("press8", "press")
    db.session.commit()
    login(client, "press8")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "закрыто автоматически" in page and "Предлагается закрыть" not in page


def test_kinds_not_allowed_stay_open(routed_setup):
    set_setting(AUTO_CLOSE_KEY, ["spam"])
    ticket, _ = route_text(routed_setup, THANKS)
    assert ticket.status == "triage" and ticket.result is None
