"""Deadline digests per department (in the app and by e-mail) and escalation of overdue tickets."""
import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from flask import current_app
from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.deadlines import store
from helpdesk.deadlines.clocks import CLOCK_LABELS
from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.digest import DepartmentDigest, Escalation
from helpdesk.models.ticket import OPEN_STATUSES, Ticket
from helpdesk.models.types import utcnow
from helpdesk.models.user import User
from helpdesk.registry import periodic
from helpdesk.tickets.queues import due_key_sql, nearest_clock

log = logging.getLogger(__name__)
DIGEST_EVERY = timedelta(hours=24)
MAX_LISTED = 200


def _item(ticket: Ticket, calendar) -> dict:
    clock, due = nearest_clock(ticket)
    return {"id": ticket.id, "number": ticket.number, "clock": CLOCK_LABELS.get(clock, clock),
            "due": calendar.local(due).strftime("%d.%m.%Y %H:%M") if due else ""}


def department_digest(department: Department, now: datetime) -> DepartmentDigest:
    """Build (and store) a digest of a department's overdue and due-soon open tickets."""
    digest = DepartmentDigest(department_id=department.id, created_at=now,
                              content=digest_content(department, now))
    db.session.add(digest)
    db.session.flush()
    return digest


def digest_content(department: Department, now: datetime) -> dict:
    """The overdue and due-soon open tickets of a department right now (reads only)."""
    from helpdesk.tickets.presenters import soon_before

    calendar = store.load_calendar()
    limit = soon_before(now, calendar)
    due = due_key_sql()
    base = select(Ticket).where(Ticket.department_id == department.id,
                                Ticket.status.in_(OPEN_STATUSES))
    overdue = db.session.scalars(base.where(due <= now).order_by(due).limit(MAX_LISTED)).all()
    soon = db.session.scalars(base.where(due > now, due <= limit).order_by(due)
                              .limit(MAX_LISTED)).all()
    open_count = db.session.scalar(select(db.func.count()).select_from(base.subquery()))
    return {"overdue": [_item(t, calendar) for t in overdue],
            "soon": [_item(t, calendar) for t in soon], "open": open_count}


def digest_text(digest: DepartmentDigest) -> str:
    """The plain-text body of a digest e-mail (Russian)."""
    c = digest.content
    lines = [f"Сводка по срокам: {digest.department.name}", f"Открытых обращений: {c['open']}", ""]
    for key, title in (("overdue", "Просрочено"), ("soon", "Срок истекает")):
        lines.append(f"{title}: {len(c[key])}")
        lines += [f"  {i['number']} — {i['clock']} до {i['due']}" for i in c[key]]
        lines.append("")
    return "\n".join(lines)


def mail_digest(digest: DepartmentDigest) -> list[str]:
    """E-mail the digest to the department's active users with an address (when SMTP is set)."""
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return []
    recipients = [u.email for u in db.session.scalars(select(User).where(
        User.department_id == digest.department_id, User.active.is_(True))) if u.email]
    if not recipients:
        return []
    msg = EmailMessage()
    msg["Subject"] = f"Сроки обращений: {digest.department.name}"
    msg["From"] = config.get("SMTP_FROM", "helpdesk@localhost")
    msg["To"] = ", ".join(recipients)
    msg.set_content(digest_text(digest))
    try:
        with smtplib.SMTP(config["SMTP_HOST"], int(config.get("SMTP_PORT", 25)), timeout=20) as smtp:
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        digest.email_error = f"{exc.__class__.__name__}: {exc}"[:500]
        log.warning("digest mail for department %s failed: %s", digest.department_id,
                    exc.__class__.__name__)
        return []
    digest.emailed_to = recipients
    return recipients


def build_digests(now: datetime | None = None, force: bool = False) -> list[DepartmentDigest]:
    """A digest for every active department whose last one is older than a day (flushes)."""
    now = now or utcnow()
    made = []
    for department in db.session.scalars(select(Department).where(Department.active.is_(True))):
        last = db.session.scalar(select(db.func.max(DepartmentDigest.created_at)).where(
            DepartmentDigest.department_id == department.id))
        if not force and last is not None and now - _aware(last) < DIGEST_EVERY:
            continue
        digest = department_digest(department, now)
        mail_digest(digest)
        record("digest_built", object_type="department", object_id=str(department.id),
               details={"overdue": len(digest.content["overdue"]),
                        "soon": len(digest.content["soon"]), "emailed": len(digest.emailed_to)})
        made.append(digest)
    db.session.flush()
    return made


def _aware(value: datetime) -> datetime:
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def escalate_overdue(now: datetime | None = None) -> int:
    """Raise newly overdue open tickets to the press staff; resolve escalations no longer overdue."""
    now = now or utcnow()
    due = due_key_sql()
    overdue = db.session.scalars(select(Ticket).where(
        Ticket.status.in_(OPEN_STATUSES), due <= now,
        ~select(Escalation.id).where(Escalation.ticket_id == Ticket.id).exists())).all()
    for ticket in overdue:
        clock, due_at = nearest_clock(ticket)
        db.session.add(Escalation(ticket_id=ticket.id, clock=clock, due_at=due_at, escalated_at=now))
        record("ticket_escalated", object_type="ticket", object_id=str(ticket.id),
               details={"clock": clock, "due": due_at.isoformat()})
    for esc in db.session.scalars(select(Escalation).where(Escalation.resolved_at.is_(None))):
        ticket = db.session.get(Ticket, esc.ticket_id)
        _, current = nearest_clock(ticket)
        if current is None or current > now:
            esc.resolved_at = now
    db.session.flush()
    return len(overdue)


def latest_digests(department_id: int | None = None) -> list[DepartmentDigest]:
    """The newest digest of each department (or of one department)."""
    newest = select(DepartmentDigest.department_id, db.func.max(DepartmentDigest.id).label("id")
                    ).group_by(DepartmentDigest.department_id)
    if department_id is not None:
        newest = newest.where(DepartmentDigest.department_id == department_id)
    ids = [row.id for row in db.session.execute(newest)]
    return list(db.session.scalars(select(DepartmentDigest).where(DepartmentDigest.id.in_(ids))))


DIGEST_JOB_SECONDS = 3600  # how often the sweeper looks; a stored digest older than this is stale


@dataclass
class DigestView:
    """A department's digest as the page shows it: computed now, with the e-mail state of the
    newest stored one."""

    department: Department
    content: dict
    emailed_to: list = field(default_factory=list)
    email_error: str | None = None


def digests_for_page(department_id: int | None, now: datetime) -> list[DigestView]:
    """Each active department in scope, as it stands now (a stored digest is a snapshot for the
    e-mail: even an hour old it would show a late ticket as due soon). The newest stored digest
    still says whether, and to whom, it was mailed."""
    departments = select(Department).where(Department.active.is_(True)).order_by(Department.name)
    if department_id is not None:
        departments = departments.where(Department.id == department_id)
    stored = {d.department_id: d for d in latest_digests(department_id)}
    rows = []
    for department in db.session.scalars(departments):
        digest = stored.get(department.id)
        mailed = digest is not None and now - _aware(digest.created_at) <= DIGEST_EVERY
        rows.append(DigestView(department, digest_content(department, now),
                               emailed_to=(digest.emailed_to or []) if mailed else [],
                               email_error=digest.email_error if mailed else None))
    return rows


def has_news(view: DigestView) -> bool:
    """True when the digest has something to report: an overdue or a due-soon ticket."""
    return bool(view.content.get("overdue") or view.content.get("soon"))


@dataclass
class DigestPage:
    """The digest page: departments with something to report, the quiet ones by name only, and
    the moment they were computed at."""

    reporting: list
    quiet: list
    live_at: datetime


def digest_page(department_id: int | None, now: datetime) -> DigestPage:
    """What the digest page shows for a scope (see digests_for_page)."""
    views = digests_for_page(department_id, now)
    return DigestPage(reporting=[v for v in views if has_news(v)],
                      quiet=[v for v in views if not has_news(v)],
                      live_at=now)


def refresh_digests(user: User, department_id: int | None, now: datetime | None = None) -> int:
    """Store fresh digests (no e-mail) for the user's scope on request; audited (flushes)."""
    now = now or utcnow()
    departments = select(Department).where(Department.active.is_(True))
    if department_id is not None:
        departments = departments.where(Department.id == department_id)
    made = [department_digest(d, now) for d in db.session.scalars(departments).all()]
    record("digest_refreshed", actor=user, object_type="department",
           object_id=str(department_id) if department_id is not None else "all",
           details={"departments": [d.department_id for d in made]})
    return len(made)


@periodic("desk-escalate", 300)
def escalate_job(app) -> None:
    """Embedded sweeper: escalate overdue tickets every five minutes."""
    escalate_overdue()


@periodic("desk-digest", DIGEST_JOB_SECONDS)
def digest_job(app) -> None:
    """Embedded sweeper: build the daily digests (checked hourly)."""
    build_digests()
