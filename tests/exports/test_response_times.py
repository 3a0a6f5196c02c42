"""Response-time log values against hand-computed ones, through the CLI, the page and a job."""
import csv
import io
import os
from datetime import date, timedelta

from openpyxl import load_workbook
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent, CalendarDay
from helpdesk.models.export import ExportJob
from helpdesk.models.ticket import TicketKind, TicketStatus
from tests.exports.factories import msk, ticket
from tests.helpers import login, make_channel, make_department, make_user

HEADER_MINUTES = "Первый ответ, рабочих минут"


def _seed():
    dept = make_department("Комитет по жилищной политике")
    other = make_department("Правовое управление")
    vk = make_channel("vk", "vk-main", )
    tg = make_channel("telegram", "tg-bot")
    spec = make_user("ivanova", "specialist", dept, full_name="Иванова А. А.")
    # Fri 30.10 16:30 → Thu 05.11 10:15: Fri 90 + Mon 540 + Tue 03.11 (eve of 4 Nov, short) 480
    # + Wed 04.11 holiday 0 + Thu 75 = 1185 working minutes.
    a = ticket(vk, dept, received=msk(2026, 10, 30, 16, 30), first_response_at=msk(2026, 11, 5, 10, 15),
               answered_at=msk(2026, 11, 5, 10, 15), answer_due=msk(2026, 11, 6, 18, 0),
               assignee_id=spec.id, topic="Ремонт дорог", topic_code="0005.0005.0056.1156",
               district="Арский район", status=TicketStatus.CLOSED, result="supported",
               closed_at=msk(2026, 11, 5, 11, 0))
    # Regional holiday 06.11 (День Конституции РТ) from the calendar table: Thu 05.11 is short.
    # Thu 12:00–17:00 = 300 + Fri 0 + weekend 0 + Mon 09.11 09:00–09:30 = 30 → 330.
    db.session.add(CalendarDay(day=date(2026, 11, 6), kind="holiday", name="День Конституции РТ",
                               source="РТ"))
    b = ticket(tg, other, received=msk(2026, 11, 5, 12, 0), first_response_at=msk(2026, 11, 9, 9, 30),
               answered_at=msk(2026, 12, 10, 12, 0), kind=TicketKind.APPEAL,
               registered_at=msk(2026, 11, 5, 13, 0), answer_due=msk(2026, 12, 4, 18, 0),
               extended_until=msk(2026, 12, 9, 18, 0), status=TicketStatus.ANSWERED)
    # Not answered, already overdue; forwarded later.
    c = ticket(vk, dept, received=msk(2026, 11, 2, 10, 0), answer_due=msk(2026, 11, 3, 10, 0),
               status=TicketStatus.FORWARDED, result="forwarded", forwarded_at=msk(2026, 11, 10, 9, 0),
               forwarded_to="Минздрав РТ", closed_at=msk(2026, 11, 10, 9, 0))
    # Outside the period.
    ticket(vk, dept, received=msk(2026, 9, 1, 10, 0))
    db.session.commit()
    return dept, vk, (a, b, c)


EXPECTED = {
    "2026-000001": ["2026-000001", "vk-main", "Сообщение", "2026-10-30 16:30", "",
                    "Комитет по жилищной политике", "Иванова А. А.", "Ремонт дорог",
                    "0005.0005.0056.1156", "Арский район", "2026-11-05 10:15", "1185",
                    "2026-11-05 10:15", "2026-11-06 18:00", "да", "нет", "нет", "Поддержано",
                    "2026-11-05 11:00"],
    "2026-000002": ["2026-000002", "tg-bot", "Обращение (59-ФЗ)", "2026-11-05 12:00",
                    "2026-11-05 13:00", "Правовое управление", "", "", "", "", "2026-11-09 09:30",
                    "330", "2026-12-10 12:00", "2026-12-09 18:00", "нет", "да", "нет", "В работе", ""],
    "2026-000003": ["2026-000003", "vk-main", "Сообщение", "2026-11-02 10:00", "",
                    "Комитет по жилищной политике", "", "", "", "", "", "", "", "2026-11-03 10:00",
                    "нет", "нет", "да", "Направлено по компетенции", "2026-11-10 09:00"],
}


def _reset_numbers():
    from tests.exports import factories

    factories._n["n"] = 0


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_cli_csv_matches_hand_computed_values(ctx, runner, tmp_path):
    _reset_numbers()
    _seed()
    out = tmp_path / "rt.csv"
    result = runner.invoke(args=["export", "response-times", "--from", "2026-10-01", "--to",
                                 "2026-11-30", "--format", "csv", "--output", str(out)])
    assert result.exit_code == 0, result.output
    rows = _csv(out.read_bytes())
    assert HEADER_MINUTES in rows[0]
    assert {r[0]: r for r in rows[1:]} == EXPECTED
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.details["kind"] == "response_times" and event.details["rows"] == 3


def test_cli_xlsx_matches_and_filters(ctx, runner, tmp_path):
    _reset_numbers()
    dept, vk, _ = _seed()
    out = tmp_path / "rt.xlsx"
    result = runner.invoke(args=["export", "response-times", "--from", "2026-10-01", "--to",
                                 "2026-11-30", "--format", "xlsx", "--output", str(out),
                                 "--department", str(dept.id), "--channel", "vk-main"])
    assert result.exit_code == 0, result.output
    sheet = load_workbook(out, read_only=True).active
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    assert [r[0] for r in rows[1:]] == ["2026-000001", "2026-000003"]
    first = rows[1]
    assert first[11] == 1185 and first[14] == "да"
    assert first[3].strftime("%Y-%m-%d %H:%M") == "2026-10-30 16:30"


def test_cli_rejects_bad_input(ctx, runner, tmp_path):
    out = tmp_path / "x.csv"
    result = runner.invoke(args=["export", "response-times", "--from", "2026-13-01", "--to",
                                 "2026-11-30", "--format", "csv", "--output", str(out)])
    assert result.exit_code != 0 and "ГГГГ-ММ-ДД" in result.output
    result = runner.invoke(args=["export", "response-times", "--from", "2026-11-30", "--to",
                                 "2026-11-01", "--format", "csv", "--output", str(out)])
    assert result.exit_code != 0 and "раньше" in result.output
    assert not out.exists()
    result = runner.invoke(args=["export", "response-times", "--from", "2026-11-01", "--to",
                                 "2026-11-30", "--format", "csv", "--output",
                                 str(tmp_path / "missing-dir" / "x.csv")])
    assert result.exit_code != 0 and "не удалось записать" in result.output


def test_page_download_is_streamed_and_audited(ctx, client):
    _reset_numbers()
    _seed()
    make_user("auditor1", "auditor")
    db.session.commit()
    login(client, "auditor1")
    page = client.get("/exports/?from=2026-10-01&to=2026-11-30")
    assert page.status_code == 200 and "2026-000002" in page.get_data(as_text=True)
    response = client.get("/exports/download/response_times?format=csv&from=2026-10-01&to=2026-11-30",
                          buffered=True)
    assert response.status_code == 200
    assert "Content-Length" not in response.headers  # streamed, not built in memory
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response.get_data())
    assert {r[0]: r for r in rows[1:]} == EXPECTED
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [e.username for e in events] == ["auditor1"]


def test_event_log_lists_ticket_actions(ctx, client):
    from helpdesk.audit.log import record

    _reset_numbers()
    _, _, (a, b, _c) = _seed()
    admin = make_user("adm", "admin")
    record("ticket_viewed", actor=admin, object_type="ticket", object_id=str(a.id))
    record("reply_sent", actor=admin, object_type="ticket", object_id=str(b.id),
           details={"f": 1, "текст": "Ответ"})
    record("login", actor=admin, object_type="user", object_id=str(admin.id))
    db.session.commit()
    login(client, "adm")
    today = date.today().isoformat()
    response = client.get(f"/exports/download/events?format=csv&from={today}&to={today}",
                          buffered=True)
    rows = _csv(response.get_data())
    assert rows[0][2:4] == ["Действие", "Код действия"]
    assert [(r[1], r[2], r[3], r[4]) for r in rows[1:]] == [
        ("2026-000001", "Просмотрено обращение", "ticket_viewed", "adm"),
        ("2026-000002", "Отправлен ответ", "reply_sent", "adm")]
    assert rows[2][7] == '{"f": 1, "текст": "Ответ"}'  # real Cyrillic, not \u escapes


def test_large_export_runs_in_background(app, ctx, client):
    from helpdesk.exports.services import run_pending_jobs
    from helpdesk.background.tasks import run_task
    from tests.helpers import post_form

    _reset_numbers()
    _seed()
    make_user("press1", "press")
    db.session.commit()
    login(client, "press1")
    app.config["EXPORT_SYNC_LIMIT"] = 1
    try:
        response = client.get("/exports/download/response_times?format=xlsx&from=2026-10-01&to=2026-11-30")
        assert response.status_code == 302
        response = post_form(client, "/exports/", "/exports/jobs", {
            "kind": "response_times", "format": "csv", "from": "2026-10-01", "to": "2026-11-30"})
        assert response.status_code == 302
    finally:
        app.config["EXPORT_SYNC_LIMIT"] = 50_000
    job = db.session.scalars(select(ExportJob)).one()
    assert job.status == "pending"
    run_task("exports.run", job.id)  # what the thread pool or Celery runs after the commit
    assert run_pending_jobs() == 0
    db.session.expire_all()
    job = db.session.get(ExportJob, job.id)
    assert job.status == "done" and job.rows == 3
    page = client.get("/exports/").get_data(as_text=True)
    assert f"/exports/jobs/{job.id}/file" in page
    response = client.get(f"/exports/jobs/{job.id}/file", buffered=True)
    assert {r[0]: r for r in _csv(response.get_data())[1:]} == EXPECTED
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert {"export_queued", "export", "export_downloaded"} <= set(actions)
    from helpdesk.exports.services import expire_old_files, job_path

    path = job_path(job)
    assert expire_old_files(keep_days=1) == 0
    assert expire_old_files(now=job.finished_at + timedelta(days=2), keep_days=1) == 1
    db.session.commit()
    assert not os.path.exists(path) and db.session.get(ExportJob, job.id).status == "expired"
    assert client.get(f"/exports/jobs/{job.id}/file").status_code == 404


def test_specialist_cannot_export(ctx, client):
    dept = make_department()
    make_user("spec", "specialist", dept)
    db.session.commit()
    login(client, "spec")
    assert client.get("/exports/").status_code == 403
    assert client.get("/exports/download/response_times?format=csv&from=2026-01-01&to=2026-01-02").status_code == 403
    assert client.get("/reports/").status_code == 403
    assert client.get("/audit/").status_code == 403


def test_failed_job_is_marked_and_others_continue(ctx):
    from helpdesk.exports.services import run_pending_jobs

    bad = ExportJob(kind="response_times", fmt="csv", params={"date_from": "oops"})
    good = ExportJob(kind="sstu", fmt="xlsx", params={"month": "2026-11"})
    db.session.add_all([bad, good])
    db.session.commit()
    assert run_pending_jobs() == 2
    db.session.expire_all()
    statuses = {j.kind: (j.status, j.error) for j in db.session.scalars(select(ExportJob))}
    assert statuses["response_times"][0] == "failed" and "ГГГГ-ММ-ДД" in statuses["response_times"][1]
    assert statuses["sstu"] == ("done", None)


def test_a_reopened_ticket_times_its_first_response_from_the_reopening(ctx):
    """The citizen wrote again after the ending: the reply answers the new message."""
    from helpdesk.exports.filters import ExportFilter
    from helpdesk.exports.response_times import HEADERS, response_time_rows

    channel = make_channel("vk", "vk-reopen")
    received = msk(2026, 11, 9, 10, 0)  # Monday
    reopened = msk(2026, 11, 11, 10, 0)  # Wednesday: the citizen writes again
    t = ticket(channel, received=received, reopened_at=reopened,
               first_response_at=reopened + timedelta(minutes=30), status="answered")
    plain = ticket(channel, received=received, first_response_at=received + timedelta(minutes=30))
    db.session.commit()
    rows = {r[0]: r for r in response_time_rows(ExportFilter(date(2026, 11, 1), date(2026, 11, 30)))}
    minutes = HEADERS.index(HEADER_MINUTES)
    assert rows[t.number][minutes] == 30 and rows[plain.number][minutes] == 30
    assert rows[t.number][HEADERS.index("Поступило (МСК)")].day == 9  # receipt stays as it was


def test_comments_are_a_kind_of_their_own_in_the_log_and_its_filter(ctx, client):
    _reset_numbers()
    dept, vk, _ = _seed()
    ticket(vk, dept, received=msk(2026, 11, 3, 10, 0), kind=TicketKind.COMMENT)  # 2026-000005
    make_user("auditor1", "auditor")
    db.session.commit()
    login(client, "auditor1")
    base = "/exports/download/response_times?format=csv&from=2026-10-01&to=2026-11-30"
    rows = _csv(client.get(base, buffered=True).get_data())
    assert {r[0]: r[2] for r in rows[1:]}["2026-000005"] == "Комментарий"
    only = _csv(client.get(base + "&ticket_kind=comment", buffered=True).get_data())
    assert [r[0] for r in only[1:]] == ["2026-000005"]
    page = client.get("/exports/?from=2026-10-01&to=2026-11-30&ticket_kind=message")
    html = page.get_data(as_text=True)
    assert "2026-000001" in html and "2026-000005" not in html
    refused = client.get(base + "&ticket_kind=letter", follow_redirects=True)
    assert "Неизвестный вид" in refused.get_data(as_text=True)
    report = client.get("/reports/?from=2026-10-01&to=2026-11-30").get_data(as_text=True)
    assert "По видам" in report and "Комментарий" in report
