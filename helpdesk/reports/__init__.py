"""The reports page: charts of volume, response times, punctuality, overdue and top topics."""
from flask import Blueprint

bp = Blueprint("reports", __name__)
VIEW_ROLES = ("auditor", "admin", "press")
NAV = [(VIEW_ROLES, "reports.index", "Отчёты")]

from helpdesk.reports import views  # noqa: E402,F401
