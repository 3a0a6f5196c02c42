"""Exports for auditors: the response-time log, the event log and the ССТУ summary."""
from flask import Blueprint

bp = Blueprint("exports", __name__)
VIEW_ROLES = ("auditor", "admin", "press")
NAV = [(VIEW_ROLES, "exports.response_times", "Сроки ответа")]

from helpdesk.exports import views  # noqa: E402,F401
