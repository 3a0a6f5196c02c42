"""Canned response pages: press staff and administrators keep shared and personal ones,
specialists their personal ones; auditors none. Thin views over helpdesk.settings.canned."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from helpdesk.access import roles_required
from helpdesk.admin.services import active_departments
from helpdesk.extensions import db
from helpdesk.web.forms import choices
from helpdesk.models.canned import CannedResponse
from helpdesk.models.user import Role
from helpdesk.settings import bp
from helpdesk.settings import canned as service
from helpdesk.settings.forms import CannedForm, EmptyForm
from helpdesk.web.boundary import on_user_error, refused

writers = roles_required(Role.ADMIN, Role.PRESS, Role.SPECIALIST)


def _form(item: CannedResponse | None = None) -> CannedForm:
    form = CannedForm(obj=item)
    form.department_id.choices = choices(
        [(0, "Все подразделения")] + [(d.id, d.name) for d in active_departments()])
    if request.method == "GET":
        form.department_id.data = item.department_id or 0 if item else 0
        form.personal.data = (item.is_personal if item
                              else not service.can_write_shared(current_user))
    return form


def _page(form, editing, status: int = 200):
    query = request.args.get("q", "").strip()[:200]
    return render_template(
        "settings/canned.html", rows=service.listed_for(current_user, query), query=query,
        form=form, editing=editing, button=EmptyForm(),
        shared_allowed=service.can_write_shared(current_user),
        can_edit=lambda c: service.can_edit(current_user, c)), status


def _editable_or_404(canned_id: int) -> CannedResponse:
    """A response the user may edit; another person's personal one does not exist for them."""
    item = db.get_or_404(CannedResponse, canned_id)
    if item.owner_id is not None and item.owner_id != current_user.id:
        abort(404)
    if not service.can_edit(current_user, item):
        abort(403)
    return item


@bp.route("/canned", methods=["GET", "POST"])
@writers
def canned():
    """The shared and own canned responses (searchable) and the form for a new one."""
    form = _form()
    if form.validate_on_submit():
        return _save(None, form)
    return _page(form, None, 400 if request.method == "POST" else 200)


@bp.route("/canned/<int:canned_id>", methods=["GET", "POST"])
@writers
def canned_edit(canned_id: int):
    """Edit one canned response (own personal ones; shared ones for press and admins)."""
    item = _editable_or_404(canned_id)
    form = _form(item)
    if form.validate_on_submit():
        return _save(item, form)
    return _page(form, item, 400 if request.method == "POST" else 200)


def _save(item, form):
    on_user_error(refused(form, form.title, lambda: _page(form, item, 400)))
    service.save_canned(item, current_user, form.title.data, form.body.data,
                        form.department_id.data, form.active.data, form.personal.data)
    flash("Шаблон сохранён.", "success")
    return redirect(url_for("settings.canned"))


@bp.route("/canned/<int:canned_id>/toggle", methods=["POST"])
@writers
def canned_toggle(canned_id: int):
    """Switch a canned response on or off."""
    item = _editable_or_404(canned_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    service.save_canned(item, current_user, item.title, item.body, item.department_id,
                        not item.active, item.is_personal)
    return redirect(url_for("settings.canned"))
