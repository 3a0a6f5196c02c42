"""The database side: seeding, cached loading, edits, recompute, and `flask deadlines calc`."""
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from helpdesk.deadlines import store
from helpdesk.extensions import db
from helpdesk.models.deadlines import CalendarDay, DeadlinePolicyRow
from helpdesk.models.ticket import Ticket
from tests.deadlines.helpers import msk, show


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The shared fixtures empty tables between tests behind the ORM's back.
    store.invalidate()
    yield
    store.invalidate()


@pytest.fixture
def seeded(ctx):
    store.seed_defaults()
    db.session.commit()
    return ctx


def test_seed_creates_policies_and_tatarstan_days(ctx):
    added = store.seed_defaults()
    days = {d.day: d for d in db.session.scalars(select(CalendarDay))}
    assert db.session.scalar(select(func.count()).select_from(DeadlinePolicyRow)) == 3  # message, appeal, comment
    assert days[date(2026, 3, 20)].name == "Ураза-байрам" and days[date(2026, 3, 20)].source == "РТ"
    assert days[date(2025, 3, 30)].confirmed
    assert not days[date(2027, 3, 9)].confirmed  # awaiting the Раис's decree
    assert {date(y, m, d) for y in (2025, 2026, 2027) for m, d in ((8, 30), (11, 6))} <= set(days)
    assert added == 3 + len(days)
    assert store.seed_defaults() == 0  # idempotent


def test_seed_keeps_an_edited_day(ctx):
    store.seed_defaults()
    # The decree names another date: the admin moves the estimate.
    store.save_calendar_day(date(2027, 3, 10), "holiday", "Ураза-байрам", "РТ", confirmed=True)
    assert store.delete_calendar_day(date(2027, 3, 9))
    store.save_calendar_day(date(2026, 8, 30), "holiday", "День Республики (изм.)", "РТ")
    assert store.seed_defaults() == 0

    def row(day):
        return db.session.scalar(select(CalendarDay).where(CalendarDay.day == day))

    assert row(date(2027, 3, 10)).confirmed
    assert row(date(2027, 3, 9)) is None  # the estimate does not come back
    assert row(date(2026, 8, 30)).name == "День Республики (изм.)"


def test_loaded_calendar_follows_edits(seeded):
    assert not store.load_calendar().is_working_day(date(2026, 3, 20))
    store.save_calendar_day(date(2026, 3, 20), "workday", "Перенос (пример)", "РТ")
    assert store.load_calendar().is_working_day(date(2026, 3, 20))
    assert store.delete_calendar_day(date(2026, 3, 20))
    assert store.load_calendar().is_working_day(date(2026, 3, 20))  # federal: a Friday


def test_direct_model_edit_clears_the_cache(seeded):
    assert store.load_calendar().is_working_day(date(2026, 4, 7))
    db.session.add(CalendarDay(day=date(2026, 4, 7), kind="holiday", name="тест", source="РТ"))
    db.session.flush()
    assert not store.load_calendar().is_working_day(date(2026, 4, 7))


def test_policies_and_hours_are_editable(seeded):
    assert store.load_policies().appeal.last_day_rule == "preceding"
    store.save_policy("appeal", {"last_day_rule": "following", "answer_days": 30})
    store.save_working_hours("10:00", "17:00")
    policies, calendar = store.load_policies(), store.load_calendar()
    assert policies.appeal.last_day_rule == "following"
    assert [(a.hour, b.hour) for a, b in calendar.working_intervals(date(2026, 4, 7))] == [(10, 17)]
    with pytest.raises(ValueError):
        store.save_policy("message", {"first_response_hours": -1})
    with pytest.raises(ValueError):
        store.save_working_hours("18:00", "09:00")


def test_recompute_sets_ticket_clocks(seeded):
    ticket = Ticket(kind="message", received_at=msk("2026-03-19 12:00"))
    store.recompute(ticket, msk("2026-03-19 12:05"))
    assert show(ticket.first_response_due) == "2026-03-23 12:00"
    assert ticket.registration_due is None

    ticket.kind, ticket.registered_at = "appeal", msk("2026-02-18 10:00")
    ticket.received_at = msk("2026-02-17 10:00")
    store.recompute(ticket, msk("2026-02-18 10:00"))
    assert show(ticket.registration_due) == "2026-02-20 18:00"
    assert show(ticket.answer_due) == "2026-03-19 17:00"
    assert ticket.extended_until is None

    store.recompute(ticket, msk("2026-03-01 10:00"), extended_days=30)
    assert show(ticket.extended_until) == show(ticket.answer_due) == "2026-04-17 18:00"
    # A later recompute (say, after a calendar edit) keeps the extension.
    store.recompute(ticket, msk("2026-03-02 10:00"))
    assert show(ticket.answer_due) == "2026-04-17 18:00"

    ticket.kind = "message"
    store.recompute(ticket, msk("2026-03-02 10:00"))
    assert ticket.registration_due is None and ticket.extended_until is None


def _calc(runner, *args):
    result = runner.invoke(args=["deadlines", "calc", *args])
    return result, (json.loads(result.stdout) if result.exit_code == 0 else None)


def test_cli_calc_message(seeded, runner):
    result, doc = _calc(runner, "--received", "2026-03-19T12:00", "--policy", "message")
    assert result.exit_code == 0, result.output
    assert doc["first_response_due"] == "2026-03-23T09:00:00+00:00"
    assert doc["local"]["first_response_due"] == "2026-03-23T12:00:00+03:00"
    assert doc["answer_due"] == "2026-03-31T15:00:00+00:00"
    assert doc["registration_due"] is None


def test_cli_calc_appeal_with_extension(seeded, runner):
    result, doc = _calc(runner, "--received", "2026-02-17T10:00:00+03:00",
                        "--registered", "2026-02-18T07:00:00Z", "--policy", "appeal",
                        "--extended-days", "30")
    assert result.exit_code == 0, result.output
    assert doc["local"]["answer_due"] == "2026-04-17T18:00:00+03:00"
    assert doc["extended_until"] == doc["answer_due"]
    assert doc["local"]["registration_due"] == "2026-02-20T18:00:00+03:00"
    assert doc["local"]["forward_due"] == "2026-02-25T18:00:00+03:00"


@pytest.mark.parametrize("args", [
    ["--received", "вчера", "--policy", "message"],
    ["--received", "2026-02-18T10:00", "--registered", "2026-02-18T10:00",
     "--policy", "appeal", "--extended-days", "31"],
    ["--received", "2026-02-18T10:00", "--policy", "letter"],
])
def test_cli_calc_refuses_bad_input(seeded, runner, args):
    result, _ = _calc(runner, *args)
    assert result.exit_code != 0


def test_cli_calc_warns_when_calendar_is_empty(ctx, runner):
    result, doc = _calc(runner, "--received", "2026-03-19T12:00", "--policy", "message")
    assert result.exit_code == 0
    assert "flask deadlines seed" in result.stderr
    assert doc["local"]["first_response_due"] == "2026-03-20T11:00:00+03:00"  # Ураза ignored


def test_cli_seed_command(ctx, runner):
    result = runner.invoke(args=["deadlines", "seed"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(CalendarDay)) > 0


def test_the_app_has_the_command_group(app):
    assert "calc" in app.cli.commands["deadlines"].commands
