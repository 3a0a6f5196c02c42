"""Administration: users and departments (later: channels, routing, policies)."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from helpdesk.admin import views  # noqa: E402,F401
