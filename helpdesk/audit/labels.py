"""How the audit page names what an event touched: ticket numbers, user names, Russian words."""
from sqlalchemy import select

from helpdesk.extensions import db

OBJECT_LABELS = {
    "ticket": "Обращение", "user": "Пользователь", "department": "Подразделение",
    "channel": "Канал", "export_job": "Выгрузка", "export": "Выгрузка", "audit": "Журнал аудита",
    "calendar_day": "День календаря", "canned_response": "Шаблон ответа",
    "deadline_policy": "Правила сроков", "retention": "Срок хранения", "setting": "Настройка",
    "route": "Раздел",
}
RESULT_LABELS = {"ok": "успешно", "denied": "отказано", "failed": "ошибка", "error": "ошибка"}


def object_names(rows) -> dict[tuple[str, str], str]:
    """(object_type, object_id) → a readable name, looked up for a page of events at once."""
    from helpdesk.models.channel import Channel
    from helpdesk.models.department import Department
    from helpdesk.models.ticket import Ticket
    from helpdesk.models.user import User

    sources = {"ticket": (Ticket.id, Ticket.number), "user": (User.id, User.username),
               "department": (Department.id, Department.name),
               "channel": (Channel.id, Channel.name)}
    wanted: dict[str, set[int]] = {}
    for row in rows:
        if row.object_type in sources and str(row.object_id).isdigit():
            wanted.setdefault(row.object_type, set()).add(int(row.object_id))
    names = {}
    for kind, ids in wanted.items():
        key, label = sources[kind]
        for object_id, name in db.session.execute(select(key, label).where(key.in_(ids))):
            names[(kind, str(object_id))] = name
    return names


def object_text(row, names: dict) -> str:
    """«Обращение 2026-000123», «Пользователь ivanov», «Раздел tickets.reply»…"""
    if not row.object_type:
        return "—"
    kind = OBJECT_LABELS.get(row.object_type, row.object_type)
    name = names.get((row.object_type, str(row.object_id)), row.object_id)
    return f"{kind} {name}".strip()


def result_text(result: str) -> str:
    return RESULT_LABELS.get(result, result)
