"""ticket_reads and an index on tickets.last_message_at

Revision ID: d41e7a2b9c05
Revises: d3a9f0e1b2c4
Create Date: 2026-12-07 03:45:00

The live desk marks a ticket «новое от гражданина» for each staff member until they open it:
ticket_reads keeps when each one last did; the unread counts walk the tickets whose citizen
wrote recently (tickets.last_message_at, now indexed).
"""
from alembic import op
import sqlalchemy as sa

import helpdesk.models.types

revision = 'd41e7a2b9c05'
down_revision = 'd3a9f0e1b2c4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ticket_reads',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('read_at', helpdesk.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'],
                                name=op.f('fk_ticket_reads_ticket_id_tickets'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_ticket_reads_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', 'ticket_id', name=op.f('pk_ticket_reads')))
    op.create_index(op.f('ix_ticket_reads_ticket_id'), 'ticket_reads', ['ticket_id'], unique=False)
    # Plain CREATE INDEX (no batch copy, which would break the search triggers on SQLite).
    op.create_index(op.f('ix_tickets_last_message_at'), 'tickets', ['last_message_at'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_tickets_last_message_at'), table_name='tickets')
    op.drop_index(op.f('ix_ticket_reads_ticket_id'), table_name='ticket_reads')
    op.drop_table('ticket_reads')
