"""The append-only, hash-chained audit log: record(), verification, the auditors' page."""
from flask import Blueprint

from helpdesk.audit.ddl import install as _install_ddl

_install_ddl()

bp = Blueprint("audit", __name__)


def register(app) -> None:
    """Blueprint and the navigation entry."""
    from helpdesk.audit import views  # noqa: F401
    from helpdesk.templating import EXTRA_NAV

    app.register_blueprint(bp, url_prefix="/audit")
    entry = (("auditor", "admin"), "audit.events", "Журнал аудита")
    if entry not in EXTRA_NAV:
        EXTRA_NAV.append(entry)
