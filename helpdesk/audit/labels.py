"""How the audit page names what an event touched: ticket numbers, user names, Russian words."""
from functools import lru_cache

from sqlalchemy import select

from helpdesk.extensions import db

OBJECT_LABELS = {
    "ticket": "Обращение", "user": "Пользователь", "department": "Подразделение",
    "channel": "Канал", "export_job": "Выгрузка", "export": "Выгрузка", "audit": "Журнал аудита",
    "calendar_day": "День календаря", "canned_response": "Шаблон ответа",
    "deadline_policy": "Правила сроков", "retention": "Срок хранения", "setting": "Настройка",
    "route": "Раздел", "routing_rule": "Правило маршрутизации",
    "topic_mapping": "Тема маршрутизации", "model_version": "Модель маршрутизации",
    "citizen": "Учётная запись гражданина №",
}
RESULT_LABELS = {"ok": "успешно", "denied": "отказано", "failed": "ошибка", "error": "ошибка"}


def object_names(rows) -> dict[tuple[str, str], str]:
    """(object_type, object_id) → a readable name, looked up for a page of events at once."""
    from helpdesk.models.channel import Channel
    from helpdesk.models.department import Department
    from helpdesk.models.ticket import Ticket
    from helpdesk.models.user import User

    from helpdesk.models.routing import ModelVersion, RoutingRule, TopicMapping

    sources = {"ticket": (Ticket.id, Ticket.number), "user": (User.id, User.username),
               "department": (Department.id, Department.name),
               "channel": (Channel.id, Channel.name),
               "routing_rule": (RoutingRule.id, RoutingRule.name),
               "topic_mapping": (TopicMapping.id, TopicMapping.topic),
               "model_version": (ModelVersion.id, ModelVersion.version)}
    wanted: dict[str, set[int]] = {}
    for row in rows:
        refs = [(row.object_type, row.object_id), *_references(row.action, row.details)]
        for kind, object_id in refs:
            if kind in sources and str(object_id).isdigit():
                wanted.setdefault(kind, set()).add(int(object_id))
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
    if str(row.object_id) == "all":  # an action on every object of a kind (the digest)
        return ALL_OBJECTS.get(row.object_type, OBJECT_LABELS.get(row.object_type, ""))
    kind = OBJECT_LABELS.get(row.object_type, row.object_type)
    name = names.get((row.object_type, str(row.object_id)), row.object_id)
    if row.object_type == "setting":
        name = SETTING_LABELS.get(str(row.object_id), name)
    return f"{kind} {name}".strip()


ALL_OBJECTS = {"department": "Все подразделения"}
SETTING_LABELS = {"routing": "маршрутизации", "deadlines.working_hours": "рабочего графика"}

# The words for the keys of events' details; (action, key) where one action means otherwise.
DETAIL_LABELS = {
    "method": "метод", "path": "адрес", "registration_number": "рег. номер",
    "action": "действие", "user": "пользователь", "ticket": "обращение", "from": "с", "to": "по",
    "recomputed": "пересчитано обращений", "kind": "вид", "name": "название", "days": "дней",
    "until": "до", "answer_working_days": "ответ, рабочих дней",
    "first_response_hours": "первый ответ, рабочих часов", "departments": "подразделения",
    "file": "файл", "format": "формат", "mode": "способ", "params": "параметры", "rows": "строк",
    "date_from": "с", "date_to": "по", "message_id": "сообщение", "purpose": "назначение",
    "attachments": "вложений", "citizens": "граждан", "cutoff": "старше", "files_deleted":
    "удалено файлов", "inbound_events": "входящих событий", "messages": "сообщений",
    "tickets": "обращений", "training_examples": "обучающих примеров", "previous": "было",
    "status": "статус", "assignee": "исполнитель", "reason": "основание", "result": "результат",
    "channel": "канал", "close_reason": "основание закрытия", "department": "подразделение",
    "department_id": "подразделение", "role": "роль", "into": "в обращение",
    "source": "из обращения", "assignee_id": "исполнитель", "automatic": "автоматически",
    "threshold": "порог", "tatar_department_id": "татарские сообщения",
    "auto_close": "закрывать без сотрудника", "keywords": "ключевые слова", "weight": "вес",
    "active": "действует", "topic": "тема", "code": "код", "version": "версия",
    "examples": "примеров", "why": "причина", "corrections": "исправлений сотрудников",
    "triage_moved_from": "первичный разбор передан от",
    "old_name": "прежнее название", "is_triage": "первичный разбор", "attachment_id": "вложение",
    "username": "логин", "changed": "изменено",
    "length_before": "было символов", "length": "стало символов", "by_author": "удалил автор",
    "found": "найдено", "post_id": "пост", ("comment_hidden", "reason"): "причина",
    ("reply_sent", "files"): "файлы",
    ("ticket_forwarded", "to"): "куда", ("ticket_reopened", "from"): "был статус",
    ("ticket_reopened", "to"): "стал статус", ("status_changed", "previous"): "был статус",
    "identity": "учётная запись №", "identities": "учётные записи №", "person": "персона №",
    "previous_person": "прежняя персона №", "suggested": "предложены учётные записи №",
    ("citizen_viewed", "tickets"): "обращения", ("citizen_viewed", "found"): "найдены учётные записи №",
}


# Details whose values are ids: (action, key) or key → the kind of object they name.
REFERENCES = {
    ("ticket_assigned", "previous"): "user", "assignee": "user",
    ("ticket_rerouted", "previous"): "department", "department": "department",
    ("topic_mapping_saved", "previous"): "department",
    ("topic_mapping_deleted", "previous"): "department",
    "department_id": "department", "departments": "department", "tatar_department_id": "department",
    "into": "ticket", "source": "ticket", ("citizen_viewed", "tickets"): "ticket",
}


def _reference(action: str, key: str) -> str | None:
    return REFERENCES.get((action, key)) or REFERENCES.get(key)


def _references(action: str, details) -> list[tuple[str, object]]:
    """(kind, id) of every object an event's details name by id, e.g. the new assignee."""
    found = []
    for key, value in (details or {}).items() if isinstance(details, dict) else ():
        if key == "changed" and isinstance(value, dict):
            found += [(kind, v) for field, pair in value.items()
                      if (kind := _reference(action, field)) and isinstance(pair, list)
                      for v in pair]
        elif kind := _reference(action, key):
            found += [(kind, v) for v in (value if isinstance(value, list) else [value])]
    return found


@lru_cache(maxsize=1)
def _value_labels() -> dict:
    """(action, key) or key → {stored value: its Russian label}."""
    from helpdesk.models.deadlines import CALENDAR_DAY_KIND_LABELS
    from helpdesk.models.outcomes import ART11_REASONS, RESULTS, SPECIAL_KIND_LABELS
    from helpdesk.models.ticket import STATUS_LABELS
    from helpdesk.models.user import ROLE_LABELS

    statuses = {str(k): v for k, v in STATUS_LABELS.items()}
    return {("status_changed", "previous"): statuses, ("status_changed", "status"): statuses,
            ("ticket_reopened", "from"): statuses, ("ticket_reopened", "to"): statuses,
            "result": RESULTS, "close_reason": ART11_REASONS,
            "reason": {**ART11_REASONS, "user_changed": "сотрудник переведён или отключён"},
            "role": {str(k): v for k, v in ROLE_LABELS.items()},
            "auto_close": SPECIAL_KIND_LABELS,
            ("calendar_day_saved", "kind"): CALENDAR_DAY_KIND_LABELS,
            "purpose": {"answer": "ответ по существу", "interim": "промежуточный ответ",
                        "notice": "уведомление"},
            ("export", "mode"): {"direct": "скачан сразу", "background": "в фоне"}}


def details_words(action: str, details: dict | None, names: dict | None = None) -> str:
    """An event's details in Russian words: «был статус: Требует разбора; статус: В работе».

    Ids of users, departments and tickets are written as their names when `names` (from
    object_names) has them.
    """
    if not details:
        return ""
    names = names or {}
    parts = []
    for key, value in details.items():
        label = DETAIL_LABELS.get((action, key)) or DETAIL_LABELS.get(key, key)
        if key == "changed" and isinstance(value, dict):  # field: [before, after]
            text = "; ".join(f"{DETAIL_LABELS.get(field, field)} "
                             f"{_change(action, field, pair, names)}"
                             for field, pair in value.items())
        else:
            text = _value(action, key, value, names)
        parts.append(f"{label}: {text}")
    return "; ".join(parts)


def _value(action: str, key: str, value, names: dict) -> str:
    """One detail's value: a status or role in words, an id as the name of what it names."""
    kind = _reference(action, key)
    if kind and isinstance(value, list):
        return ", ".join(_value(action, key, v, names) for v in value) or "—"
    if kind and value is not None:
        return names.get((kind, str(value)), _words(value))
    values = _value_labels()
    known = values.get((action, key)) or values.get(key) or {}
    if isinstance(value, list) and known:
        return ", ".join(known.get(v, _words(v)) for v in value) or "—"
    return known.get(value, _words(value)) if isinstance(value, str) else _words(value)


def _change(action: str, field: str, pair, names: dict) -> str:
    """«— → Отдел писем» for a [before, after] pair; any other value as it is."""
    if isinstance(pair, list) and len(pair) == 2:
        return " → ".join(_value(action, field, v, names) for v in pair)
    return _value(action, field, pair, names)


def _words(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{DETAIL_LABELS.get(k, k)} {_words(v)}" for k, v in value.items())
    return str(value)


def result_text(result: str) -> str:
    return RESULT_LABELS.get(result, result)
