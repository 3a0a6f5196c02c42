"""Background exports: a task run right after the job's commit, and a sweeper for leftovers."""
from helpdesk.registry import periodic
from helpdesk.background.tasks import task


@task("exports.run")
def run_export_task(job_id: int) -> None:
    """Run one queued export job (thread pool or Celery worker, in an app context)."""
    from helpdesk.exports.services import run_pending_jobs

    run_pending_jobs(limit=1, job_id=job_id)


@periodic("exports.run_pending", 5)
def run_pending_exports(app) -> None:
    """Run queued export jobs nobody has picked up (after a restart, Redis down...)."""
    from helpdesk.exports.services import expire_old_files, run_pending_jobs

    run_pending_jobs()
    expire_old_files()
