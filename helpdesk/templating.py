"""Template filters and globals: formatting only, no computation in templates."""
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from helpdesk.models.user import ROLE_LABELS, Role


def local_time(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A UTC datetime shown in the display time zone (Europe/Moscow)."""
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).strftime(fmt)


def register(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.jinja_env.globals.update(Role=Role, ROLE_LABELS=ROLE_LABELS)
    app.jinja_env.globals["nav_items"] = nav_items


def nav_items(user) -> list[tuple[str, str]]:
    """Navigation entries (endpoint, label) for a role; features register theirs here."""
    if not user.is_authenticated:
        return []
    items = [("tickets.list_tickets", "Обращения")]
    for roles, endpoint, label in EXTRA_NAV:
        if user.role in roles:
            items.append((endpoint, label))
    if user.role == Role.ADMIN:
        items += [("admin.users", "Пользователи"), ("admin.departments", "Подразделения")]
    return items


# (roles, endpoint, label) added by feature packages at registration.
EXTRA_NAV: list[tuple[tuple[str, ...], str, str]] = []
