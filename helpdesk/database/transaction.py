"""The one transaction boundary of a request, a background job or a command (Indico's `RH`).

Services only flush. Whoever runs a unit of work (the request handler, a task runner, the
sweeper, a CLI command) wraps it in `transaction()`: it commits once when the work returned and
rolls back when anything was raised. A request that only read ends with COMMIT too, never with
ROLLBACK: psycopg forgets every server-side prepared statement on ROLLBACK (it sends DEALLOCATE
ALL), and PostgreSQL would plan the desk's queries again on each request.
"""
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from helpdesk.extensions import db

log = logging.getLogger(__name__)


@contextmanager
def transaction() -> Iterator[None]:
    """Commit once when the block ends normally; roll back and re-raise on any error."""
    try:
        yield
    except BaseException:
        rollback()
        raise
    if db.session.registry.has():  # no session opened (a webhook delivery): nothing to commit
        db.session.commit()


def rollback() -> None:
    """Discard the session's work; a connection already lost is closed instead."""
    try:
        db.session.rollback()
    except DBAPIError:  # the database went away mid-transaction: the pool drops the connection
        log.warning("rollback failed: the connection is lost")
        db.session.close()


@contextmanager
def job() -> Iterator[None]:
    """A background job's boundary in a fresh session: one transaction, then the session ends."""
    try:
        with transaction():
            yield
    finally:
        db.session.remove()
