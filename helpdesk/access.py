"""Access control in one place: which tickets a user may see, and who may write."""
from functools import wraps

from flask import abort, g, request
from flask_login import current_user, login_required
from sqlalchemy import Select, false, literal, select

from helpdesk.extensions import db
from helpdesk.models.ticket import Ticket
from helpdesk.models.user import Role, User


def visible_tickets(user: User) -> Select:
    """A SELECT of the tickets the user may see: press, admin, auditor all; specialists their department."""
    query = select(Ticket)
    return restrict_to_user(query, user)


def restrict_to_user(query: Select, user: User) -> Select:
    """Add the department restriction of `user` to any query that selects from tickets."""
    return restrict_to_scope(query, user_scope(user))


def restrict_to_scope(query: Select, scope: str | int) -> Select:
    """Add the restriction of a user_scope() to a query that selects from tickets."""
    condition = scope_condition(scope)
    return query if condition is None else query.where(condition)


# What a user may see, as a value: every department, one department's id, or nothing.
ALL_DEPARTMENTS = "all"
NOTHING = "none"


def user_scope(user: User) -> str | int:
    """ALL_DEPARTMENTS for press, admin and auditor; a specialist's department id; else NOTHING."""
    if user.sees_all_departments:
        return ALL_DEPARTMENTS
    if user.role == Role.SPECIALIST and user.department_id is not None:
        return user.department_id
    return NOTHING


def scope_condition(scope: str | int):
    """The WHERE condition on tickets for a user_scope() (None: no restriction)."""
    if scope == ALL_DEPARTMENTS:
        return None
    if scope == NOTHING:
        return false()
    # Inlined (an id, not user input): the query keeps one plan per department.
    return Ticket.department_id == literal(scope, literal_execute=True)


def can_be_assigned(assignee: User, ticket: Ticket) -> bool:
    """Whether a user may work the ticket: an active writer who sees it: press staff and
    administrators see every ticket, a specialist only their department's."""
    if not assignee.active or not assignee.can_write:
        return False
    if assignee.role == Role.SPECIALIST:
        return ticket.department_id is not None and assignee.department_id == ticket.department_id
    return assignee.sees_all_departments


def ticket_or_404(user: User, ticket_id: int, *options) -> Ticket:
    """The ticket if the user may see it; otherwise 404 (never reveal that it exists).

    `options` are loader options for what the caller shows (say, the citizen)."""
    ticket = db.session.scalar(visible_tickets(user).where(Ticket.id == ticket_id).options(*options))
    return found_or_404(ticket, ticket_id)


def found_or_404(ticket: Ticket | None, ticket_id: int) -> Ticket:
    """The ticket a visibility-restricted query found, or 404 (noting an attempt on a ticket
    that exists but is not the user's to see)."""
    if ticket is None:
        if db.session.scalar(select(Ticket.id).where(Ticket.id == ticket_id)) is not None:
            denied("ticket", ticket_id)  # it exists: an attempt on another department's ticket
        abort(404)
    return ticket


def denied(object_type: str, object_id) -> None:
    """Note a refused attempt; the 403/404 error handler writes it to the audit log
    (helpdesk.web.errors), after the request's own changes are rolled back."""
    g.access_denied = (object_type, str(object_id))


def require_writer(user: User) -> None:
    """Auditors are read-only: any write answers 403."""
    if not user.can_write:
        denied("route", request.endpoint or request.path)
        abort(403)


def roles_required(*roles: str):
    """View decorator: signed in and one of `roles`, else 403."""
    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                denied("route", request.endpoint or request.path)
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorate


def writer_required(view):
    """View decorator: signed in and allowed to change data (not an auditor)."""
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        require_writer(current_user)
        return view(*args, **kwargs)
    return wrapped
