"""Admin settings of the desk: canned responses, deadline policies, working hours and calendar."""
from flask import Blueprint

bp = Blueprint("settings", __name__)

NAV = [(("admin",), "settings.canned", "Шаблоны ответов"),
       (("admin",), "settings.deadlines", "Сроки"),
       (("admin",), "settings.calendar", "Календарь"),
       (("admin",), "settings.routing", "Маршрутизация"),
       (("press", "specialist", "admin", "auditor"), "tickets.digests", "Сводка сроков")]

from helpdesk.settings import routing_views, views  # noqa: E402,F401
