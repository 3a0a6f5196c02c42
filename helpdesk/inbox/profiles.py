"""Citizens' names that deliveries do not carry (VK Callback API: only from_id).

Fetched in the background through the channel's adapter (VK users.get), never in the webhook
request and never inside ingest's transaction. A failure leaves the placeholder («VK id…») and the
citizen is tried again a few times, with growing pauses. No column holds the tries: a bounded
per-process memory does (Tries); after a restart, or in another worker process, the sweep looks
only at the newest citizens, so the extra tries stay bounded too. Names are never logged.
"""
import logging
import threading
import time
from collections import OrderedDict

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from helpdesk.extensions import db
from helpdesk.inbox.adapters import ADAPTERS, adapter_for, snapshot
from helpdesk.inbox.types import DeliveryError, Profile
from helpdesk.models import Channel, Citizen

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3               # failed lookups before a citizen keeps the placeholder
RETRY_AFTER = (60.0, 600.0)    # pause after the 1st, then every later failure (s)
CHANNEL_PAUSE = 30.0           # after a failed call the channel's other lookups wait too
LEASE = 120.0                  # a lookup in flight is not started again meanwhile
RECENT_CITIZENS = 2000         # the sweep looks at this many newest citizens only
SWEEP_LIMIT = 50               # citizens per sweep
TRACKED = 10_000               # citizens remembered per process (oldest forgotten first)

KINDS = tuple(kind for kind, adapter in ADAPTERS.items() if adapter.fetches_profiles)


class Tries:
    """Per-process memory of lookups: citizen id -> (failures, next try, given up)."""

    def __init__(self, size: int = TRACKED, clock=time.monotonic) -> None:
        self.size, self.clock = size, clock
        self.entries: OrderedDict[int, tuple[int, float, bool]] = OrderedDict()
        self.paused: dict[int, float] = {}  # channel id -> until
        self.lock = threading.Lock()

    def due(self, citizen_id: int, channel_id: int | None = None) -> bool:
        """True when a lookup may start now (not leased, not given up, the channel not paused)."""
        now = self.clock()
        with self.lock:
            if channel_id is not None and self.paused.get(channel_id, 0.0) > now:
                return False
            entry = self.entries.get(citizen_id)
            return entry is None or (not entry[2] and entry[1] <= now)

    def claim(self, channel_id: int, citizen_ids: list[int]) -> list[int]:
        """The due ones, leased to the caller; none while the channel pauses after a failure."""
        now = self.clock()
        with self.lock:
            if self.paused.get(channel_id, 0.0) > now:
                return []
            claimed = []
            for citizen_id in citizen_ids:
                failures, at, final = self.entries.get(citizen_id, (0, 0.0, False))
                if not final and at <= now:
                    self._put(citizen_id, (failures, now + LEASE, False))
                    claimed.append(citizen_id)
            return claimed

    def failed(self, channel_id: int, citizen_ids: list[int]) -> None:
        now = self.clock()
        with self.lock:
            self.paused[channel_id] = now + CHANNEL_PAUSE
            for citizen_id in citizen_ids:
                failures = self.entries.get(citizen_id, (0, 0.0, False))[0] + 1
                wait = RETRY_AFTER[min(failures, len(RETRY_AFTER)) - 1]
                self._put(citizen_id, (failures, now + wait, failures >= MAX_ATTEMPTS))

    def give_up(self, citizen_ids: list[int]) -> None:
        with self.lock:
            for citizen_id in citizen_ids:
                failures = self.entries.get(citizen_id, (0, 0.0, False))[0]
                self._put(citizen_id, (failures, 0.0, True))

    def done(self, citizen_ids: list[int]) -> None:
        with self.lock:
            for citizen_id in citizen_ids:
                self.entries.pop(citizen_id, None)

    def failures(self, citizen_id: int) -> int:
        with self.lock:
            return self.entries.get(citizen_id, (0, 0.0, False))[0]

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.paused.clear()

    def _put(self, citizen_id: int, entry: tuple[int, float, bool]) -> None:
        self.entries[citizen_id] = entry
        self.entries.move_to_end(citizen_id)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


TRIES = Tries()


def is_unnamed(adapter, citizen) -> bool:
    """The citizen still shows only the placeholder (and was never anonymised or renamed)."""
    return (adapter.fetches_profiles and citizen.anonymized_at is None
            and not citizen.first_name and not citizen.last_name
            and citizen.display_name in ("", adapter.placeholder_name(citizen.external_user_id)))


def wants_name(channel: Channel, citizen: Citizen) -> bool:
    """Ingest's question: should a lookup be scheduled for this citizen now?"""
    # While the channel pauses after a failure nothing is scheduled: the sweep comes back later
    # (otherwise every message of every unnamed citizen would queue a lookup that does nothing).
    return is_unnamed(adapter_for(channel), citizen) and TRIES.due(citizen.id, channel.id)


def fetch_names(citizen_ids: list[int]) -> int:
    """Look up the names of these citizens (the unnamed, due ones) and store them; commits.

    Returns how many citizens got a name. The platform is asked outside any transaction.
    """
    rows = db.session.execute(
        select(Citizen, Channel).join(Channel, Channel.id == Citizen.channel_id)
        .where(Citizen.id.in_(citizen_ids), Channel.kind.in_(KINDS))).all()
    by_channel: dict[int, tuple] = {}
    for citizen, channel in rows:
        adapter = adapter_for(snapshot(channel))
        if is_unnamed(adapter, citizen):
            entry = by_channel.setdefault(channel.id, (adapter, {}))
            entry[1][citizen.id] = (citizen.external_user_id, citizen.display_name)
    db.session.rollback()  # no transaction (or SQLite lock) is held while the platform answers
    named = 0
    for channel_id, (adapter, citizens) in by_channel.items():
        claimed = TRIES.claim(channel_id, list(citizens))
        if claimed:
            named += _fetch(adapter, channel_id, {i: citizens[i] for i in claimed})
    return named


def _fetch(adapter, channel_id: int, citizens: dict[int, tuple[str, str]]) -> int:
    ids = list(citizens)
    try:
        found = adapter.profiles([external for external, _ in citizens.values()])
    except DeliveryError as exc:
        if exc.retryable:
            TRIES.failed(channel_id, ids)
        else:
            TRIES.give_up(ids)
        log.warning("names of %s citizen(s) on channel %s not fetched: %s", len(ids), channel_id,
                    exc.reason)
        return 0
    named, without = [], []
    try:
        for citizen_id, (external, shown) in citizens.items():
            profile = found.get(external)
            if profile is None or not profile.usable:  # unknown, deleted or banned account
                without.append(citizen_id)
            elif _store(citizen_id, shown, profile):
                named.append(citizen_id)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        TRIES.failed(channel_id, ids)
        log.warning("names of %s citizen(s) on channel %s not stored", len(ids), channel_id,
                    exc_info=True)
        return 0
    TRIES.done(named)
    TRIES.give_up([i for i in ids if i not in named])  # kept the placeholder or renamed meanwhile
    log.info("channel %s: %s of %s citizen(s) named, %s without a usable profile", channel_id,
             len(named), len(ids), len(without))
    return len(named)


def _store(citizen_id: int, shown: str, profile: Profile) -> bool:
    """Write the name unless the citizen was renamed or anonymised since it was read."""
    result = db.session.execute(
        update(Citizen).where(Citizen.id == citizen_id, Citizen.anonymized_at.is_(None),
                              Citizen.first_name == "", Citizen.last_name == "",
                              Citizen.display_name == shown)
        .values(first_name=profile.first_name, last_name=profile.last_name,
                display_name=profile.display_name)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def unnamed(limit: int, recent: int | None, before: int | None = None) -> list[int]:
    """Due citizens still without a name, newest first (ids below `before`); among the newest
    `recent` citizens only (the sweep's bounded scan) or among all (recent=None, backfill)."""
    newest = db.session.scalar(select(func.max(Citizen.id)))
    if newest is None or not KINDS:
        return []
    query = (select(Citizen.id, Citizen.external_user_id, Citizen.display_name,
                    Citizen.first_name, Citizen.last_name, Citizen.anonymized_at, Channel.kind)
             .join(Channel, Channel.id == Citizen.channel_id)
             .where(Channel.kind.in_(KINDS), Channel.active.is_(True),
                    Citizen.anonymized_at.is_(None), Citizen.first_name == "",
                    Citizen.last_name == "")
             .order_by(Citizen.id.desc()).limit(500))
    if recent is not None:
        query = query.where(Citizen.id > newest - recent)
    wanted: list[int] = []
    while len(wanted) < limit:
        rows = db.session.execute(
            query if before is None else query.where(Citizen.id < before)).all()
        if not rows:
            break
        wanted += [row.id for row in rows
                   if is_unnamed(ADAPTERS[row.kind](None), row) and TRIES.due(row.id)]
        before = rows[-1].id
    db.session.rollback()
    return wanted[:limit]


def fetch_missing_names(limit: int | None = None) -> int:
    """The sweep's part: look up the recent citizens still without a name; commits."""
    ids = unnamed(limit or SWEEP_LIMIT, RECENT_CITIZENS)
    return fetch_names(ids) if ids else 0


def backfill_names(limit: int) -> tuple[int, int]:
    """Look up to `limit` citizens still without a name, older ones included (flask inbox
    names); returns (asked, named). Stops at the first failed call."""
    asked = named = 0
    before = None
    while asked < limit:
        ids = unnamed(min(limit - asked, 100), recent=None, before=before)
        if not ids:
            break
        asked, before = asked + len(ids), min(ids)
        named += fetch_names(ids)
        if any(TRIES.failures(i) for i in ids):
            break
    return asked, named
