"""POST route of the ticket list's bulk actions (helpdesk.tickets.bulk): parse, run, say what
was done and what was skipped, back to the list."""
from dataclasses import dataclass

from flask import flash, redirect, request, url_for
from markupsafe import Markup
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import writer_required
from helpdesk.extensions import db
from helpdesk.models.outcomes import ART11_REASONS, MANUAL_STATUSES, RESULTS
from helpdesk.models.ticket import STATUS_LABELS, TicketStatus
from helpdesk.models.user import Role, User
from helpdesk.tickets import bp
from helpdesk.tickets.bulk import ACTIONS, DONE, NOBODY, BulkOutcome, BulkRequest, parse_selection, run
from helpdesk.util.ids import parse_id
from helpdesk.web.boundary import back_on_user_error
from helpdesk.web.redirects import safe_next

SHOWN_NUMBERS = 10  # numbers named in the success message; the rest are counted


@bp.route("/tickets/bulk", methods=["POST"])
@writer_required
def bulk_action():
    """Apply one action to the selected tickets, each checked as the single action is."""
    back = safe_next(request.form.get("next")) or url_for("tickets.list_tickets")
    back_on_user_error(back)
    form = request.form
    outcome = run(current_user, BulkRequest(
        action=form.get("action", ""), selected=parse_selection(form.getlist("tickets")),
        assignee=form.get("assignee_id", "").strip(),
        department_id=parse_id(form.get("department_id", "").strip()),
        status=form.get("status", ""), result=form.get("result", ""),
        reason=form.get("reason", "")))
    _report(outcome)
    return redirect(back)


def _report(outcome: BulkOutcome) -> None:
    """One message for what was done, one listing every ticket skipped with its reason (a
    number never breaks at its hyphen)."""
    if outcome.done:
        numbers = Markup(", ").join(_number(n) for n in outcome.done[:SHOWN_NUMBERS])
        more = len(outcome.done) - SHOWN_NUMBERS
        flash(Markup("{}: {} ({}{}).").format(DONE[outcome.action], len(outcome.done), numbers,
                                              f" и ещё {more}" if more > 0 else ""), "success")
    if outcome.skipped:
        total = len(outcome.done) + len(outcome.skipped)
        lines = Markup("\n").join(
            Markup("{} — {}").format(_number(s.number) if s.number else "обращение", s.reason)
            for s in outcome.skipped)
        flash(Markup("Пропущено {} из {} (не изменены):\n{}").format(
            len(outcome.skipped), total, lines), "warning")


def _number(number: str) -> Markup:
    return Markup('<span class="text-nowrap">№ {}</span>').format(number)


@dataclass(frozen=True)
class BulkChoices:
    """What the list's bulk bar offers (each ticket is still checked by its own action)."""

    actions: dict
    assignees: list  # [(group label, [User])]
    departments: list
    statuses: list  # [(status, label)]
    results: dict
    reasons: dict
    nobody: str = NOBODY  # the assignee choice «снять исполнителя»


def bulk_choices(user: User) -> BulkChoices:
    """The bar's choices for `user`: a specialist picks among their department's specialists,
    press staff and administrators; others among every department's too."""
    from helpdesk.admin.services import active_departments

    departments = active_departments()
    writers = db.session.scalars(select(User).where(
        User.active.is_(True), User.role.in_((Role.SPECIALIST, Role.PRESS, Role.ADMIN)))
        .order_by(User.full_name, User.username)).all()
    groups = []
    for department in departments:
        if user.sees_all_departments or department.id == user.department_id:
            members = [u for u in writers if u.role == Role.SPECIALIST
                       and u.department_id == department.id]
            if members:
                groups.append((f"Специалисты: {department.name}", members))
    for role, label in ((Role.PRESS, "Пресс-служба"), (Role.ADMIN, "Администраторы")):
        members = [u for u in writers if u.role == role]
        if members:
            groups.append((label, members))
    return BulkChoices(actions=ACTIONS, assignees=groups, departments=departments,
                       statuses=[(s, STATUS_LABELS[TicketStatus(s)]) for s in MANUAL_STATUSES],
                       results=RESULTS, reasons=ART11_REASONS)
