"""The inbox's background tasks, by name (run by the thread pool, Celery or the sweeper)."""
import logging

from helpdesk.background.tasks import dispatch, task

log = logging.getLogger(__name__)


@task("inbox.process_event", batch="inbox.process_pending")
def process_event_task(event_id: int | None) -> None:
    """Ingest a stored inbound event (None: every pending one)."""
    from helpdesk.inbox.events import process_event, process_pending

    if event_id is None:
        process_pending()
    else:
        process_event(event_id)


BATCH = 50


@task("inbox.process_pending")
def process_pending_task() -> None:
    """Ingest one batch of pending inbound events (the batch form of inbox.process_event); when
    more wait, the next batch is queued behind the routing this batch queued, so a backlog of
    deliveries never holds new tickets' routing and acknowledgements back."""
    from helpdesk.inbox.events import process_pending

    if process_pending(limit=BATCH) == BATCH:
        dispatch("inbox.process_pending")


@task("inbox.deliver_due")
def deliver_due_task() -> None:
    """Send one batch of due outbox items (the batch form of inbox.deliver); more: queue again."""
    from helpdesk.inbox.outbox import deliver_due

    if deliver_due(limit=BATCH) == BATCH:
        dispatch("inbox.deliver_due")


@task("inbox.deliver", batch="inbox.deliver_due")
def deliver_task(item_id: int) -> None:
    """Send one outbox item if it is due."""
    from helpdesk.inbox.outbox import deliver

    deliver(item_id)


@task("inbox.download_attachments")
def download_task(message_id: int) -> None:
    """Download the pending attachments of a message."""
    from helpdesk.inbox.attachments import download_for_message

    download_for_message(message_id)


@task("inbox.fetch_name", lane="profiles")
def fetch_name_task(citizen_id: int) -> None:
    """Look up a citizen's name the delivery did not carry (VK users.get); commits."""
    from helpdesk.inbox.profiles import fetch_names

    fetch_names([citizen_id])


@task("inbox.fetch_post", lane="profiles")
def fetch_post_task(post_id: int) -> None:
    """Learn the text of a post the comment events did not carry (VK wall.getById); commits."""
    from helpdesk.inbox.comment_ingest import fetch_post_text

    fetch_post_text(post_id)
