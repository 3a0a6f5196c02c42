"""Reading the audit log: chain verification and the filtered, keyset-paginated listing."""
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import select

from helpdesk.audit.chain import CHAINED_FIELDS, ChainBreak, verify_chain
from helpdesk.extensions import db
from helpdesk.models.audit import AuditEvent

PAGE_SIZE = 100


def stored_rows(batch: int = 5000):
    """Every audit row as a plain dict, in id order, streamed from the database."""
    columns = [getattr(AuditEvent, f) for f in CHAINED_FIELDS] + [AuditEvent.prev_hash,
                                                                   AuditEvent.hash]
    query = select(*columns).order_by(AuditEvent.id).execution_options(yield_per=batch)
    for row in db.session.execute(query).mappings():
        yield dict(row)


def verify() -> tuple[int, ChainBreak | None]:
    """Verify the whole chain: (rows checked, first break or None)."""
    from helpdesk.audit.log import audit_key

    return verify_chain(stored_rows(), audit_key())


@dataclass(frozen=True)
class EventFilter:
    """What the auditor asked for; every field optional."""

    username: str = ""
    ticket_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None


def local_day_bounds(day_from: date | None, day_to: date | None,
                     tz: str = "Europe/Moscow") -> tuple[datetime | None, datetime | None]:
    """UTC [start, end) for inclusive local dates (either may be None)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day_from, time(0), zone).astimezone(timezone.utc) if day_from else None
    end = (datetime.combine(day_to + timedelta(days=1), time(0), zone).astimezone(timezone.utc)
           if day_to else None)
    return start, end


def list_events(flt: EventFilter, before_id: int | None = None, limit: int = PAGE_SIZE,
                tz: str = "Europe/Moscow") -> tuple[list[AuditEvent], int | None]:
    """One page of events, newest first, and the id to continue from (None on the last page)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if flt.username:  # the beginning of the user name, in any case ("ivan" finds "Ivanov_P")
        query = query.where(AuditEvent.username.istartswith(flt.username, autoescape=True))
    if flt.ticket_id is not None:
        query = query.where(AuditEvent.object_type == "ticket",
                            AuditEvent.object_id == str(flt.ticket_id))
    if flt.action:
        query = query.where(AuditEvent.action == flt.action)
    start, end = local_day_bounds(flt.date_from, flt.date_to, tz)
    if start:
        query = query.where(AuditEvent.created_at >= start)
    if end:
        query = query.where(AuditEvent.created_at < end)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = db.session.scalars(query.limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def known_actions() -> list[str]:
    """Distinct action names present in the log (for the filter's choices)."""
    query = select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    return list(db.session.scalars(query))


# Russian labels of the action codes (auditors filter by the code, read the label).
# tests/audit/test_action_labels.py parses helpdesk/ and fails on a recorded code missing here.
ACTION_LABELS = {
    "access_denied": "Отказано в доступе",
    "appeal_registered": "Зарегистрировано обращение (59-ФЗ)",
    "attachment_viewed": "Просмотрено вложение",
    "audit_viewed": "Просмотрен журнал аудита",
    "calendar_day_deleted": "Удалён день производственного календаря",
    "calendar_day_saved": "Сохранён день производственного календаря",
    "canned_saved": "Сохранён шаблон ответа",
    "comment_deleted": "Комментарий удалён на платформе",
    "comment_edited": "Комментарий изменён автором",
    "comment_hidden": "Комментарий скрыт",
    "comment_hide_failed": "Комментарий не удалось скрыть",
    "comment_restored": "Комментарий восстановлен автором",
    "channel_activated": "Канал включён",
    "channel_created": "Создан канал",
    "bulk_action": "Групповое действие с обращениями",
    "channel_deactivated": "Канал отключён",
    "channel_updated": "Изменён канал",
    "citizen_linked": "Связаны учётные записи гражданина",
    "citizen_unlinked": "Учётная запись гражданина отвязана",
    "citizen_viewed": "Просмотрена карточка гражданина",
    "deadline_extended": "Продлён срок ответа",
    "deadline_policy_saved": "Сохранены правила сроков",
    "department_activated": "Подразделение включено",
    "department_created": "Создано подразделение",
    "department_deactivated": "Подразделение отключено",
    "department_updated": "Изменено подразделение",
    "digest_built": "Сформирована сводка",
    "digest_refreshed": "Сводка обновлена вручную",
    "export": "Выгрузка данных",
    "export_downloaded": "Скачан файл выгрузки",
    "export_queued": "Выгрузка поставлена в очередь",
    "interim_reply": "Отправлен промежуточный ответ",
    "login": "Вход в систему",
    "login_failed": "Неудачная попытка входа",
    "logout": "Выход из системы",
    "model_activated": "Выбрана действующая модель маршрутизации",
    "model_trained": "Обучена модель маршрутизации",
    "model_training_requested": "Запущено обучение модели маршрутизации",
    "note_added": "Добавлена заметка",
    "password_changed": "Изменён пароль",
    "password_reset": "Сброшен пароль",
    "person_anonymised": "Данные гражданина обезличены по запросу",
    "public_answer_personal_data_confirmed": "Подтверждена публикация персональных данных в ответе",
    "reply_failed": "Ответ не доставлен",
    "reply_retried": "Повторная отправка ответа",
    "reply_sent": "Отправлен ответ",
    "response_times_viewed": "Просмотрен журнал сроков ответа",
    "retention_run": "Удаление данных по сроку хранения",
    "routing_rule_activated": "Правило маршрутизации включено",
    "routing_rule_created": "Создано правило маршрутизации",
    "routing_rule_deactivated": "Правило маршрутизации отключено",
    "routing_rule_saved": "Изменено правило маршрутизации",
    "routing_settings_saved": "Изменены настройки маршрутизации",
    "sessions_ended": "Завершены сеансы пользователя",
    "status_changed": "Изменён статус обращения",
    "ticket_assigned": "Назначен исполнитель",
    "ticket_closed": "Обращение закрыто",
    "ticket_created": "Создано обращение",
    "ticket_escalated": "Обращение эскалировано",
    "ticket_forwarded": "Направлено по компетенции",
    "ticket_merge_received": "К обращению присоединено другое",
    "ticket_split": "Сообщение выделено в новое обращение",
    "ticket_split_received": "Обращение выделено из другого",
    "new_topic_proposed": "Предложено выделить сообщение в новое обращение (новая тема)",
    "new_topic_kept": "Сообщение оставлено в обращении (новая тема отклонена)",
    "ticket_merged": "Обращение объединено с другим",
    "ticket_reopened": "Обращение открыто повторно",
    "ticket_rerouted": "Обращение передано в другое подразделение",
    "ticket_viewed": "Просмотрено обращение",
    "topic_mapping_deleted": "Удалено сопоставление темы",
    "topic_mapping_saved": "Сохранено сопоставление темы",
    "user_created": "Создан пользователь",
    "user_updated": "Изменён пользователь",
    "working_hours_saved": "Сохранён рабочий график",
}


def action_label(code: str) -> str:
    """The Russian label of an action code (the code itself when it has none)."""
    return ACTION_LABELS.get(code, code)


def details_text(details: dict | None) -> str:
    """Event details as readable JSON with real Cyrillic (empty when there are none)."""
    if not details:
        return ""
    return json.dumps(details, ensure_ascii=False, sort_keys=True, default=str)
