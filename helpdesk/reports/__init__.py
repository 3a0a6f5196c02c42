"""The reports page: charts of volume, response times, punctuality, overdue and top topics."""
from flask import Blueprint

bp = Blueprint("reports", __name__)
VIEW_ROLES = ("auditor", "admin", "press")


def register(app) -> None:
    """Blueprint and the navigation entry."""
    from helpdesk.reports import views  # noqa: F401
    from helpdesk.templating import EXTRA_NAV

    app.register_blueprint(bp, url_prefix="/reports")
    entry = (VIEW_ROLES, "reports.index", "Отчёты")
    if entry not in EXTRA_NAV:
        EXTRA_NAV.append(entry)
