"""Search documents include the applicant's name registered for a 59-ФЗ appeal

Revision ID: 4f1c2a9d8e10
Revises: c7383cfc62fb
Create Date: 2026-11-26 11:20:00

The SQL is frozen here as it was written (helpdesk.models.search builds the same for a new
database): the SQLite FTS triggers and the PostgreSQL refresh function and ticket trigger are
replaced, then the documents of tickets with an applicant name are rebuilt.
"""
from alembic import op

revision = '4f1c2a9d8e10'
down_revision = 'c7383cfc62fb'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = ('ticket_fts_message_ai', 'ticket_fts_message_au', 'ticket_fts_message_ad', 'ticket_fts_ticket_ai', 'ticket_fts_ticket_au', 'ticket_fts_citizen_au')
SQLITE_CREATE = [
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_message_ai AFTER INSERT ON messages BEGIN DELETE FROM ticket_fts WHERE rowid IN (SELECT t.id FROM tickets t WHERE t.id = new.ticket_id); INSERT INTO ticket_fts (rowid, doc) SELECT t.id, ru_stem(coalesce((SELECT group_concat(m.text, ' ') FROM messages m WHERE m.ticket_id = t.id), '') || ' ' || coalesce(c.display_name, '') || ' ' || coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' ' || coalesce(c.username, '') || ' ' || coalesce(t.applicant_name, '')) FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.id = new.ticket_id; END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_message_au AFTER UPDATE OF text, ticket_id ON messages BEGIN DELETE FROM ticket_fts WHERE rowid IN (SELECT t.id FROM tickets t WHERE t.id IN (new.ticket_id, old.ticket_id)); INSERT INTO ticket_fts (rowid, doc) SELECT t.id, ru_stem(coalesce((SELECT group_concat(m.text, ' ') FROM messages m WHERE m.ticket_id = t.id), '') || ' ' || coalesce(c.display_name, '') || ' ' || coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' ' || coalesce(c.username, '') || ' ' || coalesce(t.applicant_name, '')) FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.id IN (new.ticket_id, old.ticket_id); END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_message_ad AFTER DELETE ON messages BEGIN DELETE FROM ticket_fts WHERE rowid IN (SELECT t.id FROM tickets t WHERE t.id = old.ticket_id); INSERT INTO ticket_fts (rowid, doc) SELECT t.id, ru_stem(coalesce((SELECT group_concat(m.text, ' ') FROM messages m WHERE m.ticket_id = t.id), '') || ' ' || coalesce(c.display_name, '') || ' ' || coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' ' || coalesce(c.username, '') || ' ' || coalesce(t.applicant_name, '')) FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.id = old.ticket_id; END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_ticket_ai AFTER INSERT ON tickets BEGIN DELETE FROM ticket_fts WHERE rowid IN (SELECT t.id FROM tickets t WHERE t.id = new.id); INSERT INTO ticket_fts (rowid, doc) SELECT t.id, ru_stem(coalesce((SELECT group_concat(m.text, ' ') FROM messages m WHERE m.ticket_id = t.id), '') || ' ' || coalesce(c.display_name, '') || ' ' || coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' ' || coalesce(c.username, '') || ' ' || coalesce(t.applicant_name, '')) FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.id = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_ticket_au AFTER UPDATE OF citizen_id, applicant_name ON tickets BEGIN DELETE FROM ticket_fts WHERE rowid IN (SELECT t.id FROM tickets t WHERE t.id = new.id); INSERT INTO ticket_fts (rowid, doc) SELECT t.id, ru_stem(coalesce((SELECT group_concat(m.text, ' ') FROM messages m WHERE m.ticket_id = t.id), '') || ' ' || coalesce(c.display_name, '') || ' ' || coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' ' || coalesce(c.username, '') || ' ' || coalesce(t.applicant_name, '')) FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.id = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS ticket_fts_citizen_au AFTER UPDATE OF display_name, first_name, last_name, username ON citizens BEGIN DELETE FROM ticket_fts WHERE rowid IN (SELECT t.id FROM tickets t WHERE t.citizen_id = new.id); INSERT INTO ticket_fts (rowid, doc) SELECT t.id, ru_stem(coalesce((SELECT group_concat(m.text, ' ') FROM messages m WHERE m.ticket_id = t.id), '') || ' ' || coalesce(c.display_name, '') || ' ' || coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' ' || coalesce(c.username, '') || ' ' || coalesce(t.applicant_name, '')) FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.citizen_id = new.id; END",
]
SQLITE_REBUILD = [
    "DELETE FROM ticket_fts",
    "INSERT INTO ticket_fts (rowid, doc) SELECT t.id, ru_stem(coalesce((SELECT group_concat(m.text, ' ') FROM messages m WHERE m.ticket_id = t.id), '') || ' ' || coalesce(c.display_name, '') || ' ' || coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' ' || coalesce(c.username, '') || ' ' || coalesce(t.applicant_name, '')) FROM tickets t JOIN citizens c ON c.id = t.citizen_id",
]
PG_REFRESH = "CREATE OR REPLACE FUNCTION ticket_search_refresh(tid integer) RETURNS void AS $$\n        INSERT INTO ticket_search (ticket_id, doc)\n        SELECT t.id, coalesce((SELECT to_tsvector('russian', string_agg(coalesce(m.text, ''), ' '\n                                                  ORDER BY m.id))\n                               FROM messages m WHERE m.ticket_id = t.id), ''::tsvector)\n                     || to_tsvector('russian', coalesce(c.display_name, '') || ' ' || coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '') || ' ' || coalesce(c.username, '') || ' ' || coalesce(t.applicant_name, ''))\n        FROM tickets t JOIN citizens c ON c.id = t.citizen_id WHERE t.id = tid\n        ON CONFLICT (ticket_id) DO UPDATE SET doc = EXCLUDED.doc\n        $$ LANGUAGE sql"
PG_TRIGGER = 'CREATE TRIGGER ticket_search_ticket AFTER INSERT OR UPDATE OF citizen_id, applicant_name ON tickets FOR EACH ROW EXECUTE FUNCTION ticket_search_on_ticket()'
PG_OLD_TRIGGER = 'CREATE TRIGGER ticket_search_ticket AFTER INSERT OR UPDATE OF citizen_id ON tickets FOR EACH ROW EXECUTE FUNCTION ticket_search_on_ticket()'


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        for statement in SQLITE_CREATE + SQLITE_REBUILD:
            op.execute(statement)
    elif bind.dialect.name == "postgresql":
        op.execute(PG_REFRESH)
        op.execute("DROP TRIGGER IF EXISTS ticket_search_ticket ON tickets")
        op.execute(PG_TRIGGER)
        op.execute("SELECT ticket_search_refresh(id) FROM tickets WHERE applicant_name IS NOT NULL")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ticket_search_ticket ON tickets")
        op.execute(PG_OLD_TRIGGER)
    # The applicant's name stays in the existing documents; it does no harm to a search.
