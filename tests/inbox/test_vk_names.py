"""VK citizens' names: message_new carries only from_id, so the helpdesk asks users.get in the
background (through the real vk_api client against the fake), retries a failure a few times,
keeps the placeholder for a deactivated account, and never asks during the webhook request."""
import logging
import socket
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.inbox import profiles
from helpdesk.inbox.adapters import adapter_for
from helpdesk.inbox.events import process_pending
from helpdesk.inbox.jobs import sweep
from helpdesk.inbox.profiles import MAX_ATTEMPTS, PAUSES, fetch_missing_names, wants_name
from helpdesk.models import Citizen, Message, Ticket
from helpdesk.models.message import Direction
from helpdesk.models.types import utcnow
from helpdesk.background.tasks import run_task
from helpdesk.tickets.search import search_condition
from tests.conftest import make_test_app
from tests.fakes.live import LiveServer
from tests.fakes.vk import Fault
from tests.helpers import login, make_user
from tests.inbox.conftest import make_platform


class Clock:
    """The lookups' "now", moved by the test: `clock.now += seconds`."""

    def __init__(self) -> None:
        self.start = utcnow()
        self.now = 0.0

    def __call__(self):
        return self.start + timedelta(seconds=self.now)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """No channel pauses from another test, and a clock the test moves."""
    PAUSES.clear()
    clock = Clock()
    monkeypatch.setattr(profiles, "clock", clock)
    yield clock
    PAUSES.clear()


@pytest.fixture
def vk(ctx, live, vk_fake):
    return make_platform("vk", vk_fake, live.url)


def citizen_of(user: int) -> Citizen:
    db.session.expire_all()
    return db.session.scalar(select(Citizen).where(Citizen.external_user_id == str(user)))


def deliver(vk, user: int, text: str = "Когда отремонтируют дорогу в Высокой Горе?") -> Citizen:
    assert vk.post(vk.event(user, text)).status_code == 200
    process_pending()
    return citizen_of(user)


def test_name_fetched_in_background_and_shown_on_ticket_page(vk, client, caplog):
    caplog.set_level(logging.DEBUG)
    vk.fake.set_profile(7100001, "Гульнара", "Хабибуллина")
    response = vk.post(vk.event(7100001, "Во дворе на улице Гагарина нет освещения"))
    assert response.status_code == 200 and response.text == "ok"
    assert vk.fake.count("users.get") == 0  # the webhook request never asks for the name
    process_pending()
    citizen = citizen_of(7100001)
    assert citizen.display_name == "VK id7100001" and vk.fake.count("users.get") == 0
    assert wants_name(vk.channel, citizen)  # what ingest schedules "inbox.fetch_name" on

    run_task("inbox.fetch_name", citizen.id)
    citizen = citizen_of(7100001)
    assert (citizen.first_name, citizen.last_name, citizen.display_name) == (
        "Гульнара", "Хабибуллина", "Гульнара Хабибуллина")
    assert vk.fake.user_lookups == [{"user_ids": ["7100001"], "fields": "first_name,last_name",
                                     "lang": "ru"}]
    assert not wants_name(vk.channel, citizen)

    ticket = db.session.scalar(select(Ticket))
    assert db.session.scalars(select(Ticket.id).where(
        search_condition("Хабибуллина"))).all() == [ticket.id]  # the search document followed
    make_user("press1", "press")
    db.session.commit()
    login(client, "press1")
    page = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "Гульнара Хабибуллина" in page and "VK id7100001" not in page
    assert "Гульнара" not in caplog.text and "Хабибуллина" not in caplog.text

    run_task("inbox.fetch_name", citizen.id)  # a named citizen is not asked again
    assert vk.fake.count("users.get") == 1


def test_sweep_names_several_citizens_with_one_call(vk):
    users = {7100011: ("Ильдар", "Сафин"), 7100012: ("Елена", "Соколова"),
             7100013: ("Айгуль", "Мухаметзянова")}
    for user, (first, last) in users.items():
        vk.fake.set_profile(user, first, last)
        deliver(vk, user)
    counts = sweep()
    assert counts["names"] == 3
    assert len(vk.fake.user_lookups) == 1
    assert sorted(vk.fake.user_lookups[0]["user_ids"]) == sorted(str(u) for u in users)
    for user, (first, last) in users.items():
        assert citizen_of(user).display_name == f"{first} {last}"
    assert sweep()["names"] == 0 and vk.fake.count("users.get") == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("failure", ["http", "vk_error", "network"])
def test_failure_leaves_placeholder_then_retry_names(vk, clock, failure):
    vk.fake.set_profile(7100021, "Марат", "Гарипов")
    deliver(vk, 7100021)
    if failure == "http":
        vk.fake.inject("users.get", Fault("http", 502))
    elif failure == "vk_error":
        vk.fake.inject("users.get", Fault("error", 10, "Internal server error"))
    else:
        vk.channel.api_base = f"http://127.0.0.1:{_closed_port()}"
        db.session.commit()
    assert fetch_missing_names() == 0
    assert citizen_of(7100021).display_name == "VK id7100021"
    assert citizen_of(7100021).name_lookups == 1  # kept on the row: a restart does not reset it
    calls = vk.fake.count("users.get")
    assert fetch_missing_names() == 0 and vk.fake.count("users.get") == calls  # not yet due
    assert not wants_name(vk.channel, citizen_of(7100021))  # ingest does not ask again either

    vk.channel.api_base = vk.fake.url
    db.session.commit()
    clock.now += profiles.RETRY_AFTER[0] + 1
    assert fetch_missing_names() == 1
    assert citizen_of(7100021).display_name == "Марат Гарипов"


def test_retries_are_bounded(vk, clock):
    vk.fake.set_profile(7100031, "Ринат", "Шакиров")
    deliver(vk, 7100031)
    vk.fake.inject("users.get", *[Fault("http", 500)] * (MAX_ATTEMPTS + 2))
    for _ in range(MAX_ATTEMPTS + 2):
        fetch_missing_names()
        clock.now += max(profiles.RETRY_AFTER) + 1
    assert vk.fake.count("users.get") == MAX_ATTEMPTS
    assert citizen_of(7100031).display_name == "VK id7100031"
    assert not wants_name(vk.channel, citizen_of(7100031))
    # ingest and routing went on regardless: the ticket exists and a later message threads in
    deliver(vk, 7100031, "Спасибо, жду ответа")
    assert len(db.session.scalars(select(Message).where(
        Message.direction == Direction.INBOUND)).all()) == 2
    assert len(db.session.scalars(select(Ticket)).all()) == 1


@pytest.mark.parametrize("state", ["deleted", "banned"])
def test_deactivated_account_keeps_placeholder(vk, clock, state):
    vk.fake.set_profile(7100041, "Лилия", "Зарипова", deactivated=state)
    citizen = deliver(vk, 7100041)
    assert fetch_missing_names() == 0
    assert vk.fake.count("users.get") == 1
    kept = citizen_of(7100041)
    assert (kept.display_name, kept.first_name, kept.last_name) == ("VK id7100041", "", "")
    clock.now += max(profiles.RETRY_AFTER) + 1
    assert fetch_missing_names() == 0 and vk.fake.count("users.get") == 1  # not asked again
    assert not wants_name(vk.channel, citizen)


def test_unknown_user_is_not_asked_again(vk, clock):
    deliver(vk, 7100051)  # the fake knows no such user: VK error 113
    assert fetch_missing_names() == 0
    clock.now += max(profiles.RETRY_AFTER) + 1
    assert fetch_missing_names() == 0
    assert vk.fake.count("users.get") == 1
    assert citizen_of(7100051).display_name == "VK id7100051"


def test_renamed_or_anonymised_citizen_is_not_overwritten(vk):
    vk.fake.set_profile(7100061, "Андрей", "Волков")
    vk.fake.set_profile(7100062, "Наталья", "Морозова")
    renamed, gone = deliver(vk, 7100061), deliver(vk, 7100062)
    renamed.display_name = "Волков А. (со слов)"
    gone.display_name, gone.anonymized_at = "", utcnow()
    db.session.commit()
    assert fetch_missing_names() == 0
    assert vk.fake.count("users.get") == 0
    assert citizen_of(7100061).display_name == "Волков А. (со слов)"
    assert citizen_of(7100062).first_name == ""


def test_other_platforms_bring_names_in_the_update(ctx, live, tg_fake, ok_fake):
    for kind, fake in (("telegram", tg_fake), ("ok", ok_fake)):
        platform = make_platform(kind, fake, live.url)
        if kind == "telegram":
            payload = fake.message_update(7200001, "Вопрос", first_name="Айдар", last_name="Камалов")
        else:
            payload = fake.message_created("7200002", "7200002", "Вопрос", name="Ольга Петрова")
        assert platform.post(payload).status_code == 200
        process_pending()
        citizen = db.session.scalar(select(Citizen).where(Citizen.channel_id == platform.channel.id))
        assert citizen.display_name in ("Айдар Камалов", "Ольга Петрова")
        assert not wants_name(platform.channel, citizen)


def test_simulator_knows_the_demo_citizens(vk):
    from helpdesk.demo.messages import PEOPLE, demo_user_id

    adapter = adapter_for(vk.channel)
    found = adapter.profiles([str(demo_user_id(i)) for i in range(len(PEOPLE))])
    assert [(p.first_name, p.last_name) for p in
            (found[str(demo_user_id(i))] for i in range(len(PEOPLE)))] == PEOPLE
    assert adapter.profiles(["-1000001"]) == {}  # a community has no user profile: not asked
    assert vk.fake.count("users.get") == 1


def test_embedded_tasks_name_the_citizen_after_the_webhook(app, ctx, vk_fake):
    embedded = make_test_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                              "EMBEDDED_TASKS": True, "INBOX_LOCAL_HOSTS": {"127.0.0.1"}})
    vk_fake.set_profile(7100071, "Зульфия", "Галиева")
    vk_fake.inject("users.get", Fault("slow_before", 3.0))  # the name is slow, the rest is not
    with LiveServer(embedded) as live:
        platform = make_platform("vk", vk_fake, live.url)
        started = time.monotonic()
        assert platform.post(platform.event(7100071, "Когда починят лифт?")).status_code == 200
        assert time.monotonic() - started < 3.0
        # the acknowledgement does not wait for the name
        assert wait_for(lambda: len(vk_fake.sent_to(7100071)) == 1)
        assert citizen_of(7100071).display_name == "VK id7100071"
        assert wait_for(lambda: citizen_of(7100071).display_name == "Зульфия Галиева")
        assert vk_fake.count("users.get") == 1


def wait_for(predicate, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        db.session.rollback()
        time.sleep(0.1)
    return False


def test_sweep_looks_at_newest_citizens_and_backfill_at_older(vk, runner, monkeypatch):
    monkeypatch.setattr(profiles, "RECENT_CITIZENS", 2)
    monkeypatch.setattr(profiles, "SWEEP_LIMIT", 50)
    users = [7100081, 7100082, 7100083, 7100084]
    for user in users:
        vk.fake.set_profile(user, "Фарид", f"Ахметшин{user % 10}")
        deliver(vk, user)
    assert fetch_missing_names() == 2  # the scan stays within the newest citizens
    assert [citizen_of(u).first_name for u in users] == ["", "", "Фарид", "Фарид"]
    result = runner.invoke(args=["inbox", "names", "--limit", "10"])
    assert result.exit_code == 0, result.output
    assert "запрошено: 2, получено имён: 2" in result.output
    assert [citizen_of(u).last_name for u in users] == [f"Ахметшин{u % 10}" for u in users]


def test_demo_vk_citizens_get_their_names(app, ctx, live, monkeypatch):
    from helpdesk.demo import start_demo, stop_demo
    from helpdesk.demo.messages import PEOPLE

    monkeypatch.setenv("HELPDESK_URL", live.url)
    saved = {k: app.config.get(k) for k in ("DEMO_MODE", "DEMO_MESSAGE_INTERVAL",
                                             "DEMO_POLL_WAIT")}
    app.config.update(DEMO_MODE="auto", DEMO_MESSAGE_INTERVAL=(3600, 3600), DEMO_POLL_WAIT=1)
    try:
        state = start_demo(app)
        for _ in range(3):
            state["feeder"].send_one("vk", comment=False)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(db.session.scalars(select(Citizen)).all()) < 1:
            process_pending()
            db.session.rollback()
            time.sleep(0.2)
        time.sleep(1.5)  # the poller hands over the rest
        process_pending()
        citizens = db.session.scalars(select(Citizen)).all()
        assert citizens and all(c.display_name.startswith("VK id") for c in citizens)
        assert fetch_missing_names() == len(citizens)
        db.session.expire_all()
        names = {f"{first} {last}" for first, last in PEOPLE}
        assert all(c.display_name in names for c in db.session.scalars(select(Citizen)))
    finally:
        stop_demo()
        app.config.update(saved)
        for thread in threading.enumerate():  # the poller ends its round before tables go
            if thread.name == "demo-vk-poll":
                thread.join(10)


def test_tries_are_kept_on_the_citizen_across_processes(vk, clock):
    """Another process (or this one after a restart) sees the tries and the lease: it neither
    asks again for a citizen in flight nor starts the tries over."""
    vk.fake.set_profile(7100091, "Гульнара", "Сафина")
    deliver(vk, 7100091)
    citizen_id = citizen_of(7100091).id
    assert profiles._claim([citizen_id]) == [citizen_id]  # this process leases the lookup
    assert profiles._claim([citizen_id]) == []            # any other finds it in flight
    assert fetch_missing_names() == 0 and vk.fake.count("users.get") == 0
    clock.now += profiles.LEASE + 1                        # the lease ran out (a process died)
    vk.fake.inject("users.get", *[Fault("http", 502)] * MAX_ATTEMPTS)
    for _ in range(MAX_ATTEMPTS):
        PAUSES.clear()                                     # as a freshly started process
        assert fetch_missing_names() == 0
        clock.now += max(profiles.RETRY_AFTER) + 1
    PAUSES.clear()
    assert fetch_missing_names() == 0 and vk.fake.count("users.get") == MAX_ATTEMPTS
    kept = citizen_of(7100091)
    assert kept.name_lookups == MAX_ATTEMPTS and kept.display_name == "VK id7100091"


def test_back_off_grows_after_the_first_failure(vk, clock):
    vk.fake.set_profile(7100101, "Ильдар", "Закиров")
    deliver(vk, 7100101)
    vk.fake.inject("users.get", Fault("http", 500), Fault("http", 500))
    fetch_missing_names()
    first = citizen_of(7100101).name_lookup_after
    assert first == clock() + timedelta(seconds=profiles.RETRY_AFTER[0])
    clock.now += profiles.RETRY_AFTER[0] + profiles.CHANNEL_PAUSE
    fetch_missing_names()
    assert citizen_of(7100101).name_lookup_after == clock() + timedelta(
        seconds=profiles.RETRY_AFTER[1])
    assert vk.fake.count("users.get") == 2


def test_no_lookup_is_scheduled_while_the_channel_pauses_after_a_failure(vk, clock):
    vk.fake.set_profile(7100111, "Эльмира", "Хасанова")
    vk.fake.set_profile(7100112, "Рустем", "Валиев")
    deliver(vk, 7100111)
    vk.fake.inject("users.get", Fault("http", 502))
    assert fetch_missing_names() == 0
    other = deliver(vk, 7100112)
    assert not wants_name(vk.channel, other)  # another citizen of the paused channel waits too
    assert fetch_missing_names() == 0 and vk.fake.count("users.get") == 1
    clock.now += profiles.CHANNEL_PAUSE + 1
    assert wants_name(vk.channel, citizen_of(7100112))
    assert fetch_missing_names() == 1  # 7100111 waits out its own back-off
    assert citizen_of(7100112).display_name == "Рустем Валиев"
