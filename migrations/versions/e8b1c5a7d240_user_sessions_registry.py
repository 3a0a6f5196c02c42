"""user_sessions: the server's registry of live sign-ins (sign-out ends the session)

Revision ID: e8b1c5a7d240
Revises: e4b7c1d2a3f5
Create Date: 2026-12-07 04:25:00

The login cookie now carries the id of a row here instead of the user's id and nonce, so
cookies issued before this revision load nobody: everyone signs in once more.
"""
from alembic import op
import sqlalchemy as sa

import helpdesk.models.types

revision = 'e8b1c5a7d240'
down_revision = 'e4b7c1d2a3f5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('created_at', helpdesk.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', helpdesk.models.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))
    op.drop_table('user_sessions')
