"""helpdesk.precompiled: statements compiled once and run on the session's DBAPI cursor."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, event, exc, literal, literal_column, select

from helpdesk.extensions import db
from helpdesk.models.types import UTCDateTime
from helpdesk.precompiled import Precompiled
from helpdesk.tickets.rows import TicketRow, list_select
from tests.desk.world import add_ticket, build_world

AWARE = datetime(2026, 3, 10, 9, 30, tzinfo=timezone(timedelta(hours=3)))


def _statement():
    tickets = db.metadata.tables["tickets"]
    return (select(tickets.c.number, tickets.c.received_at)
            .where(tickets.c.received_at >= bindparam("since", None, type_=UTCDateTime,
                                                      required=False))
            .where(tickets.c.status != literal("closed", literal_execute=True))
            .order_by(tickets.c.number).limit(literal(10, literal_execute=True)))


def test_rows_are_the_same_as_sqlalchemy_gives(ctx):
    world = build_world()
    mine_ticket = add_ticket(world.channel, world.social, received_at=AWARE)
    db.session.commit()
    statement = _statement()
    mine = Precompiled(statement, db.engine.dialect).rows({"since": AWARE - timedelta(days=1)})
    theirs = db.session.execute(statement, {"since": AWARE - timedelta(days=1)}).all()
    assert [tuple(r) for r in theirs] == mine and len(mine) == 2  # the world's and this one
    # Datetimes come back aware UTC on both databases (SQLite's text goes through the type).
    received = dict(mine)[mine_ticket.number]
    assert received == AWARE and received.utcoffset() == timedelta(0)
    assert "'closed'" in Precompiled(statement, db.engine.dialect).sql  # constants are inlined


def test_every_free_parameter_must_be_given(ctx):
    statement = Precompiled(_statement(), db.engine.dialect)
    with pytest.raises(KeyError, match="missing"):
        statement.rows({})
    with pytest.raises(KeyError, match="not in the statement"):
        statement.rows({"since": AWARE, "other": 1})


def test_a_naive_datetime_is_refused_as_by_the_column_type(ctx):
    with pytest.raises(ValueError, match="naive"):
        Precompiled(_statement(), db.engine.dialect).rows({"since": datetime(2026, 1, 1)})


def test_rows_see_the_session_pending_changes(ctx):
    world = build_world()
    add_ticket(world.channel, world.social, received_at=AWARE)  # flushed, not committed
    rows = Precompiled(list_select(db.engine.dialect.name), db.engine.dialect).rows(
        {}, TicketRow._make)
    assert {r.number for r in rows} == set(db.session.scalars(
        select(db.metadata.tables["tickets"].c.number)))


def test_engine_listeners_see_the_statement(ctx):
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        statement = Precompiled(_statement(), db.engine.dialect)
        statement.rows({"since": AWARE})
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert seen and seen[-1][0] == statement.sql


def test_a_database_error_surfaces_as_sqlalchemys(ctx):
    broken = select(db.metadata.tables["tickets"].c.id).where(
        db.metadata.tables["tickets"].c.id == bindparam("x", None, required=False))
    statement = Precompiled(broken, db.engine.dialect)
    statement.sql = statement.sql.replace("tickets", "no_such_table")
    with pytest.raises(exc.DBAPIError):
        statement.rows({"x": 1})
    db.session.rollback()
    # The failed statement's cursor is not reused: the next read gets a fresh one and works.
    assert Precompiled(_statement(), db.engine.dialect).rows({"since": AWARE}) == []


def test_one_cursor_serves_the_reads_of_a_connection(ctx):
    cursors = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        cursors.append(cursor)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        statement = Precompiled(_statement(), db.engine.dialect)
        statement.rows({"since": AWARE})
        statement.rows({"since": AWARE - timedelta(days=400)})
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(cursors) == 2 and cursors[0] is cursors[1]
    # A reconnected pooled connection starts with no kept cursor (SQLAlchemy clears its info).
    db.session.connection().invalidate()
    db.session.rollback()
    assert Precompiled(_statement(), db.engine.dialect).rows({"since": AWARE}) == []
    assert "helpdesk.precompiled.cursor" in db.session.connection().connection.info


def test_postgresql_sessions_run_in_utc(ctx):
    """Timestamps come back with datetime.timezone.utc, the app's own "now" tzinfo."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    assert db.session.scalar(select(literal_column("current_setting('TimeZone')"))) == "UTC"
    world = build_world()
    add_ticket(world.channel, world.social, received_at=AWARE)
    db.session.commit()
    rows = Precompiled(_statement(), db.engine.dialect).rows({"since": AWARE})
    assert rows and all(received.tzinfo is timezone.utc for _, received in rows)
