"""Digests per department (in the app, by e-mail through a real SMTP server) and escalation."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import AuditEvent
from helpdesk.models.digest import DepartmentDigest, Escalation
from helpdesk.tickets import lifecycle
from helpdesk.tickets.digest import build_digests, escalate_overdue
from tests.desk.smtp_server import SMTPTestServer
from tests.desk.world import add_ticket

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=timezone.utc)  # Tuesday 15:30 Moscow


def _tickets(world):
    late = add_ticket(world.channel, world.social, received_at=datetime(2026, 3, 5, 6, 0, tzinfo=timezone.utc))
    soon = add_ticket(world.channel, world.social, received_at=datetime(2026, 3, 10, 6, 0, tzinfo=timezone.utc))
    calm = add_ticket(world.channel, world.social, received_at=datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc))
    return late, soon, calm


def test_digest_lists_overdue_and_soon_per_department(world, app):
    late, soon, calm = _tickets(world)
    made = build_digests(NOW)
    assert {d.department_id for d in made} == {world.social.id, world.economy.id, world.press_dept.id}
    digest = next(d for d in made if d.department_id == world.social.id)
    overdue = {i["number"] for i in digest.content["overdue"]}
    assert late.number in overdue and calm.number not in overdue
    assert {i["number"] for i in digest.content["soon"]} == {soon.number}
    assert digest.emailed_to == []  # no SMTP configured
    # A second run within a day makes nothing new.
    assert build_digests(NOW + timedelta(hours=1)) == []


def test_digest_is_mailed_when_smtp_is_configured(world, app):
    _tickets(world)
    world.users["spec_a"].email = "anna@example.org"
    db.session.commit()
    with SMTPTestServer() as smtp:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
        try:
            made = build_digests(NOW)
        finally:
            app.config.update(SMTP_HOST="", SMTP_PORT=25)
    social = next(d for d in made if d.department_id == world.social.id)
    assert social.emailed_to == ["anna@example.org"]
    assert len(smtp.messages) == 1
    mail = smtp.messages[0]["message"]
    assert mail["To"] == "anna@example.org"
    assert "Просрочено: 1" in mail.get_content()


def test_digest_mail_failure_is_recorded(world, app):
    _tickets(world)
    world.users["spec_a"].email = "anna@example.org"
    db.session.commit()
    with SMTPTestServer() as smtp:
        port = smtp.port
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)  # nobody listens any more
    try:
        made = build_digests(NOW)
    finally:
        app.config.update(SMTP_HOST="", SMTP_PORT=25)
    social = next(d for d in made if d.department_id == world.social.id)
    assert social.emailed_to == [] and social.email_error


def test_digest_page_shows_own_department_only(world, signed_in):
    late, _, _ = _tickets(world)
    build_digests(NOW)
    db.session.commit()
    html = signed_in("spec_a").get("/digest").get_data(as_text=True)
    assert late.number in html and "Комитет по экономике" not in html
    html = signed_in("press").get("/digest").get_data(as_text=True)
    assert "Комитет по экономике" in html


def test_escalation_raises_overdue_once_and_resolves(world):
    late, soon, _ = _tickets(world)
    assert escalate_overdue(NOW) == 1
    assert escalate_overdue(NOW) == 0  # already escalated
    esc = db.session.scalar(select(Escalation).where(Escalation.ticket_id == late.id))
    assert esc.clock == "first_response_due" and esc.resolved_at is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ticket_escalated"))
    lifecycle.close(late, world.users["spec_a"], "no_answer", "no_substance", now=NOW)
    assert esc.resolved_at == NOW
    assert db.session.scalar(select(DepartmentDigest)) is None  # escalation builds no digest


def test_cli_commands_run_the_jobs(world, runner):
    _tickets(world)
    result = runner.invoke(args=["desk", "escalate"])
    assert result.exit_code == 0 and "эскалировано: " in result.output
    assert db.session.scalar(select(db.func.count(Escalation.id))) >= 1
    result = runner.invoke(args=["desk", "digest"])
    assert result.exit_code == 0 and "сводок: 3" in result.output
    result = runner.invoke(args=["desk", "digest"])
    assert "сводок: 0" in result.output
