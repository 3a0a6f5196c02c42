"""Writing audit events: every view of personal data, export and change goes through record()."""
from datetime import datetime, timezone

from flask import current_app, has_request_context, request
from sqlalchemy import select, text

from helpdesk.audit.chain import derive_key, row_hash
from helpdesk.extensions import db
from helpdesk.models.audit import AuditEvent

# One constant key for the PostgreSQL advisory lock that serialises the chain.
_CHAIN_LOCK = 5_905_059


def record(action: str, *, actor=None, object_type: str = "", object_id: str = "",
           result: str = "ok", ip: str | None = None, details: dict | None = None) -> AuditEvent:
    """Append one chained audit row in the current transaction (flushes; caller commits)."""
    session = db.session
    _lock_chain(session)
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    prev_hash = last.hash if last else ""
    if ip is None:
        ip = (request.remote_addr or "") if has_request_context() else ""
    event = AuditEvent(
        id=(last.id + 1) if last else 1,
        created_at=datetime.now(timezone.utc),
        user_id=getattr(actor, "id", None),
        username=getattr(actor, "username", "") or "",
        action=action, object_type=object_type, object_id=str(object_id)[:64],
        result=result, ip=ip[:64], details=details or {}, prev_hash=prev_hash,
    )
    event.hash = row_hash(prev_hash, _fields(event), audit_key())
    session.add(event)
    session.flush()
    return event


def audit_key() -> bytes:
    """The key of the chain: AUDIT_KEY, else one derived from SECRET_KEY."""
    config = current_app.config
    explicit = config.get("AUDIT_KEY")
    return explicit.encode("utf-8") if explicit else derive_key(config["SECRET_KEY"])


def _lock_chain(session) -> None:
    """Serialise appends until commit, so two transactions never read the same last row."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
    elif dialect == "sqlite":
        # Any write statement takes SQLite's database-wide write lock (waiting out busy_timeout)
        # even when it changes no row; the read of the last row below then sees every committed
        # append. It touches `settings`, never audit_events, which has no update path at all.
        session.execute(text("UPDATE settings SET key = key WHERE 0 = 1"))


def _fields(event: AuditEvent) -> dict:
    return {"id": event.id, "created_at": event.created_at, "user_id": event.user_id,
            "username": event.username, "action": event.action,
            "object_type": event.object_type, "object_id": event.object_id,
            "result": event.result, "ip": event.ip, "details": event.details}
