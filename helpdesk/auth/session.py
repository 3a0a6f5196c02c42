"""Flask-Login wiring: the cookie carries the id of a live session the server can end."""
from flask import Flask, redirect, request, url_for
from flask_login import current_user

from helpdesk.auth.sessions import session_user
from helpdesk.extensions import login_manager
from helpdesk.models.user import User
from helpdesk.web.deliveries import is_delivery

# Endpoints a user who must change the password may still reach.
_PASSWORD_CHANGE_ALLOWED = {"auth.change_password", "auth.logout", "static"}


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Войдите, чтобы продолжить."
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    app.before_request(_force_password_change)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a live session (auth.sessions): an ended or outdated one loads nobody."""
    return session_user(session_id)


def _force_password_change():
    if is_delivery(request):
        return None  # platform deliveries carry no session: do not load one
    if (current_user.is_authenticated and current_user.must_change_password
            and request.endpoint not in _PASSWORD_CHANGE_ALLOWED):
        return redirect(url_for("auth.change_password"))
    return None
