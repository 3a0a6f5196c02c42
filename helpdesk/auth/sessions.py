"""The server's registry of live sign-ins: sign-out ends that session, not only the cookie.

The login cookie carries the id of a UserSession row; Flask-Login's user loader accepts it only
while the row exists and its nonce is still the user's (see models.user.UserSession). Services
flush; the request commits.
"""
import secrets
from datetime import timedelta

from sqlalchemy import delete, select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.types import utcnow
from helpdesk.models.user import User, UserSession

# "Last seen" is written at most this often per session (it is shown, not enforced).
SEEN_EVERY = timedelta(minutes=1)


def start_session(user: User, ip: str = "", user_agent: str = "") -> UserSession:
    """Register a new sign-in of `user` and make it the one get_id() returns (flushes). The
    user's dead rows (ended by a password, role or department change) are cleared."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.nonce != user.session_nonce))
    row = UserSession(id=secrets.token_urlsafe(32), user_id=user.id, nonce=user.session_nonce,
                      ip=(ip or "")[:64], user_agent=(user_agent or "")[:300])
    db.session.add(row)
    db.session.flush()
    user.session_id = row.id
    return row


def session_user(session_id: str) -> User | None:
    """The user of a live session, or None (the loader of Flask-Login)."""
    if not session_id or len(session_id) > 64:
        return None
    row = db.session.get(UserSession, session_id)
    if row is None or not row.alive:
        return None
    now = utcnow()
    if now - row.last_seen_at >= SEEN_EVERY:
        row.last_seen_at = now  # written with the request's commit (informative only)
    row.user.session_id = row.id
    return row.user


def end_session(user: User, session_id: str | None) -> None:
    """Sign-out: this session stops being accepted anywhere (flushes; audited)."""
    db.session.execute(delete(UserSession).where(UserSession.id == (session_id or ""),
                                                 UserSession.user_id == user.id))
    record("logout", actor=user, object_type="user", object_id=str(user.id))


def live_sessions(user: User) -> list[UserSession]:
    """The user's live sessions, the most recently seen first."""
    return list(db.session.scalars(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.nonce == user.session_nonce)
        .order_by(UserSession.last_seen_at.desc(), UserSession.created_at.desc())))


def end_other_sessions(user: User) -> int:
    """End every live session of the user but the current one; returns how many (audited)."""
    ended = db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id, UserSession.id != (user.session_id or ""))).rowcount
    record("sessions_ended", actor=user, object_type="user", object_id=str(user.id),
           details={"scope": "others", "count": ended})
    return ended


def end_all_sessions(user: User, actor: User) -> int:
    """An administrator ends every session of a user; returns how many were live (audited)."""
    live = len(live_sessions(user))
    user.end_sessions()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.flush()
    record("sessions_ended", actor=actor, object_type="user", object_id=str(user.id),
           details={"scope": "all", "count": live})
    return live
