"""Admin pages for users and departments (admins only)."""
from functools import partial

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import roles_required
from helpdesk.admin import bp
from helpdesk.admin.forms import DepartmentForm, EmptyForm, UserCreateForm, UserEditForm
from helpdesk.admin.services import (active_departments, create_department, set_department_active,
                                     update_department)
from helpdesk.auth.services import create_user, reset_password, update_user
from helpdesk.auth.sessions import end_all_sessions, live_sessions
from helpdesk.extensions import db
from helpdesk.web.forms import choices
from helpdesk.models.department import Department
from helpdesk.models.user import Role, User
from helpdesk.web.boundary import back_on_user_error, on_user_error, refused

admin_only = roles_required(Role.ADMIN)


def _department_choices():
    return choices([(0, "— нет —")] + [(d.id, d.name) for d in active_departments()])


def _department(dept_id: int) -> Department | None:
    return db.session.get(Department, dept_id) if dept_id else None


@bp.route("/users")
@admin_only
def users():
    rows = db.session.scalars(select(User).order_by(User.username)).all()
    return render_template("admin/users.html", users=rows, form=EmptyForm())


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new():
    form = UserCreateForm()
    form.department_id.choices = _department_choices()
    page = partial(render_template, "admin/user_form.html", form=form, user=None)
    if form.validate_on_submit():
        on_user_error(refused(form, form.username, page))
        user, password = create_user(
            form.username.data, form.role.data, full_name=form.full_name.data or "",
            email=form.email.data, department=_department(form.department_id.data),
            actor=current_user, must_change=True)
        return render_template("admin/password_issued.html", user=user, password=password)
    return page()


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserEditForm(obj=user)
    form.department_id.choices = _department_choices()
    if not form.is_submitted():
        form.department_id.data = user.department_id or 0
    page = partial(render_template, "admin/user_form.html", form=form, user=user,
                   sessions=live_sessions(user), end_form=EmptyForm())
    if form.validate_on_submit():
        on_user_error(refused(form, form.role, page))
        update_user(user, role=form.role.data, department=_department(form.department_id.data),
                    full_name=form.full_name.data or "", email=form.email.data,
                    active=form.active.data, actor=current_user)
        flash("Изменения сохранены.", "success")
        return redirect(url_for("admin.users"))
    return page()


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
@admin_only
def user_end_sessions(user_id: int):
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        flash("Форма устарела, повторите действие.", "danger")
        return redirect(url_for("admin.user_edit", user_id=user.id))
    count = end_all_sessions(user, current_user)
    flash(f"Сеансы пользователя {user.username} завершены (активных было: {count}).", "success")
    return redirect(url_for("admin.user_edit", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@admin_only
def user_reset_password(user_id: int):
    user = db.get_or_404(User, user_id)
    if not EmptyForm().validate_on_submit():
        flash("Форма устарела, повторите действие.", "danger")
        return redirect(url_for("admin.users"))
    password = reset_password(user, current_user)
    return render_template("admin/password_issued.html", user=user, password=password)


@bp.route("/departments", methods=["GET", "POST"])
@admin_only
def departments():
    form = DepartmentForm()

    def page():
        rows = db.session.scalars(select(Department).order_by(Department.name)).all()
        return render_template("admin/departments.html", departments=rows, form=form,
                               toggle_form=EmptyForm())
    if form.validate_on_submit():
        on_user_error(refused(form, form.name, page))
        create_department(form.name.data, form.is_triage.data, current_user)
        flash("Подразделение создано.", "success")
        return redirect(url_for("admin.departments"))
    return page()


@bp.route("/departments/<int:dept_id>", methods=["GET", "POST"])
@admin_only
def department_edit(dept_id: int):
    dept = db.get_or_404(Department, dept_id)
    form = DepartmentForm(obj=dept)
    page = partial(render_template, "admin/department_form.html", form=form, dept=dept)
    if form.validate_on_submit():
        on_user_error(refused(form, form.name, page))
        update_department(dept, form.name.data, form.is_triage.data, current_user)
        flash("Подразделение сохранено.", "success")
        return redirect(url_for("admin.departments"))
    return page()


@bp.route("/departments/<int:dept_id>/toggle", methods=["POST"])
@admin_only
def department_toggle(dept_id: int):
    dept = db.get_or_404(Department, dept_id)
    if EmptyForm().validate_on_submit():
        back_on_user_error(url_for("admin.departments"))
        set_department_active(dept, not dept.active, current_user)
        flash("Подразделение " + ("включено." if dept.active else "отключено."), "success")
    return redirect(url_for("admin.departments"))
