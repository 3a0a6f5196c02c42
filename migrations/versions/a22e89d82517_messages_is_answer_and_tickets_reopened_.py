"""messages.is_answer and tickets.reopened_at

Revision ID: a22e89d82517
Revises: 4f1c2a9d8e10
Create Date: 2026-11-26 11:30:00

is_answer marks the outbound message that is the final answer (a notice or an interim reply
never is); reopened_at is when a citizen's message last reopened the ticket (the message clocks
run from it). The replies that earlier code took as the answer (the ticket's answered_at is their
sent time) are marked, so recomputing a ticket keeps its answer.
"""
from alembic import op
import sqlalchemy as sa

import helpdesk.models.types

revision = 'a22e89d82517'
down_revision = '4f1c2a9d8e10'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (no batch copy), which would break the search triggers on SQLite.
    op.add_column('messages', sa.Column('is_answer', sa.Boolean(), server_default=sa.false(),
                                        nullable=False))
    op.add_column('tickets', sa.Column('reopened_at', helpdesk.models.types.UTCDateTime(),
                                       nullable=True))
    op.execute("UPDATE messages SET is_answer = true WHERE direction = 'outbound' "
               "AND is_auto = false AND EXISTS (SELECT 1 FROM tickets t "
               "WHERE t.id = messages.ticket_id AND t.answered_at = messages.sent_at)")


def downgrade():
    op.drop_column('tickets', 'reopened_at')
    op.drop_column('messages', 'is_answer')
