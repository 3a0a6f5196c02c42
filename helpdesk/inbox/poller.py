"""Polling for deployments without a public URL: VK Bots Long Poll, Telegram getUpdates and MAX
long polling by marker."""
import logging
import threading

import requests
from sqlalchemy import select
from vk_api.bot_longpoll import VkBotLongPoll
from vk_api.exceptions import VkApiError

from helpdesk.extensions import db
from helpdesk.inbox.adapters import adapter_for, snapshot
from helpdesk.inbox.adapters.telegram import TelegramError
from helpdesk.inbox.adapters.vk import vk_client
from helpdesk.inbox.events import process_event, store_event, unparsed_key
from helpdesk.inbox.normalise import MALFORMED, storable
from helpdesk.inbox.types import DeliveryError
from helpdesk.models import Channel

log = logging.getLogger(__name__)


class PollError(Exception):
    """A poll round failed (network, platform error, conflict); the loop backs off."""


class ChannelGone(Exception):
    """The channel was deleted (the loop ends) or switched off (the loop waits)."""


def _channel(channel_id: int) -> Channel:
    channel = db.session.get(Channel, channel_id)
    if channel is None or not channel.active:
        raise ChannelGone(channel_id)
    return channel


def _store_all(channel: Channel, raw_events: list[dict], state: dict) -> int:
    """Store the events and the new poll position in one commit, then ingest them."""
    adapter = adapter_for(channel)
    new_ids = []
    for raw in raw_events:
        raw = storable(raw)
        try:
            key = adapter.parse(raw).event_key
        except MALFORMED:  # kept for inspection (ignored when processed), never dropped
            log.warning("channel %s: unparsed polled event kept", channel.id)
            key = unparsed_key(raw)
        if key:
            event_id = store_event(channel.id, key, raw)
            if event_id is not None:
                new_ids.append(event_id)
    channel.poll_state = {**(channel.poll_state or {}), **state}
    db.session.commit()
    for event_id in new_ids:
        process_event(event_id)
    return len(new_ids)


class TelegramPoller:
    """getUpdates with the offset kept in Channel.poll_state."""

    def __init__(self, channel_id: int, timeout: int = 25) -> None:
        self.channel_id, self.timeout = channel_id, timeout

    def poll_once(self) -> int:
        channel = _channel(self.channel_id)
        offset = (channel.poll_state or {}).get("offset")
        adapter = adapter_for(snapshot(channel))
        db.session.rollback()
        params = {"timeout": self.timeout, "limit": 100}
        if offset:
            params["offset"] = offset
        try:
            updates = adapter.call("getUpdates", params, timeout=self.timeout + 10) or []
        except TelegramError as exc:
            if exc.status == 409:
                raise PollError("getUpdates: 409, для бота установлен вебхук") from None
            raise PollError(f"getUpdates: {exc.status}") from None
        except requests.RequestException as exc:
            raise PollError(f"getUpdates: {exc.__class__.__name__}") from None
        if not updates:
            return 0
        next_offset = max(int(u["update_id"]) for u in updates) + 1
        channel = _channel(self.channel_id)
        return _store_all(channel, updates, {"offset": next_offset})


class VkPoller:
    """VK Bots Long Poll through vk_api's VkBotLongPoll (it handles failed 1/2/3)."""

    def __init__(self, channel_id: int, wait: int = 25) -> None:
        self.channel_id, self.wait = channel_id, wait
        self.longpoll: VkBotLongPoll | None = None

    def _connect(self, config) -> VkBotLongPoll:
        client = vk_client(config.token, adapter_for(config).api_base)
        longpoll = VkBotLongPoll(client, int(config.group_id or 0), wait=self.wait)
        saved = (config.poll_state or {}).get("ts")
        if saved:
            longpoll.ts = saved  # continue where the last run stopped; failed=1 corrects it
        return longpoll

    def poll_once(self) -> int:
        config = snapshot(_channel(self.channel_id))
        db.session.rollback()
        try:
            if self.longpoll is None:
                self.longpoll = self._connect(config)
            events = self.longpoll.check()
        except (VkApiError, requests.RequestException, ValueError, KeyError) as exc:
            self.longpoll = None
            raise PollError(f"VK long poll: {exc.__class__.__name__}") from None
        channel = _channel(self.channel_id)
        if not events and (channel.poll_state or {}).get("ts") == self.longpoll.ts:
            db.session.rollback()
            return 0
        return _store_all(channel, [e.raw for e in events], {"ts": self.longpoll.ts})


class MaxPoller:
    """MAX `GET /updates` with the marker kept in Channel.poll_state: the marker is stored with
    the events it follows, in one commit, so a restart asks from there and loses nothing."""

    def __init__(self, channel_id: int, timeout: int = 25) -> None:
        self.channel_id, self.timeout = channel_id, timeout

    def poll_once(self) -> int:
        channel = _channel(self.channel_id)
        marker = (channel.poll_state or {}).get("marker")
        adapter = adapter_for(snapshot(channel))
        db.session.rollback()
        try:
            answer = adapter.updates(marker, timeout=self.timeout)
        except DeliveryError as exc:
            raise PollError(f"MAX /updates: {exc.reason}") from None
        updates = [u for u in answer.get("updates") or () if isinstance(u, dict)]
        new_marker = answer.get("marker")
        if not isinstance(new_marker, int) or isinstance(new_marker, bool):
            new_marker = marker
        if not updates and new_marker == marker:
            return 0
        channel = _channel(self.channel_id)
        return _store_all(channel, updates, {"marker": new_marker})


def poller_for(channel: Channel, wait: int = 25):
    """The poller of a channel (VK, Telegram or MAX)."""
    if channel.kind == "vk":
        return VkPoller(channel.id, wait)
    if channel.kind == "telegram":
        return TelegramPoller(channel.id, wait)
    if channel.kind == "max":
        return MaxPoller(channel.id, wait)
    raise PollError("Одноклассники не поддерживают опрос: используйте вебхук")


def run(channel_id: int, wait: int = 25, stop: threading.Event | None = None,
        rounds: int | None = None, idle: float = 10.0) -> int:
    """Poll until stopped (or for `rounds` rounds), backing off on errors; returns events stored.

    While the channel is switched off the loop idles, checking every `idle` seconds, and polls
    again once it is switched back on; it ends when the channel is deleted."""
    stop = stop or threading.Event()
    channel = db.session.get(Channel, channel_id)
    if channel is None:
        log.warning("channel %s does not exist: nothing to poll", channel_id)
        return 0
    poller = poller_for(channel, wait)
    total, delay, done, paused = 0, 1.0, 0, False
    while not stop.is_set() and (rounds is None or done < rounds):
        done += 1
        try:
            total += poller.poll_once()
            delay = 1.0
        except PollError as exc:
            db.session.rollback()
            log.warning("channel %s: %s; retry in %.0fs", channel_id, exc, delay)
            stop.wait(delay)
            delay = min(delay * 2, 30.0)
        except ChannelGone:
            db.session.rollback()
            if db.session.get(Channel, channel_id) is None:
                log.warning("channel %s was removed: polling stops", channel_id)
                break
            if not paused:
                log.info("channel %s is switched off: polling waits for it", channel_id)
            paused = True
            stop.wait(idle)
            continue
        if paused:
            log.info("channel %s is switched on again: polling resumes", channel_id)
            paused = False
    return total


def channel_by_slug(slug: str) -> Channel | None:
    """An active channel by slug."""
    return db.session.scalar(select(Channel).where(Channel.slug == slug,
                                                   Channel.active.is_(True)))
