"""outbox_items.progress: the steps of a send with files already done (uploads, messages)

Revision ID: f3a9c2d1b7e4
Revises: f2c7a1d9e3b5
Create Date: 2026-12-07 07:10:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'f3a9c2d1b7e4'
down_revision = 'f2c7a1d9e3b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('progress', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_items', schema=None) as batch_op:
        batch_op.drop_column('progress')
