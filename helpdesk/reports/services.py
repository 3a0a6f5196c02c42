"""The reports page's charts, built from the queries by the pure shaping functions."""
from datetime import datetime

from helpdesk.exports.filters import ExportFilter
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.ticket import Ticket
from helpdesk.reports import queries as q
from helpdesk.reports.aggregate import chart, every_day, minutes_or_hours, on_time_rows
from helpdesk.reports.period_figures import period_aggregates

CHARTS = ("by_day", "by_channel", "by_kind", "by_department", "first_response", "on_time",
          "overdue", "top_topics", "top_districts")


def _query(name: str, flt: ExportFilter, user, tz: str, now: datetime):
    """One chart's query result by name (KeyError for an unknown one)."""
    if name == "by_day":
        return q.volume_by_day(flt, user, tz)
    if name == "by_channel":
        return q.volume_by(Ticket.channel_id, Channel, flt, user, tz, Channel.name)
    if name == "by_kind":
        return q.volume_by_kind(flt, user, tz)
    if name == "by_department":
        return q.volume_by(Ticket.department_id, Department, flt, user, tz, Department.name)
    if name == "first_response":
        return q.first_response_minutes(flt, user, tz)
    if name == "on_time":
        return q.on_time_by_department(flt, user, tz, now)
    if name == "overdue":
        return q.overdue_now(user, now, flt.department_id)
    if name == "top_topics":
        return q.top(Ticket.topic, flt, user, tz)
    if name == "top_districts":
        return q.top(Ticket.district, flt, user, tz)
    raise KeyError(name)


def shape_chart(name: str, data, flt: ExportFilter | None = None) -> dict:
    """A chart description from its query result (KeyError for an unknown name)."""
    if name == "by_day":
        days = every_day(data, flt.date_from, flt.date_to) if flt else data
        return chart("Поступление по дням", ["День", "Обращений"], days, kind="line")
    if name == "by_channel":
        return chart("По каналам", ["Канал", "Обращений"], data)
    if name == "by_kind":
        return chart("По видам: сообщения, обращения, комментарии", ["Вид", "Обращений"], data)
    if name == "by_department":
        return chart("По подразделениям", ["Подразделение", "Обращений"], data)
    if name == "first_response":
        rows = [["Все", *data["*"]]] + [[k, m, p] for k, (m, p) in sorted(data.items()) if k != "*"]
        rows, unit = minutes_or_hours(rows)
        return chart(f"Время до первого ответа, {unit}",
                     ["Подразделение", f"Медиана, {unit}", f"90-й процентиль, {unit}"], rows)
    if name == "on_time":
        rows = on_time_rows(data)
        return chart("Доля ответов в срок, %", ["Подразделение", "В срок", "Всего с итогом",
                                                "Доля, %"], rows, series=["Доля, %"]) | {
            "datasets": [{"label": "Доля, %", "data": [r[3] for r in rows]}]}
    if name == "overdue":
        return chart("Просрочено сейчас", ["Подразделение", "Обращений"], data)
    if name == "top_topics":
        return chart("Частые темы", ["Тема", "Обращений"], data)
    if name == "top_districts":
        return chart("Частые районы", ["Район", "Обращений"], data)
    raise KeyError(name)


def build_chart(name: str, flt: ExportFilter, user, tz: str, now: datetime) -> dict:
    """One chart's data by name (KeyError for an unknown one)."""
    return shape_chart(name, _query(name, flt, user, tz, now), flt)


def build_reports(flt: ExportFilter, user, tz: str, now: datetime) -> dict:
    """Every chart of the page: the period's charts from one aggregate pass, plus overdue now."""
    data = period_aggregates(flt, user, tz, now)
    data["overdue"] = q.overdue_now(user, now, flt.department_id)
    data["by_kind"] = q.volume_by_kind(flt, user, tz)  # a few rows: its own small query
    return {name: shape_chart(name, data[name], flt) for name in CHARTS}
