"""Requests that only read end with COMMIT instead of ROLLBACK.

Both end a transaction that changed nothing the same way, but psycopg forgets every server-side
prepared statement on ROLLBACK (and sends DEALLOCATE ALL): with every page view ending in one,
PostgreSQL planned the desk's queries again on each request. A request ends with COMMIT only
when it raised nothing, its session holds no unflushed change, and its connection sent nothing
but SELECT (or EXPLAIN of one) since the transaction began; anything else is rolled back as
before, so a write that a view left uncommitted is still discarded.
"""
from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DBAPIError

from helpdesk.extensions import db

_WROTE = "helpdesk_wrote"
_READS = ("SELECT", "EXPLAIN (FORMAT JSON) SELECT")


def install(app: Flask) -> None:
    """Watch the app's engine and end clean read-only requests with COMMIT."""
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", _watch)
    for name in ("commit", "rollback"):
        event.listen(engine, name, _forget)
    event.listen(engine.pool, "checkout", _checked_out)
    app.teardown_request(end_request)


def _watch(conn, _cursor, statement: str, _params, _context, _executemany) -> None:
    if not statement.lstrip()[:32].upper().startswith(_READS):
        conn.info[_WROTE] = True


def _checked_out(_dbapi_connection, record, _proxy) -> None:
    record.info.pop(_WROTE, None)


def _forget(conn) -> None:
    try:
        conn.info.pop(_WROTE, None)
    except Exception:  # a connection lost mid-transaction has no info to reach;
        pass           # the pool's checkout clears the flag of whatever connection comes next


def end_request(exc: BaseException | None = None) -> None:
    """The request's ending: COMMIT when it only read (see the module), else nothing (the
    session's teardown rolls back)."""
    if exc is not None or not db.session.registry.has():
        return
    session = db.session()
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return
    try:
        if session.connection().info.get(_WROTE):
            return  # wrote and did not commit: the teardown's rollback discards it
        session.commit()
    except DBAPIError:  # the database went away: the teardown cleans up as before
        session.rollback()
