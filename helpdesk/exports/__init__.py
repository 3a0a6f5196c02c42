"""Exports for auditors: the response-time log, the event log and the ССТУ summary."""
from flask import Blueprint

bp = Blueprint("exports", __name__)
VIEW_ROLES = ("auditor", "admin", "press")


def register(app) -> None:
    """Blueprint and the navigation entry."""
    from helpdesk.exports import views  # noqa: F401
    from helpdesk.templating import EXTRA_NAV

    app.config.setdefault("EXPORT_SYNC_LIMIT", 50_000)  # rows; more → background job
    app.config.setdefault("EXPORT_KEEP_DAYS", 7)  # days a background export file is kept
    app.config.setdefault("EXPORT_XLSX_ENGINE", "fast")  # or "python", "openpyxl"
    app.register_blueprint(bp, url_prefix="/exports")
    entry = (VIEW_ROLES, "exports.response_times", "Сроки ответа")
    if entry not in EXTRA_NAV:
        EXTRA_NAV.append(entry)
