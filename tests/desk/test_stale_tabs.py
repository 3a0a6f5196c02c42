"""Two tabs on one ticket: a form filled on an older version of the ticket is refused, changes nothing."""
import re

import pytest

from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.message import Message
from helpdesk.tickets import lifecycle
from tests.desk.world import add_ticket
from tests.helpers import csrf_from

STALE = "Обращение изменилось, пока страница была открыта"
_VERSION = re.compile(r'name="version" value="([^"]*)"')


class Tab:
    """A browser tab on the ticket page: the CSRF token and version of the page as it was loaded."""

    def __init__(self, client, ticket_id: int):
        self.client, self.ticket_id = client, ticket_id
        self.reload()

    def reload(self):
        html = self.client.get(f"/tickets/{self.ticket_id}").get_data(as_text=True)
        self.token = csrf_from(html)
        versions = set(_VERSION.findall(html))
        assert len(versions) == 1 and versions != {""}, versions
        self.version = versions.pop()
        return html

    def post(self, action: str, data: dict, with_version: bool = True):
        form = {**data, "csrf_token": self.token}
        if with_version:
            form["version"] = self.version
        response = self.client.post(f"/tickets/{self.ticket_id}/{action}", data=form,
                                    follow_redirects=True)
        return response.get_data(as_text=True)


def _state(ticket_id: int) -> tuple:
    db.session.expire_all()
    t = db.session.get(Ticket, ticket_id)
    return (t.updated_at, t.status, t.department_id, t.assignee_id, t.registered_at,
            t.extended_until, t.forwarded_at, t.result, t.merged_into_id, t.kind)


def test_stale_tab_reroute_does_not_overwrite_the_other_tabs(world, signed_in):
    w = world
    client = signed_in("press")
    first, second = Tab(client, w.ticket.id), Tab(client, w.ticket.id)
    assert "Обращение передано" in second.post("reroute", {"department_id": w.economy.id})
    html = first.post("reroute", {"department_id": w.press_dept.id})
    assert STALE in html and "Обновите страницу и повторите." in html
    # It says what changed, by whom and when.
    assert re.search(r"\(Обращение передано в другое подразделение — press, [0-9.]+ [0-9:]+ МСК\)", html)
    db.session.expire_all()
    assert db.session.get(Ticket, w.ticket.id).department_id == w.economy.id
    # Reloaded, the same tab may re-route.
    first.reload()
    assert "Обращение передано" in first.post("reroute", {"department_id": w.press_dept.id})
    db.session.expire_all()
    assert db.session.get(Ticket, w.ticket.id).department_id == w.press_dept.id


def _register(w):
    lifecycle.register_appeal(w.ticket, w.users["press"], "Иванов Иван Иванович",
                            "420111, Казань, ул. Баумана, 1")


# (action, form data, success message, setup before the tabs open)
ACTIONS = [
    ("assign", lambda w: {"assignee_id": w.users["spec_a2"].id}, "Исполнитель назначен", None),
    ("reroute", lambda w: {"department_id": w.economy.id}, "передано в другое подразделение", None),
    ("status", lambda w: {"status": "triage"}, "Статус изменён", None),
    ("register", lambda w: {"name": "Иванов Иван Иванович", "address": "420111, Казань, ул. Баумана, 1"},
     "зарегистрировано", None),
    ("extend", lambda w: {"days": "10", "reason": "Запрошены сведения в министерстве"}, "Срок продлён",
     _register),
    ("forward", lambda w: {"body": "Прокуратура Республики Татарстан"}, "направлено по компетенции",
     None),
    ("close", lambda w: {"result": "no_answer", "reason": "not_appeal"}, "Обращение закрыто", None),
    ("merge", lambda w: {"target": w.other.number}, "Дубликат объединён", None),
]


@pytest.mark.parametrize("action,data,success,setup", ACTIONS, ids=[a[0] for a in ACTIONS])
def test_every_state_changing_form_refuses_a_stale_version(world, signed_in, action, data, success, setup):
    w = world
    w.other = add_ticket(w.channel, w.social, citizen=w.ticket.citizen, text="Ещё раз о пропуске")
    if setup:
        setup(w)
    db.session.commit()
    client = signed_in("press")
    stale, other = Tab(client, w.ticket.id), Tab(client, w.ticket.id)
    assert "Исполнитель назначен" in other.post("assign", {"assignee_id": w.users["spec_a"].id})
    before = _state(w.ticket.id)
    html = stale.post(action, data(w))
    assert STALE in html and success not in html
    assert _state(w.ticket.id) == before  # nothing changed, not even the version
    # The same form from a fresh page goes through: the refusal was the version, not the data.
    stale.reload()
    html = stale.post(action, data(w))
    assert success in html and STALE not in html, html[html.find("alert"):][:400]
    assert _state(w.ticket.id) != before


def test_every_action_form_carries_the_version(world, signed_in):
    html = signed_in("press").get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    actions_html = html[html.index('aria-label="Действия"'):]
    actions_html = actions_html[:actions_html.index("</section>")]
    forms = actions_html.count("<form ")
    assert forms >= 6 and actions_html.count('name="version"') == forms


def _texts(ticket_id: int) -> list[str]:
    return [m.text for m in db.session.scalars(db.select(Message).where(
        Message.ticket_id == ticket_id).order_by(Message.id))]


def test_a_note_from_a_stale_tab_goes_through_a_reply_keeps_its_text(world, signed_in):
    """Notes only append. A reply typed on an older page is refused (the ticket changed under
    it) and comes back in the box, to be sent after a look at what changed."""
    w = world
    client = signed_in("press")
    stale, other = Tab(client, w.ticket.id), Tab(client, w.ticket.id)
    other.post("reroute", {"department_id": w.economy.id})
    assert "Заметка добавлена" in stale.post("note", {"text": "Позвонить заявителю"})
    html = stale.post("reply", {"text": "Ваше обращение рассматривается.", "final": "1"})
    assert STALE in html and "Ваше обращение рассматривается.</textarea>" in html
    assert "Позвонить заявителю" in _texts(w.ticket.id)
    assert "Ваше обращение рассматривается." not in _texts(w.ticket.id)


def test_the_same_reply_is_not_sent_twice(world, signed_in):
    """Back after sending, or a second tab that answers too: the second reply is refused."""
    w = world
    client = signed_in("press")
    first, second = Tab(client, w.ticket.id), Tab(client, w.ticket.id)
    assert "Ответ поставлен в очередь отправки" in first.post(
        "reply", {"text": "Ремонт дороги запланирован на май.", "final": "0"})
    assert STALE in first.post("reply", {"text": "Ремонт дороги запланирован на май.",
                                         "final": "0"})  # the Back button's copy of the form
    assert STALE in second.post("reply", {"text": "Ответ из другой вкладки", "final": "1"})
    assert _texts(w.ticket.id).count("Ремонт дороги запланирован на май.") == 1
    assert "Ответ из другой вкладки" not in _texts(w.ticket.id)
    first.reload()
    assert "Ответ поставлен в очередь отправки" in first.post(
        "reply", {"text": "Дополнение к ответу", "final": "1"})


def test_a_damaged_version_is_refused(world, signed_in):
    w = world
    tab = Tab(signed_in("press"), w.ticket.id)
    tab.version = "вчера"
    assert STALE in tab.post("reroute", {"department_id": w.economy.id})
    db.session.expire_all()
    assert db.session.get(Ticket, w.ticket.id).department_id == w.social.id


def test_a_form_without_its_version_is_refused(world, signed_in):
    """A page saved or cached before the field existed, or a script: it cannot say which state
    of the ticket it was filled on, so it changes nothing."""
    w = world
    tab = Tab(signed_in("press"), w.ticket.id)
    before = _state(w.ticket.id)
    html = tab.post("reroute", {"department_id": w.economy.id}, with_version=False)
    assert "не знает версии обращения" in html
    assert _state(w.ticket.id) == before
    tab.post("reroute", {"department_id": w.economy.id})  # the same form with its version
    assert _state(w.ticket.id)[2] == w.economy.id
