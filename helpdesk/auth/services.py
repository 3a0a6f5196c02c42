"""Account services shared by the views and the CLI."""
import re
import secrets
from datetime import datetime, timezone

from sqlalchemy import func, select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.user import Role, User
from helpdesk.errors import UserError


USERNAME_RE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


class AccountError(UserError):
    """A domain error the caller shows to the person (Russian message), tied to a form field."""


def authenticate(username: str, password: str, ip: str = "") -> User | None:
    """The active user with that name and password, or None; both outcomes are audited."""
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None or not user.active or not user.check_password(password):
        record("login_failed", actor=None, object_type="user", object_id=username[:64],
               result="denied", ip=ip)
        return None
    user.last_login_at = datetime.now(timezone.utc)
    record("login", actor=user, object_type="user", object_id=str(user.id), ip=ip)
    return user


def password_weakness(password: str, username: str) -> str | None:
    """Why a new password is too easy to guess, or None."""
    if len(password) < 10:
        return "Пароль должен быть не короче 10 символов"
    if password.isdigit():
        return "Пароль слишком простой: одни цифры — добавьте буквы"
    if len(set(password)) < 4:
        return "Пароль слишком простой: в нём меньше четырёх разных символов"
    if username and username.lower() in password.lower():
        return "Пароль не должен содержать имя пользователя"
    return None


def change_password(user: User, current: str, new: str) -> None:
    """Change one's own password; every other session of the user ends."""
    if not user.check_password(current):
        raise AccountError("Текущий пароль указан неверно", field="current")
    if current == new:
        raise AccountError("Новый пароль должен отличаться от текущего", field="new")
    weakness = password_weakness(new, user.username)
    if weakness:
        raise AccountError(weakness, field="new")
    user.set_password(new)
    user.must_change_password = False
    record("password_changed", actor=user, object_type="user", object_id=str(user.id))
    db.session.flush()


def create_user(username: str, role: str, password: str | None = None, *, full_name: str = "",
                email: str | None = None, department: Department | None = None,
                actor: User | None = None, must_change: bool = False) -> tuple[User, str]:
    """Create an account; returns it with its password (generated when none was given)."""
    username = username.strip()
    if not USERNAME_RE.fullmatch(username):
        raise AccountError("Имя пользователя: латинские буквы, цифры, точка, дефис, подчёркивание")
    if role not in {r.value for r in Role}:
        raise AccountError(f"Неизвестная роль: {role}", field="role")
    if role == Role.SPECIALIST and department is None:
        raise AccountError("Специалисту нужно указать подразделение", field="department_id")
    exists = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if exists:
        raise AccountError("Пользователь с таким именем уже есть")
    password = password or secrets.token_urlsafe(12)
    user = User(username=username, role=role, full_name=full_name, email=email or None,
                department=department, must_change_password=must_change)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record("user_created", actor=actor, object_type="user", object_id=str(user.id),
           details={"username": username, "role": role,
                    "department_id": department.id if department else None})
    return user, password


def update_user(user: User, *, role: str, department: Department | None, full_name: str,
                email: str | None, active: bool, actor: User) -> None:
    """Edit an account; a change of role, department or activity ends its sessions."""
    if role == Role.SPECIALIST and department is None:
        raise AccountError("Специалисту нужно указать подразделение", field="department_id")
    if user.id == actor.id and (not active or role != Role.ADMIN):
        raise AccountError("Нельзя снять роль администратора или отключить самого себя",
                           field="role")
    changed = {}
    for field, value in (("role", role), ("department_id", department.id if department else None),
                         ("active", active)):
        if getattr(user, field) != value:
            changed[field] = [getattr(user, field), value]
    user.role, user.department, user.active = role, department, active
    user.full_name, user.email = full_name, email or None
    if changed:
        user.end_sessions()
    db.session.flush()
    record("user_updated", actor=actor, object_type="user", object_id=str(user.id),
           details={"changed": changed})
    if changed:
        release_tickets(user, actor)


def release_tickets(user: User, actor: User | None) -> int:
    """Unassign the open tickets a user may no longer work (moved, switched off, made auditor):
    they go back to their department's queue instead of waiting for someone who cannot open
    them. Each is audited as a change of assignee. Returns how many."""
    from helpdesk.models.ticket import OPEN_STATUSES, Ticket
    from helpdesk.access import can_be_assigned

    tickets = db.session.scalars(select(Ticket).where(
        Ticket.assignee_id == user.id, Ticket.status.in_(OPEN_STATUSES))).all()
    released = [t for t in tickets if not can_be_assigned(user, t)]
    for ticket in released:
        ticket.assignee_id = None
        record("ticket_assigned", actor=actor, object_type="ticket", object_id=str(ticket.id),
               details={"previous": user.id, "assignee": None, "reason": "user_changed"})
    db.session.flush()
    return len(released)


def reset_password(user: User, actor: User | None) -> str:
    """Give the user a new one-time password (to be changed at next sign-in)."""
    password = secrets.token_urlsafe(12)
    user.set_password(password)
    user.must_change_password = True
    db.session.flush()
    record("password_reset", actor=actor, object_type="user", object_id=str(user.id))
    return password
