"""Errors that mean "a concurrent unit of work was in the way": run the whole unit again.

PostgreSQL aborts one of two transactions that wait on each other (deadlock_detected, 40P01)
and, under REPEATABLE READ or SERIALIZABLE, one that read what another changed
(serialization_failure, 40001). SQLite answers a writer that waited out its busy timeout with
"database is locked". None of them says anything about the work itself: rolled back and run
again, the unit succeeds.
"""
from sqlalchemy.exc import DBAPIError, OperationalError

RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


def is_conflict(exc: BaseException) -> bool:
    """True for a deadlock, a serialization failure or a busy SQLite database."""
    if not isinstance(exc, DBAPIError):
        return False
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if state in RETRYABLE_SQLSTATES:
        return True
    message = str(exc.orig).lower()
    return isinstance(exc, OperationalError) and ("database is locked" in message
                                                  or "database is busy" in message)
