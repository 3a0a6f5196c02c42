"""Background work dispatch: Celery when REDIS_URL is set, else in-process after commit."""
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from helpdesk.registry import TaskSpec, registry
from helpdesk.util.redis_client import redis_client

log = logging.getLogger(__name__)

_executors: dict[str, ThreadPoolExecutor] = {}
_outgoing: queue.Queue | None = None
_executor_lock = threading.Lock()
_producers: dict[str, object] = {}  # broker URL → a Celery producer
_PENDING = "helpdesk_pending_tasks"


def task(name: str, lane: str = "", batch: str = ""):
    """Mark a function as the background task `name` (called with plain arguments); create_app
    registers the marked functions of the task modules it lists (helpdesk.registry).

    In-process, a task with a `lane` runs on that lane's single thread instead of the shared
    pool, so a slow platform lookup never holds the threads that route and send. A task with a
    `batch` is covered by the argument-less task `batch` ("process everything pending"): any
    number of dispatches become one run at a time."""
    def decorate(fn):
        fn.task_spec = TaskSpec(name, fn, lane, batch)
        return fn
    return decorate


def dispatch(name: str, *args) -> None:
    """Run task `name` after the current transaction commits (Celery, thread pool, or not at all).

    With EMBEDDED_TASKS false and no Celery (the tests), nothing runs: the rows stay due and
    the sweeper (or the test) processes them. The database is the source of truth either way.
    """
    app = current_app._get_current_object()
    if name not in registry(app).tasks:  # a programming error: fail here, not after the commit
        raise KeyError(f"no background task {name!r} is registered")
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
    return registry().tasks[name].fn(*args)


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
                try:
                    if _claim_batch(self.app, self.name):
                        send(self.app, self.name, ())
                except Exception:  # Redis down: the rows stay due; the sweeper catches up
                    log.warning("could not queue task %s", self.name)
                    _release_batch(self.app, self.name)
                time.sleep(0.05)
            else:
                run_in_app(self.app, self.name, ())


BATCH_CLAIM_SECONDS = 60


def _batch_key(name: str) -> str:
    return f"helpdesk:queued:{name}"


def _claim_batch(app: Flask, name: str) -> bool:
    """At most one queued Celery message per batch task: one that is queued and not yet started
    covers every later poke. (A batch run that finds more work queues the next run behind what it
    queued itself, so a backlog of events never starves routing and replies in the queue.)"""
    return bool(redis_client(app.config["REDIS_URL"]).set(
        _batch_key(name), "1", nx=True, ex=BATCH_CLAIM_SECONDS))


def _release_batch(app: Flask, name: str) -> None:
    try:
        redis_client(app.config["REDIS_URL"]).delete(_batch_key(name))
    except Exception:  # Redis down: the claim expires by itself
        log.warning("could not release the claim of task %s", name)


def starting(app: Flask, name: str) -> None:
    """The worker starts task `name`: if it is a batch task, the next poke may queue it again."""
    if name in _batch_names(app):
        _release_batch(app, name)


def _batch_names(app: Flask) -> set[str]:
    return {spec.batch for spec in registry(app).tasks.values() if spec.batch}


def _launch(app: Flask, name: str, args: tuple) -> None:
    spec = registry(app).tasks[name]
    batch = spec.batch or (name if not args and name in _batch_names(app) else "")
    if batch:
        key = (id(app), batch)
        with _executor_lock:
            batcher = _batchers.get(key) or _batchers.setdefault(key, _Batcher(app, key[1]))
        batcher.wake.set()
        return
    try:
        if celery_enabled(app):
            _celery_queue(app).put_nowait((app, name, args))
        else:
            _pool(app, spec.lane).submit(run_in_app, app, name, args)
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


def send(app: Flask, name: str, args: tuple) -> None:
    """Queue task `name` for a Celery worker (helpdesk.background.celery_app runs it): a light producer,
    one per broker, so the web process never builds the worker's Celery app."""
    from celery import Celery

    broker = app.config["REDIS_URL"]
    with _executor_lock:
        producer = _producers.get(broker)
        if producer is None:
            producer = _producers[broker] = Celery("helpdesk", broker=broker)
    producer.send_task("helpdesk.run", args=[name, list(args)])


def _send_to_celery(outgoing: queue.Queue) -> None:
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
        try:
            _launch(app, name, args)
        except Exception:  # the commit stands; the rows stay due and the sweeper runs the work
            log.exception("could not start task %s", name)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction) -> None:
    if not session.in_transaction():
        session.info.pop(_PENDING, None)
