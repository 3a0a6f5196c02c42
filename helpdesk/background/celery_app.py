"""Celery with Redis (REDIS_URL): `celery -A helpdesk.background.celery_app worker` runs the background tasks,
`celery -A helpdesk.background.celery_app beat` schedules the sweeper. The database rows stay the source of
truth: a lost Redis message is picked up by the next sweep.

The Celery app is built on first access (module __getattr__), so importing this module makes
no Flask app; the web process only queues tasks (helpdesk.background.tasks.send, a light producer).
"""
import threading

from celery import Celery
from flask import Flask

SWEEP_SECONDS = 10.0
_lock = threading.Lock()
_worker_app: Celery | None = None


def make_celery(flask_app: Flask | None = None) -> Celery:
    """The worker/beat Celery app: tasks run inside the Flask app context."""
    from helpdesk import create_app
    from helpdesk.database.transaction import job

    flask_app = flask_app or create_app()
    broker = flask_app.config.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    celery = Celery("helpdesk", broker=broker)
    celery.conf.update(task_ignore_result=True, task_acks_late=True, worker_prefetch_multiplier=1,
                       broker_connection_retry_on_startup=True, timezone="UTC",
                       beat_schedule={"helpdesk-sweep": {"task": "helpdesk.sweep",
                                                         "schedule": SWEEP_SECONDS}})

    class AppContextTask(celery.Task):
        def __call__(self, *args, **kwargs):
            with flask_app.app_context():
                return self.run(*args, **kwargs)

    celery.Task = AppContextTask

    @celery.task(name="helpdesk.run")
    def run(name: str, args: list):
        """Run a registered background task by name, in one transaction."""
        from helpdesk.background.tasks import run_task, starting

        starting(flask_app, name)
        with job():
            run_task(name, *args)

    @celery.task(name="helpdesk.sweep")
    def sweep():
        """Run every periodic job once (beat calls this every SWEEP_SECONDS)."""
        from helpdesk.registry import registry
        from helpdesk.background.sweeper import run_periodic

        for job in registry(flask_app).periodic:
            run_periodic(flask_app, job.name, job.fn)

    return celery


def __getattr__(attr: str):
    """`celery -A helpdesk.background.celery_app` looks up `app`/`celery`: build it on that first access."""
    global _worker_app
    if attr in ("app", "celery"):
        with _lock:
            if _worker_app is None:
                _worker_app = make_celery()
        return _worker_app
    raise AttributeError(attr)
