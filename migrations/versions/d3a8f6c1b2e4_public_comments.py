"""Public comments: posts, comment revisions, tickets.post_id, comment columns of messages,
outbox_items.action

Revision ID: d3a8f6c1b2e4
Revises: d41e7a2b9c05
Create Date: 2026-12-07 03:40:00

A comment thread under a post of the official page is a ticket of kind «Комментарий»: the post
(text and link) is a row of its own, a comment's author edits and deletions and a staff hide
keep the earlier text as revisions, and the outbox also hides comments on the platform.
"""
from alembic import op
import sqlalchemy as sa

import helpdesk.models.types

revision = 'd3a8f6c1b2e4'
down_revision = 'd41e7a2b9c05'
branch_labels = None
depends_on = None

UTC = helpdesk.models.types.UTCDateTime


def upgrade():
    op.create_table(
        'posts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('channel_id', sa.Integer(), nullable=False),
        sa.Column('external_key', sa.String(length=128), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('link', sa.String(length=500), nullable=False),
        sa.Column('created_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(['channel_id'], ['channels.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('channel_id', 'external_key'))
    op.create_table(
        'message_revisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('previous_text', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', UTC(), nullable=False),
        sa.ForeignKeyConstraint(['message_id'], ['messages.id']),
        sa.ForeignKeyConstraint(['user_id'], ['users.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_message_revisions_message_id', 'message_revisions', ['message_id'])
    # Plain ALTER TABLE (no batch copy), which would break the search triggers on SQLite.
    if op.get_bind().dialect.name == 'sqlite':  # SQLite adds a reference only with the column
        op.execute('ALTER TABLE tickets ADD COLUMN post_id INTEGER REFERENCES posts (id)')
    else:
        op.add_column('tickets', sa.Column('post_id', sa.Integer(), nullable=True))
        op.create_foreign_key('tickets_post_id_fkey', 'tickets', 'posts', ['post_id'], ['id'])
    op.create_index('ix_tickets_post_id', 'tickets', ['post_id'])
    for name in ('reply_to',):
        op.add_column('messages', sa.Column(name, sa.String(length=128), nullable=True))
    for name in ('edited_at', 'deleted_at', 'hidden_at'):
        op.add_column('messages', sa.Column(name, UTC(), nullable=True))
    op.add_column('messages', sa.Column('hidden_reason', sa.Text(), nullable=True))
    op.add_column('outbox_items', sa.Column('action', sa.String(length=16), server_default='send',
                                            nullable=False))


def downgrade():
    op.drop_column('outbox_items', 'action')
    for name in ('hidden_reason', 'hidden_at', 'deleted_at', 'edited_at', 'reply_to'):
        op.drop_column('messages', name)
    op.drop_index('ix_tickets_post_id', table_name='tickets')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('post_id')
    op.drop_index('ix_message_revisions_message_id', table_name='message_revisions')
    op.drop_table('message_revisions')
    op.drop_table('posts')
