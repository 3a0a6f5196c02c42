"""The reports page's charts, built from the queries by the pure shaping functions."""
from datetime import datetime

from helpdesk.exports.filters import ExportFilter
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.ticket import Ticket
from helpdesk.reports import queries as q
from helpdesk.reports.aggregate import chart, on_time_rows, round_hours

CHARTS = ("by_day", "by_channel", "by_department", "first_response", "on_time", "overdue",
          "top_topics", "top_districts")


def build_chart(name: str, flt: ExportFilter, user, tz: str, now: datetime) -> dict:
    """One chart's data by name (KeyError for an unknown one)."""
    if name == "by_day":
        return chart("Поступление по дням", ["День", "Обращений"], q.volume_by_day(flt, user, tz),
                     kind="line")
    if name == "by_channel":
        return chart("По каналам", ["Канал", "Обращений"],
                     q.volume_by(Ticket.channel_id, Channel, flt, user, tz, Channel.name))
    if name == "by_department":
        return chart("По подразделениям", ["Подразделение", "Обращений"],
                     q.volume_by(Ticket.department_id, Department, flt, user, tz, Department.name))
    if name == "first_response":
        stats = q.first_response_minutes(flt, user, tz)
        rows = [["Все", round_hours(stats["*"][0]), round_hours(stats["*"][1])]]
        rows += [[k, round_hours(m), round_hours(p)] for k, (m, p) in sorted(stats.items())
                 if k != "*"]
        return chart("Время до первого ответа, ч", ["Подразделение", "Медиана, ч",
                                                    "90-й процентиль, ч"], rows)
    if name == "on_time":
        rows = on_time_rows(q.on_time_by_department(flt, user, tz, now))
        return chart("Доля ответов в срок, %", ["Подразделение", "В срок", "Всего с итогом",
                                                "Доля, %"], rows, series=["Доля, %"]) | {
            "datasets": [{"label": "Доля, %", "data": [r[3] for r in rows]}]}
    if name == "overdue":
        return chart("Просрочено сейчас", ["Подразделение", "Обращений"],
                     q.overdue_now(user, now, flt.department_id))
    if name == "top_topics":
        return chart("Частые темы", ["Тема", "Обращений"], q.top(Ticket.topic, flt, user, tz))
    if name == "top_districts":
        return chart("Частые районы", ["Район", "Обращений"], q.top(Ticket.district, flt, user, tz))
    raise KeyError(name)


def build_reports(flt: ExportFilter, user, tz: str, now: datetime) -> dict:
    """Every chart of the page."""
    return {name: build_chart(name, flt, user, tz, now) for name in CHARTS}
