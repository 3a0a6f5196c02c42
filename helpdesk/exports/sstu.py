"""The monthly ССТУ summary: counts per classifier code by result, and the aggregate lines.

ССТУ reports обращения: tickets registered as 59-ФЗ appeals. Social-network messages that were
never registered are not appeals (DOMAIN.md); the summary gives only their number, apart.
"""
from collections import Counter, defaultdict
from datetime import date
from typing import Iterable, Iterator

from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import aliased

from helpdesk.exports.filters import ExportFilter
from helpdesk.exports.results import SSTU_RESULTS, result_label
from helpdesk.extensions import db
from helpdesk.models.channel import Channel
from helpdesk.models.ticket import Ticket, TicketKind, TicketStatus
from helpdesk.models.outcomes import ANSWER_RESULTS

NO_CODE = "(без кода)"
HEADERS = ("Код классификатора", *SSTU_RESULTS, "Всего")


def month_filter(first: date, last: date) -> ExportFilter:
    """The whole month as an export period."""
    return ExportFilter(first, last)


def grouped_counts(flt: ExportFilter, tz: str = "Europe/Moscow") -> list[tuple]:
    """SQL GROUP BY: (code, status, result, answered, late, repeated, collective, channel, n)."""
    start, end = flt.bounds(tz)
    earlier = aliased(Ticket)
    repeated = exists().where(earlier.citizen_id == Ticket.citizen_id,
                              earlier.received_at < Ticket.received_at)
    due = func.coalesce(Ticket.extended_until, Ticket.answer_due)
    # Late: answered after the term, or closed as answered without an answer on the substance
    # after registration (an interim or earlier reply does not answer an appeal).
    late = case((and_(Ticket.answered_at.is_not(None), due.is_not(None),
                      Ticket.answered_at > due), 1),
                (and_(Ticket.answered_at.is_(None), Ticket.result.in_(ANSWER_RESULTS)), 1),
                else_=0)
    answered = case((Ticket.answered_at.is_not(None), 1), else_=0)
    collective = case((Ticket.collective.is_(True), 1), else_=0)
    rep = case((repeated, 1), else_=0)
    columns = (Ticket.topic_code, Ticket.status, Ticket.result, answered, late, rep, collective,
               Channel.name)
    query = (select(*columns, func.count())
             .join(Channel, Channel.id == Ticket.channel_id)
             .where(Ticket.received_at >= start, Ticket.received_at < end,
                    Ticket.status != TicketStatus.MERGED, Ticket.kind == TicketKind.APPEAL)
             .group_by(*columns))
    return [tuple(r) for r in db.session.execute(query)]


def unregistered_messages(flt: ExportFilter, tz: str = "Europe/Moscow") -> int:
    """Messages and comments of the period never registered as appeals (not in the ССТУ counts)."""
    start, end = flt.bounds(tz)
    return db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.received_at >= start, Ticket.received_at < end,
        Ticket.status != TicketStatus.MERGED,
        Ticket.kind.in_((TicketKind.MESSAGE, TicketKind.COMMENT)))) or 0


def summarise(groups: Iterable[tuple]) -> dict:
    """Pure aggregation of grouped_counts() rows into the summary's tables."""
    by_code: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    channels: Counter = Counter()
    extra = Counter()
    for code, status, result, answered, late, repeated, collective, channel, n in groups:
        label = result_label(status, result, bool(answered))
        by_code[code or NO_CODE][label] += n
        totals[label] += n
        channels[channel] += n
        extra["total"] += n
        extra["late"] += n if late else 0
        extra["repeated"] += n if repeated else 0
        extra["collective"] += n if collective else 0
    return {"by_code": dict(sorted(by_code.items())), "totals": totals,
            "channels": dict(sorted(channels.items())), **{k: extra[k] for k in
                                                          ("total", "late", "repeated",
                                                           "collective")}}


def summary_rows(summary: dict, month_label: str = "", messages: int | None = None
                 ) -> Iterator[tuple]:
    """The summary as spreadsheet rows (after HEADERS): codes, totals, then aggregate lines."""
    for code, counts in summary["by_code"].items():
        yield (code, *(counts.get(r, 0) for r in SSTU_RESULTS), sum(counts.values()))
    totals = summary["totals"]
    yield ("Итого", *(totals.get(r, 0) for r in SSTU_RESULTS), summary["total"])
    yield ()
    yield ("Показатель", "Количество")
    if month_label:
        yield ("Месяц", month_label)
    yield ("Всего обращений", summary["total"])
    yield ("Повторные", summary["repeated"])
    yield ("Коллективные", summary["collective"])
    yield ("Рассмотрены с нарушением срока", summary["late"])
    for channel, n in summary["channels"].items():
        yield (f"Канал: {channel}", n)
    if messages is not None:
        yield ("Сообщения и комментарии, не зарегистрированные как обращения (не входят в отчёт)",
               messages)


def sstu_rows(first: date, last: date, tz: str = "Europe/Moscow") -> Iterator[tuple]:
    """Rows of the monthly summary for the month [first, last]."""
    period = month_filter(first, last)
    summary = summarise(grouped_counts(period, tz))
    return summary_rows(summary, first.strftime("%Y-%m"), unregistered_messages(period, tz))


