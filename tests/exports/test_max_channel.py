"""Reports, exports (the ССТУ summary included) and list filters know the MAX channel."""
from datetime import date, datetime, timezone

from helpdesk.exports.filters import ExportFilter
from helpdesk.exports.response_times import response_time_rows
from helpdesk.exports.sstu import sstu_rows
from helpdesk.extensions import db
from helpdesk.models.ticket import TicketStatus
from helpdesk.reports.services import build_chart
from tests.exports.factories import msk, ticket
from tests.helpers import login, make_channel, make_department, make_user

NOVEMBER = ExportFilter(date(2026, 11, 1), date(2026, 11, 30))


def _seed():
    dept = make_department("Комитет по жилищной политике")
    vk = make_channel("vk", "vk-main")
    mx = make_channel("max", "max-gossovet")
    mx.name = "Госсовет в MAX"
    for day in (2, 3):
        ticket(mx, dept, received=msk(2026, 11, day, 10, 0), kind="appeal",
               topic_code="0005.0005.0056.1156", status=TicketStatus.ASSIGNED)
    ticket(vk, dept, received=msk(2026, 11, 4, 10, 0), kind="appeal",
           topic_code="0005.0005.0056.1156", status=TicketStatus.ASSIGNED)
    ticket(mx, dept, received=msk(2026, 11, 5, 10, 0))  # a message, not an appeal
    db.session.commit()
    return dept, vk, mx


def test_sstu_summary_counts_max(ctx):
    _seed()
    rows = [list(map(str, r)) for r in sstu_rows(date(2026, 11, 1), date(2026, 11, 30))]
    assert ["Канал: Госсовет в MAX", "2"] in rows and ["Канал: vk-main", "1"] in rows
    assert ["Сообщения и комментарии, не зарегистрированные как обращения (не входят в отчёт)",
            "1"] in rows


def test_reports_and_response_times_name_max(ctx):
    _seed()
    admin = make_user("root", "admin")
    db.session.commit()
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    chart = build_chart("by_channel", NOVEMBER, admin, "Europe/Moscow", now)
    assert ["Госсовет в MAX", 3] in [list(r) for r in chart["rows"]]
    only_max = ExportFilter(NOVEMBER.date_from, NOVEMBER.date_to, channel_slug="max-gossovet")
    channels = {row[1] for row in response_time_rows(only_max, admin, now=now)}
    assert channels == {"Госсовет в MAX"}


def test_ticket_list_filters_by_the_max_channel(ctx, client):
    _, vk, mx = _seed()
    make_user("root", "admin")
    db.session.commit()
    login(client, "root")
    page = client.get("/tickets?queue=all").get_data(as_text=True)
    assert f'<option value="{mx.id}">Госсовет в MAX</option>' in page
    filtered = client.get(f"/tickets?queue=all&channel_id={mx.id}").get_data(as_text=True)
    # Each row names its channel in the abbreviation's title (the list's compact channel cell).
    assert filtered.count('class="desk-chan" title="MAX"') == 3
    assert 'class="desk-chan" title="ВКонтакте"' not in filtered
