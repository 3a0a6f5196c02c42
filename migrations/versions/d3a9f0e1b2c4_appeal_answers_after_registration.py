"""An appeal is answered only by a substantive reply sent after its registration

Revision ID: d3a9f0e1b2c4
Revises: b5e0c4d7f219
Create Date: 2026-12-07 03:50:00

Data only. Earlier code took any reply marked as the answer as the appeal's answer, even one
sent before the 59-ФЗ registration, and closing as answered («Разъяснено», «Дан ответ»…) promoted
the latest reply to the answer even when it was sent as an interim one. First, interim replies of
appeals (known by their «interim_reply» audit events) stop being the answer. Then, for each such
appeal and each registered appeal whose stored answer time is before its registration, the
answer time is taken again from the replies on the substance sent after the registration (and after the
last reopening) that were not lost; with none, it is cleared, and a ticket still shown «Дан
ответ» goes back to work. Closed tickets stay closed: their answer clock then shows «не
выполнено», and the exports and reports count them as not answered in time. Set-based UPDATEs
with correlated subqueries: the same statements on SQLite and PostgreSQL.
"""
from alembic import op
import sqlalchemy as sa

revision = 'd3a9f0e1b2c4'
down_revision = 'b5e0c4d7f219'
branch_labels = None
depends_on = None

tickets = sa.table(
    "tickets", sa.column("id", sa.Integer), sa.column("kind", sa.String),
    sa.column("status", sa.String), sa.column("department_id", sa.Integer),
    sa.column("registered_at", sa.DateTime), sa.column("reopened_at", sa.DateTime),
    sa.column("answered_at", sa.DateTime))
messages = sa.table(
    "messages", sa.column("ticket_id", sa.Integer), sa.column("direction", sa.String),
    sa.column("is_auto", sa.Boolean), sa.column("is_answer", sa.Boolean),
    sa.column("delivery_status", sa.String), sa.column("sent_at", sa.DateTime))


audit = sa.table("audit_events", sa.column("action", sa.String),
                 sa.column("details", sa.JSON))
CHUNK = 500


def _demote_interim_replies(bind) -> set[int]:
    """Interim replies of appeals marked as the answer are not the answer; returns their tickets."""
    ids = [row.details.get("message_id") for row in bind.execute(
        sa.select(audit.c.details).where(audit.c.action == "interim_reply"))
        if isinstance(row.details, dict)]
    ids = [i for i in ids if isinstance(i, int)]
    affected: set[int] = set()
    message_ids = sa.table("messages", sa.column("id", sa.Integer),
                           sa.column("ticket_id", sa.Integer), sa.column("is_answer", sa.Boolean))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = bind.execute(sa.select(message_ids.c.id, message_ids.c.ticket_id).join(
            tickets, tickets.c.id == message_ids.c.ticket_id).where(
            message_ids.c.id.in_(chunk), message_ids.c.is_answer == sa.true(),
            tickets.c.kind == "appeal")).all()
        if rows:
            bind.execute(message_ids.update().where(message_ids.c.id.in_([r.id for r in rows]))
                         .values(is_answer=False))
            affected.update(r.ticket_id for r in rows)
    return affected


def upgrade():
    bind = op.get_bind()
    demoted = sorted(_demote_interim_replies(bind))
    answer = (
        sa.select(sa.func.min(messages.c.sent_at))
        .where(messages.c.ticket_id == tickets.c.id, messages.c.direction == "outbound",
               messages.c.is_auto == sa.false(), messages.c.is_answer == sa.true(),
               messages.c.delivery_status != "failed",
               messages.c.sent_at >= tickets.c.registered_at,
               sa.or_(tickets.c.reopened_at.is_(None),
                      messages.c.sent_at >= tickets.c.reopened_at))
        .scalar_subquery())
    appeal = sa.and_(tickets.c.kind == "appeal", tickets.c.registered_at.is_not(None))
    op.execute(tickets.update().where(
        appeal, tickets.c.answered_at.is_not(None),
        tickets.c.answered_at < tickets.c.registered_at).values(answered_at=answer))
    for start in range(0, len(demoted), CHUNK):
        op.execute(tickets.update().where(
            appeal, tickets.c.id.in_(demoted[start:start + CHUNK])).values(answered_at=answer))
    op.execute(tickets.update().where(
        tickets.c.kind == "appeal", tickets.c.status == "answered",
        tickets.c.answered_at.is_(None),
    ).values(status=sa.case((tickets.c.department_id.is_(None), "triage"), else_="assigned")))


def downgrade():
    pass  # the wrong answer times are not restored
