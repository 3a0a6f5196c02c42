"""The embedded sweeper (no Redis): a thread that runs the periodic jobs; started by wsgi.py only."""
import logging
import threading

from flask import Flask

from helpdesk.registry import registry

log = logging.getLogger(__name__)


def start_background(app: Flask) -> None:
    """Start the sweeper thread when tasks run in-process."""
    if not app.config.get("EMBEDDED_TASKS"):
        return
    thread = threading.Thread(target=_sweep_forever, args=(app,), name="sweeper", daemon=True)
    thread.start()


def _sweep_forever(app: Flask) -> None:
    import time

    last_run: dict[str, float] = {}
    while True:
        now = time.monotonic()
        for job in registry(app).periodic:
            if now - last_run.get(job.name, 0.0) < job.seconds:
                continue
            last_run[job.name] = now
            run_periodic(app, job.name, job.fn)
        time.sleep(1.0)


def run_periodic(app: Flask, name: str, fn) -> None:
    """One periodic job in an app context and one transaction; a failure is rolled back and
    logged, and must not stop the next sweep."""
    from helpdesk.database.transaction import job

    try:
        with app.app_context(), job():
            fn(app)
    except Exception:
        log.exception("periodic job %s failed", name)
