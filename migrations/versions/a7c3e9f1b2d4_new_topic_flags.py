"""New topics in open tickets: messages.new_topic (routing's proposal), tickets.new_topic (flag)

Revision ID: a7c3e9f1b2d4
Revises: f3a9c2d1b7e4
Create Date: 2026-12-07 13:00:00
"""
from alembic import op
import sqlalchemy as sa

revision = 'a7c3e9f1b2d4'
down_revision = 'f3a9c2d1b7e4'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (no batch copy): on SQLite a copied table would break the search
    # triggers that refer to tickets and messages; a constant default is enough for both.
    op.add_column('messages', sa.Column('new_topic', sa.JSON(), nullable=True))
    op.add_column('tickets', sa.Column('new_topic', sa.Boolean(), server_default=sa.false(),
                                       nullable=False))


def downgrade():
    op.drop_column('tickets', 'new_topic')  # SQLite >= 3.35 drops a column in place
    op.drop_column('messages', 'new_topic')
