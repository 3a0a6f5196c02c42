"""citizens.name_lookups and citizens.name_lookup_after

Revision ID: b5e0c4d7f219
Revises: a22e89d82517
Create Date: 2026-11-26 15:40:00

The tries of a VK citizen's name lookup were kept in each process's memory, so a restart or a
second worker gave a citizen more tries than MAX_ATTEMPTS. They are now on the citizen's row:
failed lookups, and the moment before which no lookup starts (a lease or a back-off).
"""
from alembic import op
import sqlalchemy as sa

import helpdesk.models.types

revision = 'b5e0c4d7f219'
down_revision = 'a22e89d82517'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (no batch copy), which would break the search triggers on SQLite.
    op.add_column('citizens', sa.Column('name_lookups', sa.Integer(), server_default='0',
                                        nullable=False))
    op.add_column('citizens', sa.Column('name_lookup_after', helpdesk.models.types.UTCDateTime(),
                                        nullable=True))


def downgrade():
    op.drop_column('citizens', 'name_lookup_after')
    op.drop_column('citizens', 'name_lookups')
