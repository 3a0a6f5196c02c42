"""Citizens' names that deliveries do not carry (VK Callback API: only from_id).

Fetched in the background through the channel's adapter (VK users.get), never in the webhook
request and never inside ingest's transaction. A failure leaves the placeholder («VK id…») and the
citizen is tried again a few times, with growing pauses. The tries are kept on the citizen's row
(`name_lookups`, `name_lookup_after`), so a restart or a second worker process does not start
them over; a lookup in flight holds a lease there, so two processes do not ask for the same
citizen. Only the short pause of a channel after a failed call is per process. Names are never
logged.
"""
import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from helpdesk.extensions import db
from helpdesk.inbox.adapters import ADAPTERS, adapter_for, snapshot
from helpdesk.inbox.types import DeliveryError, Profile
from helpdesk.models import Channel, Citizen
from helpdesk.models.types import utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3               # failed lookups before a citizen keeps the placeholder
RETRY_AFTER = (60.0, 600.0)    # pause after the 1st, then every later failure (s)
CHANNEL_PAUSE = 30.0           # after a failed call the channel's other lookups wait too
LEASE = 120.0                  # a lookup in flight is not started again meanwhile
RECENT_CITIZENS = 2000         # the sweep looks at this many newest citizens only
SWEEP_LIMIT = 50               # citizens per sweep

KINDS = tuple(kind for kind, adapter in ADAPTERS.items() if adapter.fetches_profiles)


def clock() -> datetime:
    """Now (aware UTC); tests move it."""
    return utcnow()


class ChannelPauses:
    """Per-process pauses of a channel's lookups after a failed call: channel id -> until."""

    def __init__(self) -> None:
        self.until: dict[int, datetime] = {}
        self.lock = threading.Lock()

    def paused(self, channel_id: int) -> bool:
        with self.lock:
            until = self.until.get(channel_id)
        return until is not None and until > clock()

    def pause(self, channel_id: int) -> None:
        with self.lock:
            self.until[channel_id] = clock() + timedelta(seconds=CHANNEL_PAUSE)

    def clear(self) -> None:
        with self.lock:
            self.until.clear()


PAUSES = ChannelPauses()


def _due(now: datetime):
    """SQL: the citizen's lookup may start now (tries left, no lease or back-off running)."""
    return and_(Citizen.name_lookups < MAX_ATTEMPTS,
                or_(Citizen.name_lookup_after.is_(None), Citizen.name_lookup_after <= now))


def is_due(citizen: Citizen, now: datetime | None = None) -> bool:
    """Python mirror of _due for a loaded citizen."""
    after = citizen.name_lookup_after
    return ((citizen.name_lookups or 0) < MAX_ATTEMPTS
            and (after is None or after <= (now or clock())))


def is_unnamed(adapter, citizen) -> bool:
    """The citizen still shows only the placeholder (and was never anonymised or renamed)."""
    return (adapter.fetches_profiles and citizen.anonymized_at is None
            and not citizen.first_name and not citizen.last_name
            and citizen.display_name in ("", adapter.placeholder_name(citizen.external_user_id)))


def wants_name(channel: Channel, citizen: Citizen) -> bool:
    """Ingest's question: should a lookup be scheduled for this citizen now?"""
    # While the channel pauses after a failure nothing is scheduled: the sweep comes back later
    # (otherwise every message of every unnamed citizen would queue a lookup that does nothing).
    return (is_unnamed(adapter_for(channel), citizen) and is_due(citizen)
            and not PAUSES.paused(channel.id))


def fetch_names(citizen_ids: list[int]) -> int:
    """Look up the names of these citizens (the unnamed, due ones) and store them; commits.

    Returns how many citizens got a name. The platform is asked outside any transaction.
    """
    return _fetch_names(citizen_ids)[0]


def _fetch_names(citizen_ids: list[int]) -> tuple[int, bool]:
    """(citizens named, whether a platform call failed)."""
    rows = db.session.execute(
        select(Citizen, Channel).join(Channel, Channel.id == Citizen.channel_id)
        .where(Citizen.id.in_(citizen_ids), Channel.kind.in_(KINDS), _due(clock()))).all()
    by_channel: dict[int, tuple] = {}
    for citizen, channel in rows:
        adapter = adapter_for(snapshot(channel))
        if is_unnamed(adapter, citizen):
            entry = by_channel.setdefault(channel.id, (adapter, {}))
            entry[1][citizen.id] = (citizen.external_user_id, citizen.display_name)
    db.session.rollback()  # no transaction (or SQLite lock) is held while the platform answers
    named, failed = 0, False
    for channel_id, (adapter, citizens) in by_channel.items():
        if PAUSES.paused(channel_id):
            continue
        claimed = _claim(list(citizens))
        if claimed:
            count, call_failed = _fetch(adapter, channel_id, {i: citizens[i] for i in claimed})
            named, failed = named + count, failed or call_failed
    return named, failed


def _claim(citizen_ids: list[int]) -> list[int]:
    """Lease the due ones to this process for LEASE seconds (committed): another process that
    reads them meanwhile finds them not due."""
    now = clock()
    try:
        claimed = db.session.scalars(
            update(Citizen).where(Citizen.id.in_(citizen_ids), _due(now))
            .values(name_lookup_after=now + timedelta(seconds=LEASE))
            .returning(Citizen.id).execution_options(synchronize_session=False)).all()
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("name lookups of %s citizen(s) not leased", len(citizen_ids), exc_info=True)
        return []
    return sorted(claimed)


def _record(citizen_ids: list[int], values: dict) -> None:
    """Store the outcome of a lookup on the citizens' rows (committed; a failure is logged)."""
    if not citizen_ids:
        return
    try:
        db.session.execute(update(Citizen).where(Citizen.id.in_(citizen_ids)).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("name lookups of %s citizen(s) not recorded", len(citizen_ids), exc_info=True)


def _failed(channel_id: int, citizen_ids: list[int]) -> None:
    """One more failed try: back off (a minute after the first, then ten), pause the channel."""
    PAUSES.pause(channel_id)
    now = clock()
    first, later = (now + timedelta(seconds=pause) for pause in RETRY_AFTER)
    _record(citizen_ids, {"name_lookups": Citizen.name_lookups + 1,
                          "name_lookup_after": case((Citizen.name_lookups == 0, first),
                                                    else_=later)})


def _give_up(citizen_ids: list[int]) -> None:
    _record(citizen_ids, {"name_lookups": MAX_ATTEMPTS, "name_lookup_after": None})


def _fetch(adapter, channel_id: int, citizens: dict[int, tuple[str, str]]) -> tuple[int, bool]:
    ids = list(citizens)
    try:
        found = adapter.profiles([external for external, _ in citizens.values()])
    except DeliveryError as exc:
        if exc.retryable:
            _failed(channel_id, ids)
        else:
            _give_up(ids)
        log.warning("names of %s citizen(s) on channel %s not fetched: %s", len(ids), channel_id,
                    exc.reason)
        return 0, True
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
        _failed(channel_id, ids)
        log.warning("names of %s citizen(s) on channel %s not stored", len(ids), channel_id,
                    exc_info=True)
        return 0, True
    _record(named, {"name_lookup_after": None})
    _give_up([i for i in ids if i not in named])  # kept the placeholder or renamed meanwhile
    log.info("channel %s: %s of %s citizen(s) named, %s without a usable profile", channel_id,
             len(named), len(ids), len(without))
    return len(named), False


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
                    Citizen.last_name == "", _due(clock()))
             .order_by(Citizen.id.desc()).limit(500))
    if recent is not None:
        query = query.where(Citizen.id > newest - recent)
    wanted: list[int] = []
    while len(wanted) < limit:
        rows = db.session.execute(
            query if before is None else query.where(Citizen.id < before)).all()
        if not rows:
            break
        wanted += [row.id for row in rows if is_unnamed(ADAPTERS[row.kind](None), row)]
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
        count, failed = _fetch_names(ids)
        named += count
        if failed:
            break
    return asked, named
