"""Background work dispatch: Celery when REDIS_URL is set, else in-process after commit."""
import importlib
import logging

log = logging.getLogger(__name__)

# Modules that register periodic jobs with helpdesk.runtime.periodic (imported by load_jobs).
JOB_MODULES: list[str] = []


def load_jobs() -> None:
    """Import every module that registers periodic jobs."""
    for name in JOB_MODULES:
        importlib.import_module(name)
