"""Background work dispatch: Celery when REDIS_URL is set, else in-process after commit."""
import importlib
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# Modules that register periodic jobs with helpdesk.runtime.periodic (imported by load_jobs).
JOB_MODULES: list[str] = ["helpdesk.inbox.jobs", "helpdesk.exports.jobs", "helpdesk.retention.jobs",
                         "helpdesk.tickets.digest"]
# Modules that register tasks with @task (imported before a task is looked up).
TASK_MODULES: list[str] = ["helpdesk.inbox.tasks", "helpdesk.exports.jobs", "helpdesk.routing.tasks"]

TASKS: dict[str, object] = {}
LANES: dict[str, str] = {}  # task name -> its own in-process lane (one thread)
_executors: dict[str, ThreadPoolExecutor] = {}
_outgoing: queue.Queue | None = None
_executor_lock = threading.Lock()
_PENDING = "helpdesk_pending_tasks"


def load_jobs() -> None:
    """Import every module that registers periodic jobs."""
    for name in JOB_MODULES:
        importlib.import_module(name)


def load_tasks() -> None:
    """Import every module that registers tasks."""
    for name in TASK_MODULES:
        importlib.import_module(name)


def task(name: str, lane: str = ""):
    """Register a function as a named background task (called with plain arguments).

    In-process, a task with a `lane` runs on that lane's single thread instead of the shared
    pool, so a slow platform lookup never holds the threads that route and send.
    """
    def decorate(fn):
        TASKS[name] = fn
        if lane:
            LANES[name] = lane
        return fn
    return decorate


def dispatch(name: str, *args) -> None:
    """Run task `name` after the current transaction commits (Celery, thread pool, or not at all).

    With EMBEDDED_TASKS false and no Celery (the tests), nothing runs: the rows stay due and
    the sweeper (or the test) processes them. The database is the source of truth either way.
    """
    app = current_app._get_current_object()
    if not (celery_enabled(app) or app.config.get("EMBEDDED_TASKS")):
        return
    from helpdesk.extensions import db

    session = db.session() if db.session.registry.has() else None  # no session: no transaction
    if session is not None and session.in_transaction():
        session.info.setdefault(_PENDING, []).append((app, name, args))
    else:
        _launch(app, name, args)


def run_task(name: str, *args):
    """Run a registered task now, in the current app context."""
    if name not in TASKS:
        load_tasks()
    return TASKS[name](*args)


def run_in_app(app: Flask, name: str, args: tuple) -> None:
    """Run a task in a fresh app context and one transaction (the in-process thread pool)."""
    from helpdesk.database.transaction import job

    with app.app_context():
        try:
            with job():
                run_task(name, *args)
        except Exception:  # rolled back; the row stays due and the sweeper retries it
            log.exception("task %s failed", name)


def celery_enabled(app: Flask) -> bool:
    """Celery carries the tasks when REDIS_URL is set (never in tests unless asked)."""
    default = bool(app.config.get("REDIS_URL")) and not app.testing
    return bool(app.config.get("CELERY_ENABLED", default))


def coalesce(name: str, batch: str) -> None:
    """Declare that task `name` is covered by the argument-less batch task `batch` (e.g. one
    "process everything pending" run instead of one run per event)."""
    COALESCED[name] = batch


COALESCED: dict[str, str] = {}
_batchers: dict[tuple[int, str], "_Batcher"] = {}


class _Batcher:
    """One thread per (app, batch task): any number of pokes → one run at a time (in-process)
    or at most ~20 queued Celery messages per second, so intake never waits on the work."""

    def __init__(self, app: Flask, name: str) -> None:
        self.app, self.name, self.wake = app, name, threading.Event()
        threading.Thread(target=self._loop, name=f"batch-{name}", daemon=True).start()

    def _loop(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            if celery_enabled(self.app):
                from helpdesk.celery_app import send

                try:
                    send(self.app, self.name, ())
                except Exception:  # Redis down: the rows stay due; the sweeper catches up
                    log.warning("could not queue task %s", self.name)
                time.sleep(0.05)
            else:
                run_in_app(self.app, self.name, ())


def _launch(app: Flask, name: str, args: tuple) -> None:
    if not TASKS:
        load_tasks()
    if name in COALESCED:
        key = (id(app), COALESCED[name])
        with _executor_lock:
            batcher = _batchers.get(key) or _batchers.setdefault(key, _Batcher(app, key[1]))
        batcher.wake.set()
        return
    try:
        if celery_enabled(app):
            _celery_queue(app).put_nowait((app, name, args))
        else:
            _pool(app, LANES.get(name, "")).submit(run_in_app, app, name, args)
    except (RuntimeError, queue.Full):  # shutting down or flooded: the sweeper catches up
        log.info("task %s left to the sweeper", name)


def _celery_queue(app: Flask) -> queue.Queue:
    """Tasks are handed to Redis by one thread per process, so no request waits on the broker."""
    global _outgoing
    with _executor_lock:
        if _outgoing is None:
            _outgoing = queue.Queue(maxsize=10000)
            threading.Thread(target=_send_to_celery, args=(_outgoing,), name="celery-send",
                             daemon=True).start()
    return _outgoing


def _send_to_celery(outgoing: queue.Queue) -> None:
    from helpdesk.celery_app import send

    while True:
        app, name, args = outgoing.get()
        try:
            send(app, name, args)
        except Exception:  # Redis down: the rows stay due and the sweeper picks them up
            log.warning("could not queue task %s", name)


def _pool(app: Flask, lane: str = "") -> ThreadPoolExecutor:
    with _executor_lock:
        executor = _executors.get(lane)
        if executor is None:
            threads = 1 if lane else int(app.config.get("TASK_THREADS", 4))
            executor = _executors[lane] = ThreadPoolExecutor(
                max_workers=threads, thread_name_prefix=f"task-{lane}" if lane else "task")
    return executor


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    for app, name, args in session.info.pop(_PENDING, ()):
        _launch(app, name, args)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
