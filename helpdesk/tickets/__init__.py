"""The ticket desk: queues, the ticket page and its actions."""
from flask import Blueprint

bp = Blueprint("tickets", __name__)

from helpdesk.tickets import views  # noqa: E402,F401
