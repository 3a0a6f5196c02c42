"""Sign-in, sign-out and password change (thin: the services do the work)."""
from functools import partial

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from helpdesk.auth import bp
from helpdesk.auth.forms import ChangePasswordForm, EndSessionsForm, LoginForm
from helpdesk.auth.services import authenticate, change_password
from helpdesk.auth.sessions import end_other_sessions, end_session, live_sessions, start_session
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
        _start(user, remember=form.remember.data)
        return redirect(safe_next(request.args.get("next")) or url_for("tickets.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    end_session(current_user, current_user.session_id)  # a saved copy of the cookie dies too
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
        _start(current_user._get_current_object())  # this session continues, others end
        flash("Пароль изменён. Другие сеансы завершены.", "success")
        return redirect(url_for("tickets.index"))
    return page()



def _start(user, remember: bool = False) -> None:
    """Register a new server-side session for this browser and put its id in the cookie."""
    start_session(user, request.remote_addr or "", request.headers.get("User-Agent", ""))
    login_user(user, remember=remember)


@bp.route("/account", methods=["GET"], endpoint="account")
@login_required
def account_view():
    return render_template("auth/account.html", sessions=live_sessions(current_user),
                           current_id=current_user.session_id, form=EndSessionsForm())


@bp.route("/account/sessions/end-others", methods=["POST"], endpoint="end_other_sessions")
@login_required
def end_other_sessions_view():
    if not EndSessionsForm().validate_on_submit():
        flash("Форма устарела, повторите действие.", "danger")
        return redirect(url_for("auth.account"))
    count = end_other_sessions(current_user)
    flash(f"Завершено других сеансов: {count}." if count else "Других сеансов не было.", "success")
    return redirect(url_for("auth.account"))
