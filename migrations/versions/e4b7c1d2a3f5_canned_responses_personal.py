"""canned_responses.owner_id: personal canned responses; titles unique per owner, not globally

Revision ID: e4b7c1d2a3f5
Revises: d3a8f6c1b2e4
Create Date: 2026-12-07 04:10:00

Existing canned responses stay shared (no owner). The global unique title goes: two people may
each have a personal «Приветствие»; the settings service keeps titles unique among the shared
ones and among one owner's. A batch copy on SQLite (the table has no triggers).
"""
from alembic import op
import sqlalchemy as sa

revision = 'e4b7c1d2a3f5'
down_revision = 'd3a8f6c1b2e4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('canned_responses') as batch:
        batch.drop_constraint('uq_canned_responses_title', type_='unique')
        batch.add_column(sa.Column('owner_id', sa.Integer(), nullable=True))
        batch.create_index('ix_canned_responses_owner_id', ['owner_id'], unique=False)
        batch.create_foreign_key('fk_canned_responses_owner_id_users', 'users',
                                 ['owner_id'], ['id'])


def downgrade():
    with op.batch_alter_table('canned_responses') as batch:
        batch.drop_constraint('fk_canned_responses_owner_id_users', type_='foreignkey')
        batch.drop_index('ix_canned_responses_owner_id')
        batch.drop_column('owner_id')
        batch.create_unique_constraint('uq_canned_responses_title', ['title'])
