"""Daily retention run: the embedded sweeper and Celery beat's sweep both call run_daily.

Beat's sweep calls every periodic job on each tick whatever its interval, so the job keeps
its own last-run time (setting retention.last_run) and does nothing within a day of it.
"""
from datetime import datetime, timedelta

from helpdesk.registry import periodic

LAST_RUN_KEY = "retention.last_run"
INTERVAL = timedelta(hours=24)


def due(last_run: str | None, now: datetime) -> bool:
    """True when no run is recorded or the last one is at least a day old."""
    if not last_run:
        return True
    try:
        return now - datetime.fromisoformat(last_run) >= INTERVAL
    except ValueError:
        return True


@periodic("retention.daily", 3600)
def run_daily(app, now: datetime | None = None) -> bool:
    """Anonymise what the retention term allows, once a day (flushes). True when it ran."""
    from helpdesk.models.setting import get_setting, set_setting
    from helpdesk.models.types import utcnow
    from helpdesk.retention.services import run_retention

    now = now or utcnow()
    if not due(get_setting(LAST_RUN_KEY), now):
        return False
    run_retention(now=now)
    set_setting(LAST_RUN_KEY, now.isoformat())
    return True
