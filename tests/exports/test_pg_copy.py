"""PostgreSQL's COPY path gives the same CSV as the Python rows, tricky values included."""
import csv
import io
import random
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from openpyxl.utils.escape import unescape

from helpdesk.deadlines.store import load_calendar
from helpdesk.exports.filters import ExportFilter
from helpdesk.exports.pg_copy import copy_response_times
from helpdesk.exports.response_times import HEADERS, response_time_rows
from helpdesk.exports.spreadsheets import generate_csv
from helpdesk.extensions import db
from helpdesk.models import CalendarDay
from helpdesk.models.types import utcnow
from tests.exports.factories import msk, ticket
from tests.helpers import make_channel, make_department, make_user

TEXTS = ["=1+2", "+7 900", "-x", "@cmd", "\tTab", "\rCR", "a,b", 'say "hi"', "line\nbreak",
         "mid\rcr", "", None, "Арский район", "\\.", " spaced "]


def _parse(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def _seed_tricky_tickets():
    """120 tickets with formula-like, quoted, multi-line and empty texts, both clock directions."""
    rnd = random.Random(7)
    db.session.add(CalendarDay(day=date(2026, 11, 6), kind="holiday", name="День Конституции РТ"))
    depts = [make_department(name) for name in ("=Отдел", "Комитет, \"кавычки\"", "Обычный")]
    channels = [make_channel("vk", "vk-1"), make_channel("telegram", "@tg")]
    users = [make_user("-login", "specialist", depts[0], full_name=""),
             make_user("spec", "specialist", depts[1], full_name="Иванова А. А.")]
    statuses = ["new", "assigned", "answered", "closed", "forwarded", "merged"]
    results = [None, "", "supported", "no_answer", "Разъяснено", "weird", "forwarded"]
    for i in range(120):
        received = msk(2026, 10, 1, 8, 0) + timedelta(minutes=rnd.randint(0, 80 * 1440))
        first = (received + timedelta(minutes=rnd.randint(-600, 20 * 1440), seconds=rnd.random())
                 if rnd.random() < 0.8 else None)
        due = received + timedelta(days=rnd.randint(0, 30)) if rnd.random() < 0.9 else None
        ticket(rnd.choice(channels), rnd.choice(depts + [None]), received=received,
               first_response_at=first, answered_at=first if rnd.random() < 0.6 else None,
               answer_due=due, extended_until=due + timedelta(days=5) if due and i % 4 == 0 else None,
               forwarded_at=received if i % 9 == 0 else None, status=rnd.choice(statuses),
               result=rnd.choice(results), kind=rnd.choice(["message", "appeal"]),
               registered_at=received if i % 2 else None, topic=rnd.choice(TEXTS),
               topic_code=rnd.choice(TEXTS), district=rnd.choice(TEXTS),
               assignee_id=rnd.choice(users + [None]) and rnd.choice(users).id,
               closed_at=first,
               reopened_at=(received + timedelta(minutes=rnd.randint(0, 10 * 1440))
                            if i % 5 == 0 else None))
    db.session.commit()


def test_copy_matches_python_rows(ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("COPY is PostgreSQL only")
    _seed_tricky_tickets()
    flt, now, calendar = ExportFilter(date(2026, 10, 1), date(2026, 12, 31)), utcnow(), load_calendar()
    python = b"".join(generate_csv(HEADERS, response_time_rows(flt, calendar=calendar, now=now)))
    counter: dict = {}
    copied = b"".join(generate_csv(HEADERS, ())) + b"".join(
        copy_response_times(flt, None, "Europe/Moscow", now, calendar, counter))
    expected = _parse(python)
    assert len(expected) == 121 and counter["rows"] == 120
    assert _parse(copied) == expected
    minutes = [int(r[11]) for r in expected[1:] if r[11]]
    assert min(minutes) < 0 < max(minutes)  # both directions were exercised


def test_copy_path_is_off_on_sqlite(ctx):
    if db.engine.dialect.name == "postgresql":
        pytest.skip("SQLite behaviour")
    flt = ExportFilter(date(2026, 1, 1), date(2026, 1, 2))
    assert copy_response_times(flt, None, "Europe/Moscow", utcnow(), load_calendar()) is None


def _xlsx_values(path) -> list[list]:
    """The cells' values; text as Excel shows it (XlsxWriter writes control characters such as
    CR as _x000D_, which openpyxl leaves escaped)."""
    sheet = load_workbook(path, read_only=True).active
    return [[unescape(v) if isinstance(v, str) else v for v in r] + [None] * (len(HEADERS) - len(r))
            for r in sheet.iter_rows(values_only=True)]


def _as_csv_text(value) -> str:
    if value is None:
        return ""
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value)


def test_xlsx_reads_as_the_csv(app, ctx, tmp_path):
    """The XLSX export holds the CSV's rows, typed: numbers as numbers, times as dates."""
    from helpdesk.exports.services import export_to_file

    _seed_tricky_tickets()
    params = {"date_from": "2026-10-01", "date_to": "2026-12-31"}
    export_to_file("response_times", "csv", params, str(tmp_path / "rt.csv"))
    rows = export_to_file("response_times", "xlsx", params, str(tmp_path / "rt.xlsx"))
    values = _xlsx_values(tmp_path / "rt.xlsx")
    assert rows == 120 and len(values) == 121
    assert any(isinstance(v, datetime) for v in values[1])
    assert all(isinstance(r[11], int) for r in values[1:] if r[11] is not None)
    expected = _parse((tmp_path / "rt.csv").read_bytes())
    assert [[_as_csv_text(v) for v in r] for r in values] == expected
