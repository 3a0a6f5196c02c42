"""The citizen page and its actions: thin views over helpdesk.citizens services."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from helpdesk.access import roles_required
from helpdesk.audit.log import record
from helpdesk.citizens import page as citizen_page
from helpdesk.citizens import people
from helpdesk.models.channel import CHANNEL_LABELS
from helpdesk.models.user import Role
from helpdesk.util.ids import parse_id
from helpdesk.web.boundary import back_on_user_error

bp = Blueprint("citizens", __name__)


@bp.route("/citizens/<int:citizen_id>")
@login_required
def show(citizen_id: int):
    """Every identity, ticket and message of the person (as the user may see them)."""
    citizen = citizen_page.citizen_or_404(current_user, citizen_id)
    data = citizen_page.build(current_user, citizen, request.args.get("q", ""))
    html = render_template("citizens/show.html", page=data, tickets=citizen_page.ticket_of(data),
                           can_link=citizen_page.can_link(current_user),
                           channel_labels=CHANNEL_LABELS)
    # Access to personal data is audited (152-ФЗ): whose identities, tickets, search results.
    record("citizen_viewed", actor=current_user, object_type="citizen", object_id=str(citizen.id),
           details={"identities": [i.citizen.id for i in data.identities],
                    "tickets": [t.id for t in data.tickets],
                    **({"found": [c.id for c in data.results]} if data.results else {}),
                    **({"suggested": [s.citizen.id for s in data.suggestions]}
                       if data.suggestions else {})})
    return html


def _identity_id() -> int | None:
    return parse_id(request.form.get("identity_id", "").strip())


@bp.route("/citizens/<int:citizen_id>/link", methods=["POST"])
@roles_required(Role.PRESS, Role.ADMIN)
def link(citizen_id: int):
    """Link another identity (and those linked to it) to this person."""
    citizen = citizen_page.citizen_or_404(current_user, citizen_id)
    back_on_user_error(url_for("citizens.show", citizen_id=citizen_id))
    result = people.link(citizen, _identity_id(), current_user)
    count = len(result.moved)
    flash("Учётная запись связана с гражданином." if count == 1 else
          f"Связано учётных записей: {count}.", "success")
    return redirect(url_for("citizens.show", citizen_id=citizen_id))


@bp.route("/citizens/<int:citizen_id>/unlink", methods=["POST"])
@roles_required(Role.PRESS, Role.ADMIN)
def unlink(citizen_id: int):
    """Make one identity a person of its own again (link it again to undo)."""
    citizen = citizen_page.citizen_or_404(current_user, citizen_id)
    back_on_user_error(url_for("citizens.show", citizen_id=citizen_id))
    shown = people.unlink(citizen, _identity_id(), current_user)
    flash("Учётная запись отвязана: теперь это отдельный гражданин.", "success")
    return redirect(url_for("citizens.show", citizen_id=shown))


@bp.route("/citizens/<int:citizen_id>/anonymise", methods=["POST"])
@roles_required(Role.ADMIN)
def anonymise(citizen_id: int):
    """Anonymise the person now: every identity and every ticket (refused while one is open)."""
    from helpdesk.retention.person import anonymise_person

    citizen = citizen_page.citizen_or_404(current_user, citizen_id)
    back_on_user_error(url_for("citizens.show", citizen_id=citizen_id))
    if request.form.get("confirm") != "1":
        raise people.LinkError("Отметьте, что гражданин отозвал согласие или данные нужно удалить")
    result = anonymise_person(citizen, current_user)
    flash(f"Данные гражданина обезличены: учётных записей {result.citizens}, обращений "
          f"{result.tickets}, сообщений {result.messages}.", "success")
    return redirect(url_for("citizens.show", citizen_id=citizen_id))
