"""Demo mode: local platform simulators, demo channels and a stream of invented messages."""
import logging
import os
import threading
from urllib.parse import urlsplit

from flask import Flask
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Channel

log = logging.getLogger(__name__)

LOCAL = {"127.0.0.1", "localhost", "::1"}
DEMO = {"vk": ("demo-vk", "Сообщество ВКонтакте (демо)", "poll"),
        "telegram": ("demo-telegram", "Telegram-бот (демо)", "webhook"),
        "ok": ("demo-ok", "Группа в Одноклассниках (демо)", "webhook"),
        "max": ("demo-max", "Бот в MAX (демо)", "poll")}
POLLED = ("vk", "max")  # the demo shows both intake paths: these two by long polling
_started = threading.Lock()
_state: dict = {}


def has_real_channels() -> bool:
    """True when an active channel talks to a real platform (not a local simulator)."""
    for api_base in db.session.scalars(select(Channel.api_base).where(Channel.active.is_(True))):
        if not api_base or (urlsplit(api_base).hostname or "") not in LOCAL:
            return True
    return False


def start_demo(app: Flask) -> dict | None:
    """Start the simulators, point the demo channels at them and feed messages (once per process)."""
    if not _started.acquire(blocking=False):
        return _state or None
    with app.app_context():
        if app.config.get("DEMO_MODE") == "auto" and has_real_channels():
            app.config["DEMO_MODE"] = False
            log.info("demo mode off: real channels are configured")
            return None
        app.config["DEMO_MODE"] = True
        _state.update(_start(app))
        db.session.remove()
    return _state


def _start(app: Flask) -> dict:
    from helpdesk.demo.feeder import Feeder
    from helpdesk.demo.simulators import MaxSimulator, OkSimulator, TelegramSimulator, VkSimulator

    wait = float(app.config.get("DEMO_POLL_WAIT", 25))
    sims = {"vk": VkSimulator(token="demo-vk-token", group_id=1000001, secret="demo-vk-secret",
                              max_wait=wait).start(),
            "telegram": TelegramSimulator(token="1000001:demo-telegram-token").start(),
            "ok": OkSimulator(token="demo-ok-token").start(),
            "max": MaxSimulator(token="demo-max-token", max_wait=wait).start()}
    app.config["INBOX_LOCAL_HOSTS"] = set(app.config.get("INBOX_LOCAL_HOSTS") or ()) | {"127.0.0.1"}
    paths, secrets = {}, {"telegram": "demo-telegram-secret"}
    for kind, (slug, name, mode) in DEMO.items():
        channel = _upsert(kind, slug, name, mode, sims[kind], secrets.get(kind))
        paths[kind] = (f"/webhooks/ok/{slug}/{channel.webhook_token}" if kind == "ok"
                       else f"/webhooks/{kind}/{slug}")
    db.session.commit()
    from helpdesk.inbox.webhooks import forget_channels

    forget_channels()
    stop = threading.Event()
    for kind in POLLED:
        channel_id = db.session.scalar(select(Channel.id).where(Channel.slug == DEMO[kind][0]))
        threading.Thread(target=_poll, args=(app, channel_id, stop), name=f"demo-{kind}-poll",
                         daemon=True).start()
    low, high = app.config.get("DEMO_MESSAGE_INTERVAL", (20.0, 40.0))
    app_url = os.environ.get("HELPDESK_URL") or "http://{}:{}".format(
        os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000"))
    feeder = Feeder(app, sims, paths, secrets, app_url, (float(low), float(high))).start()
    log.info("demo mode: simulators %s", {k: s.url for k, s in sims.items()})
    return {"sims": sims, "feeder": feeder, "paths": paths, "stop": stop}


def stop_demo() -> None:
    """Stop the feeder, the poller and the simulators (tests; a process normally just exits)."""
    if not _state:
        if _started.locked():
            _started.release()
        return
    _state["stop"].set()
    _state["feeder"].stop.set()
    for sim in _state["sims"].values():
        sim.stop()
    _state.clear()
    _started.release()


def _upsert(kind, slug, name, mode, sim, secret) -> Channel:
    channel = db.session.scalar(select(Channel).where(Channel.slug == slug))
    if channel is None:
        channel = Channel(kind=kind, slug=slug, auto_ack=True, poll_state={})
        db.session.add(channel)
    channel.name, channel.mode, channel.active = name, mode, True
    channel.token, channel.api_base = sim.token, sim.url
    channel.secret = getattr(sim, "secret", None) or secret or ""
    channel.group_id = str(getattr(sim, "group_id", "") or "") or None
    # A fresh simulator starts from nothing: VK at ts 0, MAX with no marker.
    channel.poll_state = {"ts": "0"} if kind == "vk" else {}
    db.session.flush()
    return channel


def _poll(app: Flask, channel_id: int, stop: threading.Event) -> None:
    from helpdesk.inbox.poller import run

    with app.app_context():
        run(channel_id, wait=int(app.config.get("DEMO_POLL_WAIT", 25)), stop=stop)
