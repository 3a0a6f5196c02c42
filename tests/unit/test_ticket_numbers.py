"""Ticket numbers: one per ticket, in order, and the year's first numbers taken concurrently never
fail (the counter row is created with INSERT … ON CONFLICT DO NOTHING, then taken atomically)."""
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from helpdesk.database.transaction import job
from helpdesk.extensions import db
from helpdesk.models import TicketCounter
from helpdesk.models.ticket import next_ticket_number

YEAR_2031 = datetime(2031, 3, 1, tzinfo=timezone.utc)


def test_numbers_start_at_one_and_continue_from_the_stored_counter(ctx):
    assert next_ticket_number(YEAR_2031) == "2031-000001"
    assert next_ticket_number(YEAR_2031) == "2031-000002"
    db.session.add(TicketCounter(year=2032, last=41))
    db.session.commit()
    assert next_ticket_number(datetime(2032, 1, 1, tzinfo=timezone.utc)) == "2032-000042"
    assert db.session.scalar(select(TicketCounter.last).where(TicketCounter.year == 2031)) == 2


def test_the_years_first_numbers_taken_at_once_are_all_different(app, ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent transactions on one row are PostgreSQL's (SQLite has one writer)")
    start = threading.Barrier(6)

    def take() -> str:
        with app.app_context(), job():
            start.wait(timeout=30)
            return next_ticket_number(YEAR_2031)

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = [f.result() for f in [pool.submit(take) for _ in range(6)]]
    assert sorted(numbers) == [f"2031-{n:06d}" for n in range(1, 7)]
