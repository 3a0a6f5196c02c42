"""Every state-changing route writes an audit row; an auditor gets 403 on every write.

Both tests walk app.url_map, so a new POST/PUT/PATCH/DELETE route fails them until it is
audited and listed in CASES below (with the request data that makes it succeed).
"""
import os
import itertools
from datetime import timedelta

from flask import url_for
from sqlalchemy import func, select

from helpdesk.extensions import csrf, db, limiter
from helpdesk.models import AuditEvent, Message
from helpdesk.models.inbox import OutboxItem
from helpdesk.models.message import Delivery, Direction
from helpdesk.models.ticket import Ticket, TicketKind
from helpdesk.tickets.concurrency import version_of
from helpdesk.models.types import utcnow
from tests.helpers import csrf_from, login, make_channel, make_department, make_ticket, make_user

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
NOT_COVERED = {
    "auth.login",  # audited by auth itself (login and login_failed)
    # The live desk's poll is a read sent as a POST (its view of the desk is too long for a URL):
    # it changes no ticket, only the asking user's own presence and read marks.
    "tickets.live_poll",
}
# Writes an auditor may make: their own session and password, and asking for an export.
AUDITOR_ALLOWED = {"auth.logout", "auth.change_password", "auth.end_other_sessions",
                   "exports.create_job"}
_uid = itertools.count(1)


def write_rules(app):
    """(endpoint, methods) of every rule accepting a write method, except csrf-exempt webhooks."""
    exempt_blueprints = getattr(csrf, "_exempt_blueprints", set())
    exempt_views = getattr(csrf, "_exempt_views", set())
    for rule in app.url_map.iter_rules():
        methods = (rule.methods or set()) & WRITE_METHODS
        if not methods or rule.endpoint in NOT_COVERED:
            continue
        view = app.view_functions[rule.endpoint]
        blueprint = rule.endpoint.rsplit(".", 1)[0] if "." in rule.endpoint else None
        exempt_bp = app.blueprints.get(blueprint) in exempt_blueprints if blueprint else False
        if exempt_bp or f"{view.__module__}.{view.__name__}" in exempt_views:
            continue  # webhooks authenticate otherwise and are audited as inbound events
        yield rule, sorted(methods)


# --- request builders: env → (client, url values, form data) --------------------------------

def _ticket(env, **fields):
    t = make_ticket(env["channel"], env["dept"])
    for k, v in fields.items():
        setattr(t, k, v)
    db.session.flush()
    return t


def _merge_pair(env):
    """Two open tickets of one citizen (only those may be merged)."""
    source = _ticket(env)
    target = _ticket(env, citizen_id=source.citizen_id)
    return "admin", {"ticket_id": source.id}, {"target": target.number}


def _comment(env):
    """A comment thread under a post, with the citizen's comment on the platform."""
    from helpdesk.models import Post

    t = _ticket(env, kind=TicketKind.COMMENT)
    post = Post(channel_id=t.channel_id, external_key=f"-1_{next(_uid)}", text="Пост", link="")
    db.session.add(post)
    db.session.flush()
    t.post_id = post.id
    message = db.session.scalars(select(Message).where(Message.ticket_id == t.id)).one()
    message.external_id = "77"
    db.session.flush()
    return t, message


def _dept(env):
    return make_department(f"Отдел {next(_uid)}")


def _user(env):
    return make_user(f"user{next(_uid)}", "press")


def _failed_reply(env):
    t = _ticket(env)
    m = Message(ticket_id=t.id, channel_id=t.channel_id, direction=Direction.OUTBOUND,
                author_id=env["admin"].id, text="ответ", delivery_status=Delivery.FAILED)
    db.session.add(m)
    db.session.flush()
    db.session.add(OutboxItem(message_id=m.id, channel_id=t.channel_id, status="failed"))
    db.session.flush()
    return {"ticket_id": t.id, "message_id": m.id}


def _registered(env):
    now = utcnow()
    t = _ticket(env, kind=TicketKind.APPEAL, registered_at=now, registration_number="О-1",
                applicant_name="Иванов Иван", applicant_address="Казань",
                answer_due=now + timedelta(days=30))
    return t


def _second_message(env):
    """A ticket with a later citizen message on another matter (to split off)."""
    from helpdesk.models import TicketCounter

    t = _ticket(env)
    if db.session.get(TicketCounter, utcnow().year) is None:  # numbers past make_ticket's
        db.session.add(TicketCounter(year=utcnow().year, last=500_000))
    m = Message(ticket_id=t.id, channel_id=t.channel_id, direction=Direction.INBOUND,
                text="И ещё: шумят соседи", sent_at=utcnow() + timedelta(minutes=1),
                created_at=utcnow() + timedelta(minutes=1), external_key=f"split{next(_uid)}")
    db.session.add(m)
    db.session.flush()
    return {"ticket_id": t.id, "message_id": m.id}


def _proposed_topic(env):
    """A ticket whose later message routing proposed to split off (a new topic)."""
    ids = _second_message(env)
    message = db.session.get(Message, ids["message_id"])
    message.new_topic = {"department_id": env["dept"].id, "confidence": 0.9, "topic": None,
                         "state": "proposed"}
    db.session.get(Ticket, ids["ticket_id"]).new_topic = True
    db.session.flush()
    return ids


def _selected(env):
    """A ticket as the list's bulk checkbox names it (id, version, number)."""
    t = _ticket(env)
    return f"{t.id}@{version_of(t)}@{t.number}"


def _two_identities(env, linked: bool):
    """Two citizens (two tickets'), linked to one person or not."""
    first, second = _ticket(env).citizen, _ticket(env).citizen
    if linked:
        second.person_id = first.person_id
        db.session.flush()
    return "admin", {"citizen_id": first.id}, {"identity_id": str(second.id)}


TOKEN = object()  # replaced by a valid CSRF token (forms with a prefix name theirs differently)


def _canned(env):
    from helpdesk.models.canned import CannedResponse

    item = CannedResponse(title=f"Шаблон {next(_uid)}", body="Текст шаблона")
    db.session.add(item)
    db.session.flush()
    return item.id


def _calendar_day(env):
    from datetime import date

    from helpdesk.models import CalendarDay

    day = date(2027, 1, 10) + timedelta(days=next(_uid))
    db.session.add(CalendarDay(day=day, kind="holiday", name="Проверка"))
    db.session.flush()
    return day.isoformat()


def _rule(env):
    from helpdesk.models.routing import RoutingRule

    rule = RoutingRule(department_id=env["dept"].id, name=f"Правило {next(_uid)}",
                       keywords=["пенсия"], weight=0.3)
    db.session.add(rule)
    db.session.flush()
    return rule.id


def _mapping(env):
    from helpdesk.models.routing import TopicMapping

    row = TopicMapping(topic=f"Тема {next(_uid)}", department_id=env["dept"].id)
    db.session.add(row)
    db.session.flush()
    return row.id


def _model(env):
    import tempfile

    from helpdesk.models.routing import ModelVersion

    fd, path = tempfile.mkstemp(suffix=".joblib")
    os.close(fd)
    row = ModelVersion(version=f"test-{next(_uid)}", path=path, n_examples=1)
    db.session.add(row)
    db.session.flush()
    return row.id


CASES = {
    "settings.routing": lambda e: ("admin", {}, {"threshold": "0,55", "tatar_department_id": "0"}),
    "settings.routing_train": lambda e: ("admin", {}, {}),
    "settings.routing_model_activate": lambda e: ("admin", {"model_id": _model(e)}, {}),
    "settings.routing_rules": lambda e: ("admin", {}, {
        "name": f"Пенсии {next(_uid)}", "department_id": str(e["dept"].id),
        "keywords": "пенсии\nпособие", "weight": "0.3", "active": "y"}),
    "settings.routing_rule_edit": lambda e: ("admin", {"rule_id": _rule(e)}, {
        "name": f"Пенсии {next(_uid)}", "department_id": str(e["dept"].id),
        "keywords": "пенсия", "weight": "0.4", "active": "y"}),
    "settings.routing_rule_toggle": lambda e: ("admin", {"rule_id": _rule(e)}, {}),
    "settings.routing_topics": lambda e: ("admin", {}, {
        "topic": f"Новая тема {next(_uid)}", "department_id": str(e["dept"].id)}),
    "settings.routing_topic_edit": lambda e: ("admin", {"mapping_id": _mapping(e)}, {
        "topic": f"Тема {next(_uid)}", "department_id": str(e["dept2"].id)}),
    "settings.routing_topic_delete": lambda e: ("admin", {"mapping_id": _mapping(e)}, {}),
    "channels.channels": lambda e: ("admin", {}, {"kind": "vk", "slug": f"vk{next(_uid)}",
                                                  "token": "vk-token-1", "group_id": "123",
                                                  "mode": "webhook", "name": ""}),
    "channels.channel_edit": lambda e: ("admin", {"channel_id": make_channel(
        "vk", f"edit{next(_uid)}").id}, {"name": "Новое имя", "mode": "webhook", "group_id": "1"}),
    "channels.channel_toggle": lambda e: ("admin", {"channel_id": make_channel(
        "vk", f"toggle{next(_uid)}").id}, {}),
    "settings.canned": lambda e: ("admin", {}, {"title": f"Шаблон {next(_uid)}",
                                                "body": "Текст", "department_id": "0",
                                                "active": "y"}),
    "settings.canned_edit": lambda e: ("admin", {"canned_id": _canned(e)},
                                       {"title": f"Шаблон {next(_uid)}", "body": "Новый текст",
                                        "department_id": "0", "active": "y"}),
    "settings.canned_toggle": lambda e: ("admin", {"canned_id": _canned(e)}, {}),
    "settings.deadlines": lambda e: ("admin", {}, {"form": "hours", "h-start": "09:00",
                                                   "h-end": "18:00", "h-csrf_token": TOKEN}),
    "settings.calendar": lambda e: ("admin", {}, {"day": "2027-03-09", "kind": "holiday",
                                                  "name": "Проверка", "source": "РТ",
                                                  "confirmed": "y"}),
    "settings.calendar_delete": lambda e: ("admin", {"day": _calendar_day(e)}, {}),
    "admin.departments": lambda e: ("admin", {}, {"name": f"Новый отдел {next(_uid)}"}),
    "admin.department_edit": lambda e: ("admin", {"dept_id": _dept(e).id},
                                        {"name": f"Переименованный {next(_uid)}"}),
    "admin.department_toggle": lambda e: ("admin", {"dept_id": _dept(e).id}, {}),
    "admin.user_new": lambda e: ("admin", {}, {"username": f"new{next(_uid)}", "role": "press",
                                               "department_id": "0", "full_name": "", "email": ""}),
    "admin.user_edit": lambda e: ("admin", {"user_id": _user(e).id},
                                  {"full_name": "Новое ФИО", "email": "", "role": "press",
                                   "department_id": "0", "active": "y"}),
    "admin.user_reset_password": lambda e: ("admin", {"user_id": _user(e).id}, {}),
    "auth.change_password": lambda e: ("pw", {}, {"current": "correct-horse-battery",
                                                  "new": "another-long-password",
                                                  "confirm": "another-long-password"}),
    "auth.logout": lambda e: ("out", {}, {}),
    "auth.end_other_sessions": lambda e: ("admin", {}, {}),
    "admin.user_end_sessions": lambda e: ("admin", {"user_id": _user(e).id}, {}),
    "exports.create_job": lambda e: ("admin", {}, {"kind": "response_times", "format": "csv",
                                                   "from": "2026-01-01", "to": "2026-01-31"}),
    "tickets.note": lambda e: ("admin", {"ticket_id": _ticket(e).id}, {"text": "заметка"}),
    "tickets.reply": lambda e: ("admin", {"ticket_id": _ticket(e).id},
                                {"text": "Ответ гражданину", "final": "1"}),
    "tickets.assign": lambda e: ("admin", {"ticket_id": _ticket(e).id},
                                 {"assignee_id": str(e["spec"].id)}),
    "tickets.reroute": lambda e: ("admin", {"ticket_id": _ticket(e).id},
                                  {"department_id": str(e["dept2"].id)}),
    "tickets.route_to": lambda e: ("admin", {"ticket_id": _ticket(e).id},
                                   {"department_id": str(e["dept2"].id)}),
    "tickets.status": lambda e: ("admin", {"ticket_id": _ticket(e).id}, {"status": "triage"}),
    "tickets.register": lambda e: ("admin", {"ticket_id": _ticket(e).id},
                                   {"name": "Иванов Иван", "address": "Казань, ул. Баумана, 1"}),
    "tickets.extend": lambda e: ("admin", {"ticket_id": _registered(e).id},
                                 {"days": "10", "reason": "Запрошены документы"}),
    "tickets.forward": lambda e: ("admin", {"ticket_id": _ticket(e).id}, {"body": "Минздрав РТ"}),
    # Closing without a reply sent needs a result that is not an answer (ст. 11 reason).
    "tickets.close": lambda e: ("admin", {"ticket_id": _ticket(e).id},
                                {"result": "no_answer", "reason": "unreadable"}),
    "tickets.merge": lambda e: _merge_pair(e),
    "tickets.reopen": lambda e: ("admin", {"ticket_id": _ticket(e, status="closed").id},
                                 {"why": "Закрыто по ошибке"}),
    "tickets.retry": lambda e: ("admin", _failed_reply(e), {}),
    "tickets.split_message": lambda e: ("admin", _second_message(e), {}),
    "tickets.keep_message": lambda e: ("admin", _proposed_topic(e), {}),
    "tickets.invite": lambda e: ("admin", {"ticket_id": _comment(e)[0].id}, {}),
    "tickets.hide": lambda e: ("admin", dict(zip(("ticket_id", "message_id"), (
        x.id for x in _comment(e)))), {"reason": "Спам"}),
    "tickets.refresh_digest": lambda e: ("admin", {}, {}),
    "tickets.bulk_action": lambda e: ("admin", {}, {"action": "status", "status": "triage",
                                                    "tickets": _selected(e)}),
    "citizens.link": lambda e: _two_identities(e, linked=False),
    "citizens.unlink": lambda e: _two_identities(e, linked=True),
    "citizens.anonymise": lambda e: ("admin", {"citizen_id": _ticket(
        e, status="closed", closed_at=utcnow()).citizen_id}, {"confirm": "1"}),
}


def _env():
    dept = make_department("Комитет по социальной политике")
    env = {"dept": dept, "dept2": make_department("Правовое управление"),
           "channel": make_channel(), "admin": make_user("walker", "admin"),
           "spec": make_user("spec1", "specialist", dept)}
    make_user("pwuser", "press")
    make_user("outuser", "press")
    make_user("aud", "auditor")
    db.session.commit()
    return env


def _signed_in(app, username):
    client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, f"login of {username} failed"
    return client


def _token(client) -> str:
    return csrf_from(client.get("/account/password").get_data(as_text=True))


def _audit_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_every_write_route_is_audited(app, ctx):
    limiter.reset()
    env = _env()
    clients = {"admin": _signed_in(app, "walker"), "pw": _signed_in(app, "pwuser"),
               "out": _signed_in(app, "outuser")}
    problems = []
    rules = sorted(write_rules(app), key=lambda r: (r[0].endpoint == "auth.logout", r[0].endpoint))
    assert rules, "no write routes found"
    for rule, methods in rules:
        build = CASES.get(rule.endpoint)
        if build is None:
            problems.append(f"{rule.endpoint} {rule.rule}: no request data in CASES — add it "
                            "(and make sure the route writes an AuditEvent)")
            continue
        who, values, data = build(env)
        db.session.commit()
        if "ticket_id" in values:  # posted from the ticket page, whose forms carry its version
            data = {"version": version_of(db.session.get(Ticket, values["ticket_id"])), **data}
        client = clients[who]
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        token = _token(client)
        before = _audit_count()
        data = {k: token if v is TOKEN else v for k, v in {**data, "csrf_token": token}.items()}
        response = client.open(url, method=methods[0], data=data)
        after = _audit_count()
        if response.status_code >= 400:
            problems.append(f"{rule.endpoint}: answered {response.status_code}")
        elif after <= before:
            problems.append(f"{rule.endpoint}: no AuditEvent written (status {response.status_code})")
    assert not problems, "\n".join(problems)


def test_auditor_gets_403_on_every_write(app, ctx):
    limiter.reset()
    _env()
    client = _signed_in(app, "aud")
    wrong = []
    for rule, methods in write_rules(app):
        if rule.endpoint in AUDITOR_ALLOWED:
            continue
        values = {arg: 1 for arg in rule.arguments}
        with app.test_request_context():
            url = url_for(rule.endpoint, **values)
        for method in methods:
            response = client.open(url, method=method, data={"csrf_token": _token(client)})
            if response.status_code != 403:
                wrong.append(f"{method} {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_the_walk_sees_a_new_unaudited_route():
    """A route added without a CASES entry is reported (the walk cannot silently skip it)."""
    from flask import Flask

    app = Flask("probe")
    app.add_url_rule("/probe", "probe.write", lambda: "", methods=["POST"])
    assert [r.endpoint for r, _ in write_rules(app)] == ["probe.write"]
    assert "probe.write" not in CASES
