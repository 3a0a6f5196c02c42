"""Flask-Login wiring: the cookie id carries a per-user nonce so sessions can be ended."""
from flask import Flask, redirect, request, url_for
from flask_login import current_user

from helpdesk.extensions import db, login_manager
from helpdesk.ids import parse_id
from helpdesk.models.user import User

# Endpoints a user who must change the password may still reach.
_PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "static"}
_NO_SESSION_BLUEPRINTS = {"inbox_webhooks"}


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Войдите, чтобы продолжить."
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    app.before_request(_force_password_change)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the user only while the nonce in the cookie still matches and the account is active."""
    uid, _, nonce = user_id.partition(":")
    uid = parse_id(uid)
    if uid is None or not nonce:
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


def _force_password_change():
    if request.blueprint in _NO_SESSION_BLUEPRINTS:
        return None  # platform deliveries carry no session: do not load one
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in _PASSWORD_CHANGE_ALLOWED):
        return redirect(url_for("auth.change_password"))
    return None
