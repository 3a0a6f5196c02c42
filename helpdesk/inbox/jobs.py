"""The inbox sweeper: whatever the after-commit tasks missed, the database still says is due."""
import logging
import threading
from datetime import timedelta

from sqlalchemy import select

from helpdesk.background.tasks import run_task
from helpdesk.extensions import db
from helpdesk.models import Ticket
from helpdesk.models.ticket import TicketStatus
from helpdesk.models.types import utcnow
from helpdesk.registry import periodic

log = logging.getLogger(__name__)

ROUTE_GRACE = timedelta(seconds=30)


def sweep() -> dict:
    """One pass: pending events, due outbox items, pending attachments, unrouted tickets,
    citizens still without a name (VK)."""
    from helpdesk.inbox.attachments import download_pending
    from helpdesk.inbox.events import process_pending
    from helpdesk.inbox.outbox import deliver_due
    from helpdesk.inbox.profiles import fetch_missing_names

    counts = {"events": process_pending(), "sent": deliver_due()}
    stale = db.session.scalars(select(Ticket.id).where(
        Ticket.status == TicketStatus.NEW, Ticket.received_at < utcnow() - ROUTE_GRACE)
        .limit(50)).all()
    for ticket_id in stale:  # by name: the ticket side routes (the inbox imports nothing of it)
        run_task("tickets.route", ticket_id, None)
    counts["routed"] = len(stale)
    counts["attachments"] = download_pending()
    counts["names"] = fetch_missing_names()  # last: it may wait on the platform
    return counts


def work(stop: threading.Event, interval: float = 1.0) -> None:
    """A worker without Celery: sweep until `stop` is set, pausing when there is nothing to do."""
    while not stop.is_set():
        try:
            counts = sweep()
        except Exception:  # e.g. the database is away: try again shortly
            db.session.rollback()
            log.exception("inbox sweep failed")
            counts = {}
        if not any(counts.values()):
            stop.wait(interval)


@periodic("inbox-sweep", 10)
def sweep_job(app) -> None:
    """Embedded sweeper entry point."""
    counts = sweep()
    if any(counts.values()):
        log.info("inbox sweep: %s", counts)
