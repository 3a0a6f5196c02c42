"""Template filters and globals: formatting only, no computation in templates."""
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app

from helpdesk.models.user import ROLE_LABELS, Role
from helpdesk.registry import registry


def local_time(value: datetime | None, fmt: str = "%d.%m.%Y %H:%M") -> str:
    """A UTC datetime shown in the display time zone (Europe/Moscow)."""
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(current_app.config["DISPLAY_TIMEZONE"])).strftime(fmt)


_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def cell(value) -> str:
    """A table value the Russian way: dates as ДД.ММ.ГГГГ, decimals with a comma, none as «—»."""
    if value is None:
        return "—"
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    if isinstance(value, str) and (m := _ISO_DAY.match(value)):
        return f"{m[3]}.{m[2]}.{m[1]}"
    return str(value)


def register(app: Flask) -> None:
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(cell, "cell")
    app.jinja_env.globals.update(Role=Role, ROLE_LABELS=ROLE_LABELS)
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["user_caption"] = user_caption


def user_caption(user) -> str:
    """Who is signed in: name, role, department, each said once («Пресс-служба» is often both
    the role and the department, «Администратор» both the name and the role)."""
    parts: list[str] = []
    department = user.department.name if user.department else ""
    for part in (user.full_name or user.username, user.role_label, department):
        part = (part or "").strip()
        if part and part.casefold() not in {p.casefold() for p in parts}:
            parts.append(part)
    return " · ".join(parts)


def nav_items(user) -> list[dict]:
    """The navigation of a role: top-level links and dropdown groups ({label, endpoint|children})."""
    if not user.is_authenticated:
        return []
    entries = [(e.endpoint, e.label) for e in registry().nav if user.role in e.roles]
    menu: list[dict] = []
    groups: dict[str, dict] = {}
    for endpoint, label in entries:
        group = NAV_GROUPS.get(endpoint.split(".", 1)[0])
        if group is None:
            menu.append({"label": label, "endpoint": endpoint})
            continue
        if group not in groups:
            groups[group] = {"label": group, "children": []}
            menu.append(groups[group])
        groups[group]["children"].append({"label": label, "endpoint": endpoint})
    return menu


# Blueprints whose pages sit in a dropdown rather than on the bar.
NAV_GROUPS = {"audit": "Контроль", "exports": "Контроль", "reports": "Контроль",
              "admin": "Настройки", "settings": "Настройки", "channels": "Настройки"}
