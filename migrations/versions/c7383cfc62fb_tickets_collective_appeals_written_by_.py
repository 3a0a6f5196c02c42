"""tickets.collective: appeals written by several citizens

Revision ID: c7383cfc62fb
Revises: 7534b9f281b6
Create Date: 2026-11-26 10:38:45.738298

Tickets from before this revision stay false; routing sets the flag from the message text
(helpdesk.exports.collective.is_collective) when a ticket is routed or re-routed.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7383cfc62fb'
down_revision = '7534b9f281b6'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (no batch copy): on SQLite a copied table would break the search
    # triggers that refer to it; a constant default is enough for both databases.
    op.add_column('tickets', sa.Column('collective', sa.Boolean(), server_default=sa.false(),
                                       nullable=False))


def downgrade():
    op.drop_column('tickets', 'collective')  # SQLite >= 3.35 drops a column in place
