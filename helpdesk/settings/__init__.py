"""Settings of the desk: canned responses (press staff and specialists too), deadline policies,
working hours and calendar (administrators)."""
from flask import Blueprint

bp = Blueprint("settings", __name__)

NAV = [(("admin", "press", "specialist"), "settings.canned", "Шаблоны ответов"),
       (("admin",), "settings.deadlines", "Сроки"),
       (("admin",), "settings.calendar", "Календарь"),
       (("admin",), "settings.routing", "Маршрутизация"),
       (("press", "specialist", "admin", "auditor"), "tickets.digests", "Сводка сроков")]

from helpdesk.settings import canned_views, routing_views, views  # noqa: E402,F401
