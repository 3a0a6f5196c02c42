"""Full-text search: one document per ticket (messages, citizen and applicant names): FTS5 on
SQLite, tsvector on PostgreSQL.

SQLite has no Russian stemmer, so the triggers call `ru_stem()`, a Python function registered on
every SQLite connection (Snowball stems, the same algorithm as PostgreSQL's 'russian' config).
"""
import sqlite3

from sqlalchemy import DDL, ForeignKey, Index, Text, event
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from helpdesk.extensions import db
from helpdesk.util.text import normalise
from helpdesk.models.channel import Citizen
from helpdesk.models.message import Message

CITIZEN_NAME_SQL = ("coalesce({t}.display_name, '') || ' ' || coalesce({t}.first_name, '')"
                    " || ' ' || coalesce({t}.last_name, '') || ' ' || coalesce({t}.username, '')")
# The applicant's name as registered for a 59-ФЗ appeal (the social profile name often differs).
APPLICANT_SQL = "coalesce({t}.applicant_name, '')"


class TicketSearch(db.Model):
    """PostgreSQL only: one tsvector per ticket (its messages and the citizen's name), kept by triggers.

    One stored document per ticket lets a search be a single GIN lookup or a cheap per-row check
    while walking the newest tickets; SQLite uses the FTS5 tables instead and leaves this empty.
    """

    __tablename__ = "ticket_search"
    __table_args__ = (Index("ix_ticket_search_doc", "doc", postgresql_using="gin"),)

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    doc: Mapped[str] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))


@event.listens_for(Engine, "connect")
def _register_stem_function(dbapi_conn, _record):
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.create_function("ru_stem", 1, normalise, deterministic=True)


def _sqlite(statement: str) -> DDL:
    return DDL(statement).execute_if(dialect="sqlite")


def _pg(statement: str) -> DDL:
    return DDL(statement).execute_if(dialect="postgresql")


def _sqlite_refresh(where: str) -> str:
    """Statements rebuilding the FTS5 document of the tickets selected by `where` (on t)."""
    return (f"DELETE FROM ticket_fts WHERE rowid IN (SELECT t.id FROM tickets t WHERE {where}); "
            "INSERT INTO ticket_fts (rowid, doc) SELECT t.id, ru_stem(coalesce((SELECT "
            "group_concat(m.text, ' ') FROM messages m WHERE m.ticket_id = t.id), '') || ' ' || "
            f"{CITIZEN_NAME_SQL.format(t='c')} || ' ' || {APPLICANT_SQL.format(t='t')}) "
            f"FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE {where};")


# SQLite: one FTS5 document of stems per ticket (rowid = ticket id), kept by triggers.
SQLITE_SEARCH_DDL = [
    _sqlite("CREATE VIRTUAL TABLE IF NOT EXISTS ticket_fts USING fts5("
            "doc, tokenize='unicode61 remove_diacritics 0')"),
    _sqlite("CREATE TRIGGER IF NOT EXISTS ticket_fts_message_ai AFTER INSERT ON messages BEGIN "
            + _sqlite_refresh("t.id = new.ticket_id") + " END"),
    _sqlite("CREATE TRIGGER IF NOT EXISTS ticket_fts_message_au AFTER UPDATE OF text, ticket_id "
            "ON messages BEGIN " + _sqlite_refresh("t.id IN (new.ticket_id, old.ticket_id)") + " END"),
    _sqlite("CREATE TRIGGER IF NOT EXISTS ticket_fts_message_ad AFTER DELETE ON messages BEGIN "
            + _sqlite_refresh("t.id = old.ticket_id") + " END"),
    _sqlite("CREATE TRIGGER IF NOT EXISTS ticket_fts_ticket_ai AFTER INSERT ON tickets BEGIN "
            + _sqlite_refresh("t.id = new.id") + " END"),
    _sqlite("CREATE TRIGGER IF NOT EXISTS ticket_fts_ticket_au AFTER UPDATE OF citizen_id, "
            "applicant_name ON tickets BEGIN " + _sqlite_refresh("t.id = new.id") + " END"),
    _sqlite("CREATE TRIGGER IF NOT EXISTS ticket_fts_ticket_ad AFTER DELETE ON tickets BEGIN "
            "DELETE FROM ticket_fts WHERE rowid = old.id; END"),
    _sqlite("CREATE TRIGGER IF NOT EXISTS ticket_fts_citizen_au AFTER UPDATE OF display_name, "
            "first_name, last_name, username ON citizens BEGIN "
            + _sqlite_refresh("t.citizen_id = new.id") + " END"),
    # Backfill, for a database that had tickets before this table (a migration).
    _sqlite("INSERT INTO ticket_fts (rowid, doc) SELECT t.id, ru_stem(coalesce((SELECT "
            "group_concat(m.text, ' ') FROM messages m WHERE m.ticket_id = t.id), '') || ' ' || "
            f"{CITIZEN_NAME_SQL.format(t='c')} || ' ' || {APPLICANT_SQL.format(t='t')}) "
            "FROM tickets t JOIN citizens c ON c.id = t.citizen_id"),
]

_NAME_VECTOR = ("to_tsvector('russian', " + CITIZEN_NAME_SQL.format(t="c") + " || ' ' || "
                + APPLICANT_SQL.format(t="t") + ")")
# PostgreSQL: the ticket document = its messages' text + the citizen's name, kept by triggers.
PG_SEARCH_DDL = [
    _pg(f"""CREATE OR REPLACE FUNCTION ticket_search_refresh(tid integer) RETURNS void AS $$
        INSERT INTO ticket_search (ticket_id, doc)
        SELECT t.id, coalesce((SELECT to_tsvector('russian', string_agg(coalesce(m.text, ''), ' '
                                                  ORDER BY m.id))
                               FROM messages m WHERE m.ticket_id = t.id), ''::tsvector)
                     || {_NAME_VECTOR}
        FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.id = tid
        ON CONFLICT (ticket_id) DO UPDATE SET doc = EXCLUDED.doc
        $$ LANGUAGE sql"""),
    _pg("""CREATE OR REPLACE FUNCTION ticket_search_on_message() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            INSERT INTO ticket_search (ticket_id, doc)
            VALUES (NEW.ticket_id, to_tsvector('russian', coalesce(NEW.text, '')))
            ON CONFLICT (ticket_id) DO UPDATE SET doc = ticket_search.doc || EXCLUDED.doc;
          ELSIF TG_OP = 'UPDATE' THEN
            PERFORM ticket_search_refresh(NEW.ticket_id);
            IF OLD.ticket_id <> NEW.ticket_id THEN PERFORM ticket_search_refresh(OLD.ticket_id); END IF;
          ELSE
            PERFORM ticket_search_refresh(OLD.ticket_id);
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql"""),
    _pg("""CREATE OR REPLACE FUNCTION ticket_search_on_ticket() RETURNS trigger AS $$
        BEGIN PERFORM ticket_search_refresh(NEW.id); RETURN NULL; END $$ LANGUAGE plpgsql"""),
    _pg("""CREATE OR REPLACE FUNCTION ticket_search_on_citizen() RETURNS trigger AS $$
        BEGIN
          PERFORM ticket_search_refresh(t.id) FROM tickets t WHERE t.citizen_id = NEW.id;
          RETURN NULL;
        END $$ LANGUAGE plpgsql"""),
    _pg("CREATE TRIGGER ticket_search_message AFTER INSERT OR DELETE OR UPDATE OF text, ticket_id "
        "ON messages FOR EACH ROW EXECUTE FUNCTION ticket_search_on_message()"),
    _pg("CREATE TRIGGER ticket_search_ticket AFTER INSERT OR UPDATE OF citizen_id, applicant_name "
        "ON tickets FOR EACH ROW EXECUTE FUNCTION ticket_search_on_ticket()"),
    _pg("CREATE TRIGGER ticket_search_citizen AFTER UPDATE OF display_name, first_name, last_name, "
        "username ON citizens FOR EACH ROW EXECUTE FUNCTION ticket_search_on_citizen()"),
    # Backfill, for a database that had tickets before this table (a migration).
    _pg("SELECT ticket_search_refresh(id) FROM tickets"),
]
TicketSearch.__table__.add_is_dependent_on(Message.__table__)
TicketSearch.__table__.add_is_dependent_on(Citizen.__table__)
# Created after every table it reads exists: ticket_search is created after tickets and messages.
for _ddl in SQLITE_SEARCH_DDL + PG_SEARCH_DDL:
    event.listen(TicketSearch.__table__, "after_create", _ddl)
event.listen(TicketSearch.__table__, "after_drop", _sqlite("DROP TABLE IF EXISTS ticket_fts"))
event.listen(TicketSearch.__table__, "after_drop", _pg(
    "DROP FUNCTION IF EXISTS ticket_search_on_message, ticket_search_on_ticket, "
    "ticket_search_on_citizen, ticket_search_refresh CASCADE"))

# --- the nearest running clock of a ticket, as one indexable SQL expression -------------------
# Literals are inlined (no bound parameters) so that PostgreSQL matches the expression index.

def _lit(value: str):
    from sqlalchemy import literal_column

    return literal_column(f"'{value}'")


def due_key_expression():
    """SQL: the due time of the nearest clock still running on an open ticket (NULL when none)."""
    from sqlalchemy import and_, case

    from helpdesk.models.ticket import OPEN_STATUSES, Ticket

    return case(
        (Ticket.status.not_in([_lit(s) for s in OPEN_STATUSES]), None),
        (and_(Ticket.first_response_at.is_(None), Ticket.first_response_due.is_not(None)),
         Ticket.first_response_due),
        (and_(Ticket.kind == _lit("appeal"), Ticket.registered_at.is_(None)), Ticket.registration_due),
        (Ticket.answered_at.is_(None), Ticket.answer_due),
        else_=None,
    )


FAR_FUTURE_SQL = {"postgresql": "CAST('9999-01-01 00:00:00+00' AS TIMESTAMP WITH TIME ZONE)",
                  "sqlite": "'9999-01-01 00:00:00.000000'"}


def due_sort_expression(dialect_name: str):
    """SQL: the due key with tickets without a running clock last (far future), for sort and range."""
    from sqlalchemy import func, literal_column

    far = literal_column(FAR_FUTURE_SQL.get(dialect_name, FAR_FUTURE_SQL["sqlite"]))
    return func.coalesce(due_key_expression(), far)


def _due_index_ddl(dialect_name: str) -> DDL:
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql.dialect() if dialect_name == "postgresql" else sqlite.dialect()
    expr = str(due_sort_expression(dialect_name).compile(
        dialect=dialect, compile_kwargs={"literal_binds": True})).replace("tickets.", "")
    return DDL(f"CREATE INDEX IF NOT EXISTS ix_tickets_due_key ON tickets (({expr}), id)"
               ).execute_if(dialect=dialect_name)


def _attach_ticket_ddl() -> None:
    from helpdesk.models.ticket import Ticket

    for name in ("postgresql", "sqlite"):
        event.listen(Ticket.__table__, "after_create", _due_index_ddl(name))


_attach_ticket_ddl()
