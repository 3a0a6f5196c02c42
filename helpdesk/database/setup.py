"""Engine settings per database: SQLite gets WAL, a busy timeout and foreign keys; PostgreSQL
sessions run in UTC."""
from flask import Flask
from sqlalchemy import event

from helpdesk.extensions import db


def configure_engine(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _postgresql_utc)
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()


def _postgresql_utc(dbapi_conn, _record) -> None:
    """Every session in UTC, whatever the server's default (often Europe/Moscow here).

    The app stores and compares UTC only, and every local date in SQL names its zone; with the
    session in UTC, psycopg returns each timestamp with `datetime.timezone.utc`, the same tzinfo
    as the app's own "now". Python then compares and subtracts them directly, where a ZoneInfo
    ("Etc/UTC") on one side costs a UTC offset lookup per operation: half of a list's deadline
    badges went on that.
    """
    autocommit = dbapi_conn.autocommit
    dbapi_conn.autocommit = True
    try:
        dbapi_conn.execute("SET TIME ZONE 'UTC'")
    finally:
        dbapi_conn.autocommit = autocommit
