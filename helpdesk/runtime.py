"""In-process background work for the embedded default (no Redis): started by wsgi.py only."""
import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)

# Functions called periodically by the embedded sweeper: (name, interval seconds, fn(app)).
PERIODIC_JOBS: list[tuple[str, float, object]] = []


def periodic(name: str, seconds: float):
    """Register a function to run every `seconds` in the embedded sweeper thread."""
    def decorate(fn):
        PERIODIC_JOBS.append((name, seconds, fn))
        return fn
    return decorate


def start_background(app: Flask) -> None:
    """Start the sweeper (and, in demo mode, the simulators) when tasks run in-process."""
    if not app.config.get("EMBEDDED_TASKS"):
        return
    from helpdesk.tasks import load_jobs

    load_jobs()
    thread = threading.Thread(target=_sweep_forever, args=(app,), name="sweeper", daemon=True)
    thread.start()
    if app.config.get("DEMO_MODE"):
        from helpdesk.demo import start_demo

        start_demo(app)


def _sweep_forever(app: Flask) -> None:
    import time

    last_run: dict[str, float] = {}
    while True:
        now = time.monotonic()
        for name, seconds, fn in PERIODIC_JOBS:
            if now - last_run.get(name, 0.0) < seconds:
                continue
            last_run[name] = now
            run_periodic(app, name, fn)
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
