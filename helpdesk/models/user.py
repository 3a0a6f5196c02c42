"""Staff accounts and their roles."""
import secrets
from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.types import UTCDateTime, utcnow


class Role(StrEnum):
    PRESS = "press"
    SPECIALIST = "specialist"
    AUDITOR = "auditor"
    ADMIN = "admin"


ROLE_LABELS = {
    Role.PRESS: "Пресс-служба",
    Role.SPECIALIST: "Специалист подразделения",
    Role.AUDITOR: "Аудитор (контроль исполнения)",
    Role.ADMIN: "Администратор",
}


def new_session_nonce() -> str:
    return secrets.token_urlsafe(16)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=Role.PRESS)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the login cookie: rotating it ends every session of this user.
    session_nonce: Mapped[str] = mapped_column(String(64), default=new_session_nonce)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r} {self.role}>"

    # The UserSession this request was signed in through (set by auth.sessions; not stored).
    session_id = None

    # Flask-Login: the cookie holds the id of a live UserSession row, never the user's own id,
    # so one sign-in can be ended on the server (auth.sessions).
    def get_id(self) -> str:
        if not self.session_id:
            raise RuntimeError("sign in through helpdesk.auth.sessions.start_session()")
        return self.session_id

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """Invalidate every existing login of this user (their UserSession rows stop matching)."""
        self.session_nonce = new_session_nonce()

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(Role(self.role), self.role)

    @property
    def can_write(self) -> bool:
        return self.role != Role.AUDITOR

    @property
    def sees_all_departments(self) -> bool:
        return self.role in (Role.PRESS, Role.ADMIN, Role.AUDITOR)


class UserSession(db.Model):
    """One live sign-in (ASVS 3.3.1: a signed cookie alone cannot be revoked, so the server keeps
    which sessions are alive). The cookie carries `id`; sign-out deletes the row. A row whose
    `nonce` is no longer its user's session_nonce (password, role or department changed, account
    switched off) is dead too, and is cleared at the user's next sign-in."""

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User] = relationship()

    @property
    def alive(self) -> bool:
        return self.user is not None and self.user.active and self.nonce == self.user.session_nonce
