"""The append-only, hash-chained audit log: record(), verification, the auditors' page."""
from flask import Blueprint

bp = Blueprint("audit", __name__)
NAV = [(("auditor", "admin"), "audit.events", "Журнал аудита")]

from helpdesk.audit import views  # noqa: E402,F401
