"""Channel administration pages (admins only): list, add, edit, switch off; tokens write-only."""
from flask import Blueprint

bp = Blueprint("channels", __name__)
NAV = [(("admin",), "channels.channels", "Каналы")]

from helpdesk.channels import views  # noqa: E402,F401
