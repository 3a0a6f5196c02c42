"""people, citizens.person_id, contact_keys

Revision ID: f2c7a1d9e3b5
Revises: e8b1c5a7d240
Create Date: 2026-12-08 09:00:00

One citizen across channels: a person groups channel identities (citizens). Every existing
citizen becomes a person of its own (the person's id is the citizen's, so nothing is guessed).
contact_keys holds the phones, e-mails and full names tickets carry (found by routing, typed at
registration), normalised, so the citizen page can suggest identities of the same person; the
tickets stored so far are read once here.
"""
import re

from alembic import op
import sqlalchemy as sa

import helpdesk.models.types

revision = 'f2c7a1d9e3b5'
down_revision = 'e8b1c5a7d240'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    op.create_table(
        'people',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', helpdesk.models.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id'))
    # Plain ALTER TABLE (no batch copy), which would break the search triggers on SQLite.
    if op.get_bind().dialect.name == 'sqlite':  # SQLite adds a reference only with the column
        op.execute('ALTER TABLE citizens ADD COLUMN person_id INTEGER REFERENCES people (id)')
    else:
        op.add_column('citizens', sa.Column('person_id', sa.Integer(), nullable=True))
        op.create_foreign_key('citizens_person_id_fkey', 'citizens', 'people', ['person_id'], ['id'])
    op.execute('INSERT INTO people (id, created_at) SELECT id, created_at FROM citizens')
    op.execute('UPDATE citizens SET person_id = id')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("SELECT setval(pg_get_serial_sequence('people', 'id'), "
                   "coalesce((SELECT max(id) FROM people), 0) + 1, false)")
    op.create_index('ix_citizens_person_id', 'citizens', ['person_id'])
    op.create_index('ix_citizens_last_first', 'citizens', ['last_name', 'first_name'])
    op.create_index('ix_citizens_display_name', 'citizens', ['display_name'])
    op.create_table(
        'contact_keys',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_contact_keys_ticket_id', 'contact_keys', ['ticket_id'])
    op.create_index('ix_contact_keys_kind_value', 'contact_keys', ['kind', 'value'])
    _backfill_keys()


def downgrade():
    op.drop_index('ix_contact_keys_kind_value', table_name='contact_keys')
    op.drop_index('ix_contact_keys_ticket_id', table_name='contact_keys')
    op.drop_table('contact_keys')
    op.drop_index('ix_citizens_display_name', table_name='citizens')
    op.drop_index('ix_citizens_last_first', table_name='citizens')
    op.drop_index('ix_citizens_person_id', table_name='citizens')
    with op.batch_alter_table('citizens') as batch:
        batch.drop_column('person_id')
    op.drop_table('people')


# --- the keys of the tickets stored so far (as helpdesk.citizens.keys derives them) ----------

NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


def _name(surname, name):
    surname, name = (str(surname or '').strip(), str(name or '').strip())
    if not all(len(w) > 1 and NAME_WORD.fullmatch(w) for w in (surname, name)):
        return None
    return f'{surname} {name}'.lower().replace('ё', 'е')[:200]


def _keys(extracted, applicant_name, applicant_email):
    data = extracted if isinstance(extracted, dict) else {}
    keys = set()
    for phone in data.get('phones') or []:
        digits = re.sub(r'\D', '', str(phone))
        if len(digits) >= 10:
            keys.add(('phone', '+7' + digits[-10:]))
    for email in list(data.get('emails') or []) + [applicant_email or '']:
        email = str(email).strip().lower()
        if '@' in email:
            keys.add(('email', email[:200]))
    person = data.get('person') if isinstance(data.get('person'), dict) else {}
    names = [_name(person.get('surname'), person.get('name'))]
    words = str(applicant_name or '').split()
    if len(words) >= 2:
        names.append(_name(words[0], words[1]))
    keys.update(('name', n) for n in names if n)
    return keys


def _backfill_keys():
    bind = op.get_bind()
    tickets = sa.table('tickets', sa.column('id', sa.Integer()), sa.column('extracted', sa.JSON()),
                       sa.column('applicant_name', sa.String()),
                       sa.column('applicant_email', sa.String()))
    keys = sa.table('contact_keys', sa.column('ticket_id', sa.Integer()),
                    sa.column('kind', sa.String()), sa.column('value', sa.String()))
    last = 0
    while True:
        rows = bind.execute(sa.select(tickets.c.id, tickets.c.extracted, tickets.c.applicant_name,
                                      tickets.c.applicant_email)
                            .where(tickets.c.id > last).order_by(tickets.c.id).limit(BATCH)).all()
        if not rows:
            return
        values = [{'ticket_id': row.id, 'kind': kind, 'value': value} for row in rows
                  for kind, value in sorted(_keys(row.extracted, row.applicant_name,
                                                  row.applicant_email))]
        if values:
            bind.execute(keys.insert(), values)
        last = rows[-1].id
