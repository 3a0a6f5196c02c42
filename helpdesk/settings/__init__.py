"""Admin settings of the desk: canned responses, deadline policies, working hours and calendar."""
from flask import Blueprint

bp = Blueprint("settings", __name__)

NAV = [(("admin",), "settings.canned", "Шаблоны ответов"),
       (("admin",), "settings.deadlines", "Сроки"),
       (("admin",), "settings.calendar", "Календарь"),
       (("admin",), "settings.routing", "Маршрутизация"),
       (("press", "specialist", "admin", "auditor"), "tickets.digests", "Сводка сроков")]


def register(app) -> None:
    """Register the blueprint under /settings, its navigation entries and `flask desk`."""
    from helpdesk.templating import EXTRA_NAV
    from helpdesk.tickets.cli import desk_cli

    app.register_blueprint(bp, url_prefix="/settings")
    app.cli.add_command(desk_cli)
    for entry in NAV:
        if entry not in EXTRA_NAV:
            EXTRA_NAV.append(entry)


from helpdesk.settings import routing_views, views  # noqa: E402,F401
