"""Reports: pure arithmetic, the same percentiles from SQL and Python, the page and chart CSVs."""
import csv
import io
import json
import re
from html import unescape

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from helpdesk.exports.filters import ExportFilter
from helpdesk.extensions import db
from helpdesk.models import AuditEvent, Channel, Ticket
from helpdesk.models.ticket import TicketStatus
from helpdesk.models.types import utcnow
from helpdesk.reports import queries
from helpdesk.reports.aggregate import on_time_rows, percentile, share
from tests.exports.factories import msk, ticket
from tests.helpers import login, make_channel, make_department, make_user


@pytest.mark.parametrize("values, q, expected", [
    ([], 0.5, None), ([7], 0.9, 7), ([1, 2, 3, 4], 0.5, 2.5), ([60, 120, 600], 0.9, 504.0),
    ([10, 0, 5], 0.0, 0), ([10, 0, 5], 1.0, 10),
])
def test_percentile(values, q, expected):
    assert percentile(values, q) == expected


def test_share_and_on_time_rows():
    assert share(1, 3) == 33.3 and share(0, 0) is None
    assert on_time_rows([("A", 2, 4), (None, 0, 0)]) == [["A", 2, 4, 50.0], ["—", 0, 0, None]]


def _seed():
    a = make_department("Комитет А")
    b = make_department("Комитет Б")
    vk = make_channel("vk", "vk-main")
    tg = make_channel("telegram", "tg")
    now = utcnow()
    # First responses after 60, 120 and 600 minutes (clock time).
    for dept, ch, minutes, code, district in ((a, vk, 60, "T1", "Арский район"),
                                              (a, tg, 120, "T1", "Казань"),
                                              (b, vk, 600, "T2", "Казань")):
        received = msk(2026, 11, 2, 9, 0)
        ticket(ch, dept, received=received, topic=code, district=district,
               first_response_at=received + timedelta(minutes=minutes),
               answered_at=received + timedelta(minutes=minutes),
               answer_due=received + timedelta(minutes=300), status=TicketStatus.ANSWERED)
    # Open and overdue now, received on another day.
    ticket(vk, b, received=msk(2026, 11, 3, 23, 30), answer_due=msk(2026, 11, 4, 12, 0),
           status=TicketStatus.ASSIGNED, topic="T2")
    db.session.commit()
    return now


FLT = ExportFilter(date(2026, 11, 1), date(2026, 11, 30))


def test_queries_match_hand_computed(ctx):
    now = _seed()
    tz = "Europe/Moscow"
    assert queries.volume_by_day(FLT, None, tz) == [("2026-11-02", 3), ("2026-11-03", 1)]
    assert dict(queries.volume_by(Ticket.channel_id, Channel, FLT, None, tz,
                                  Channel.name)) == {"vk-main": 3, "tg": 1}
    stats = queries.first_response_minutes(FLT, None, tz)
    assert stats["*"][0] == pytest.approx(120) and stats["*"][1] == pytest.approx(504)
    assert stats["Комитет А"][0] == pytest.approx(90)
    assert queries.on_time_by_department(FLT, None, tz, now) == [("Комитет А", 2, 2),
                                                                ("Комитет Б", 0, 2)]
    assert queries.overdue_now(None, now) == [("Комитет Б", 1)]
    assert queries.top(Ticket.district, FLT, None, tz) == [("Казань", 2), ("Арский район", 1)]


def test_reports_page_and_chart_csv(ctx, client):
    _seed()
    make_user("aud", "auditor")
    db.session.commit()
    login(client, "aud")
    page = client.get("/reports/?from=2026-11-01&to=2026-11-30")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "chart.umd.min.js" in html and "js/reports.js" in html
    specs = [json.loads(unescape(m)) for m in re.findall(r'data-chart="([^"]*)"', html)]
    assert len(specs) == 9
    by_title = {s["title"]: s for s in specs}
    per_day = by_title["Поступление по дням"]
    assert len(per_day["labels"]) == 30 and per_day["labels"][0] == "2026-11-01"  # every day
    assert per_day["datasets"][0]["data"][:4] == [0, 3, 1, 0] and sum(per_day["datasets"][0]["data"]) == 4
    assert by_title["Время до первого ответа, ч"]["rows"][0] == ["Все", 2.0, 8.4]
    response = client.get("/reports/on_time.csv?from=2026-11-01&to=2026-11-30", buffered=True)
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows == [["Подразделение", "В срок", "Всего с итогом", "Доля, %"],
                    ["Комитет А", "2", "2", "100.0"], ["Комитет Б", "0", "2", "0.0"]]
    kinds = [e.details["kind"] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export"))]
    assert kinds == ["report_on_time"]
    assert client.get("/reports/nope.csv").status_code == 404


def test_short_first_response_times_are_in_minutes():
    from helpdesk.reports.aggregate import every_day, minutes_or_hours
    from datetime import date

    rows, unit = minutes_or_hours([["Все", 2.4, 41.6], ["Комитет", None, 12.0]])
    assert unit == "мин" and rows == [["Все", 2, 42], ["Комитет", None, 12]]
    rows, unit = minutes_or_hours([["Все", 120.0, 504.0]])
    assert unit == "ч" and rows == [["Все", 2.0, 8.4]]
    assert every_day([("2026-11-02", 3)], date(2026, 11, 1), date(2026, 11, 3)) == [
        ["2026-11-01", 0], ["2026-11-02", 3], ["2026-11-03", 0]]
    assert every_day([("2026-11-02", 3)], None, None) == [["2026-11-02", 3]]
