"""Sign-in, sign-out and password change (thin: the services do the work)."""
from functools import partial

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from helpdesk.audit.log import record
from helpdesk.auth import bp
from helpdesk.auth.forms import ChangePasswordForm, LoginForm
from helpdesk.auth.services import authenticate, change_password
from helpdesk.extensions import limiter
from helpdesk.web.boundary import on_user_error, refused
from helpdesk.web.redirects import safe_next


def _account_key() -> str:
    return "login-account:" + (request.form.get("username") or "").strip().lower()[:64]


def _failed(response) -> bool:
    # Only failed attempts count towards the limits; a successful sign-in redirects.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_IP"], methods=["POST"],
               deduct_when=_failed, error_message="Слишком много попыток входа")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed,
               error_message="Слишком много попыток входа")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("tickets.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data, ip=request.remote_addr or "")
        if user is None:  # the failed attempt is audited (the request commits)
            flash("Неверное имя пользователя или пароль.", "danger")
            return render_template("auth/login.html", form=form), 200
        session.clear()  # a fresh session at every sign-in (no fixation)
        login_user(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")) or url_for("tickets.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    record("logout", actor=current_user, object_type="user", object_id=str(current_user.id))
    logout_user()
    session.clear()
    flash("Вы вышли из системы.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"], endpoint="change_password")
@login_required
def change_password_view():
    form = ChangePasswordForm()
    page = partial(render_template, "auth/change_password.html", form=form)
    if form.validate_on_submit():
        on_user_error(refused(form, form.current, page))
        change_password(current_user, form.current.data, form.new.data)
        session.clear()
        login_user(current_user._get_current_object())  # this session continues, others end
        flash("Пароль изменён. Другие сеансы завершены.", "success")
        return redirect(url_for("tickets.index"))
    return page()

