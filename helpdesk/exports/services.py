"""Export definitions, direct and background runs; every export writes an audit event."""
import os
import secrets
from dataclasses import dataclass
from typing import Callable

from flask import current_app
from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.exports import event_log, response_times, sstu
from helpdesk.exports.filters import ExportError, parse_filter, parse_format, parse_month
from helpdesk.exports.pg_copy import copy_response_times
from helpdesk.exports.spreadsheets import CountingRows, generate_csv, stream_file, write_xlsx
from helpdesk.deadlines.store import load_calendar
from helpdesk.extensions import db
from helpdesk.models.export import ExportJob, ExportStatus
from helpdesk.models.types import utcnow
from helpdesk.models.user import User
from helpdesk.background.tasks import dispatch


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its headers, a row source and a file name."""

    name: str
    title: str
    headers: tuple
    rows: Callable  # (params: dict, user: User | None, tz: str) -> iterator of tuples
    filename: Callable  # (params) -> str without extension
    # Optional PostgreSQL path for CSV: (params, user, tz, counter) -> CSV data bytes or None.
    copy_csv: Callable | None = None


def _filter(params: dict):
    return parse_filter(params.get("date_from"), params.get("date_to"),
                        params.get("department_id"), params.get("channel_slug"),
                        params.get("ticket_kind"))


def _period_name(prefix: str):
    return lambda p: f"{prefix}_{p.get('date_from')}_{p.get('date_to')}"


KINDS = {
    "response_times": ExportKind(
        "response_times", "Журнал сроков ответа", response_times.HEADERS,
        lambda p, user, tz: response_times.response_time_rows(_filter(p), user, tz=tz),
        _period_name("response_times"),
        lambda p, user, tz, counter: copy_response_times(
            _filter(p), user, tz, utcnow(), load_calendar(), counter)),
    "events": ExportKind(
        "events", "Журнал событий", event_log.HEADERS,
        lambda p, user, tz: event_log.event_rows(_filter(p), user, tz),
        _period_name("events")),
    "sstu": ExportKind(
        "sstu", "Сводка ССТУ", sstu.HEADERS,
        lambda p, user, tz: sstu.sstu_rows(*parse_month(p.get("month")), tz),
        lambda p: f"sstu_{p.get('month')}"),
}


def validate_params(kind: str, params: dict) -> dict:
    """Check the parameters of an export kind; returns them normalised (ExportError if bad)."""
    if kind not in KINDS:
        raise ExportError("Неизвестный вид выгрузки")
    if kind == "sstu":
        first, _ = parse_month(params.get("month"))
        return {"month": first.strftime("%Y-%m")}
    return _filter(params).to_params()


def audit_export(kind: str, fmt: str, params: dict, actor: User | None, **extra) -> None:
    """Write the audit event of an export (flushes)."""
    record("export", actor=actor, object_type="export", object_id=kind,
           details={"kind": kind, "format": fmt, "params": params, **extra})


def open_export(kind: str, fmt: str, params: dict, actor: User | None, tz: str):
    """(byte chunks, row counter) of an export; the chunks are lazy and may be streamed."""
    spec = KINDS[kind]
    counter: dict = {}
    if fmt == "csv" and spec.copy_csv is not None:
        data = spec.copy_csv(params, actor, tz, counter)
        if data is not None:
            return _chain(generate_csv(spec.headers, ()), data), counter
    if fmt == "csv":
        return generate_csv(spec.headers, CountingRows(spec.rows(params, actor, tz), counter)), \
            counter
    return stream_file(_xlsx_writer(spec, params, actor, tz, counter)), counter


def _xlsx_writer(spec: ExportKind, params: dict, actor: User | None, tz: str, counter: dict):
    """write(target) of an export's XLSX, its query prepared now."""
    rows = CountingRows(spec.rows(params, actor, tz), counter)
    return lambda target: write_xlsx(target, spec.headers, rows, spec.title)


def _chain(*parts):
    for part in parts:
        yield from part


def export_to_file(kind: str, fmt: str, params: dict, path: str, actor: User | None = None,
                   tz: str | None = None) -> int:
    """Run an export into a file and audit it (CLI and background jobs); returns rows."""
    fmt = parse_format(fmt)
    params = validate_params(kind, params)
    tz = tz or current_app.config["DISPLAY_TIMEZONE"]
    spec = KINDS[kind]
    if fmt == "xlsx":  # straight to the target file, no temporary copy
        counter: dict = {}
        _xlsx_writer(spec, params, actor, tz, counter)(path)
    else:
        chunks, counter = open_export(kind, fmt, params, actor, tz)
        with open(path, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    count = counter.get("rows", 0)
    audit_export(kind, fmt, params, actor, rows=count, file=os.path.basename(path))
    return count


def exports_dir() -> str:
    """instance/exports (created on demand)."""
    path = os.path.join(current_app.config["INSTANCE_DIR"], "exports")
    os.makedirs(path, exist_ok=True)
    return path


def queue_export(kind: str, fmt: str, params: dict, actor: User) -> ExportJob:
    """Create a background export job (flushes; audited as export_queued)."""
    fmt = parse_format(fmt)
    params = validate_params(kind, params)
    job = ExportJob(kind=kind, fmt=fmt, params=params, user_id=actor.id)
    db.session.add(job)
    db.session.flush()
    record("export_queued", actor=actor, object_type="export_job", object_id=str(job.id),
           details={"kind": kind, "format": fmt, "params": params})
    dispatch("exports.run", job.id)  # after commit: thread pool or Celery; else the sweeper
    return job


def run_job(job: ExportJob) -> None:
    """Produce a job's file under instance/exports; marks it done or failed (caller commits)."""
    user = db.session.get(User, job.user_id) if job.user_id else None
    name = f"{job.id}-{secrets.token_hex(8)}.{job.fmt}"
    path = os.path.join(exports_dir(), name)
    try:
        job.rows = export_to_file(job.kind, job.fmt, job.params, path, actor=user)
    except Exception as exc:  # the job records the failure; the sweeper goes on
        db.session.rollback()
        job = db.session.get(ExportJob, job.id)
        job.status, job.error, job.finished_at = ExportStatus.FAILED, str(exc)[:2000], utcnow()
        if os.path.exists(path):
            os.unlink(path)
        return
    job.status, job.file_name, job.finished_at = ExportStatus.DONE, name, utcnow()


def claim_next_job(job_id: int | None = None) -> ExportJob | None:
    """Take the oldest pending job, or that one (row-locked, skipping locked rows)."""
    query = (select(ExportJob).where(ExportJob.status == ExportStatus.PENDING)
             .order_by(ExportJob.id).limit(1).with_for_update(skip_locked=True))
    if job_id is not None:
        query = query.where(ExportJob.id == job_id)
    job = db.session.scalar(query)
    if job is None:
        return None
    job.status, job.started_at = ExportStatus.RUNNING, utcnow()
    db.session.commit()
    return job


def run_pending_jobs(limit: int = 5, job_id: int | None = None) -> int:
    """Run up to `limit` pending jobs (or just `job_id`), committing after each; returns count."""
    done = 0
    while done < limit:
        job = claim_next_job(job_id)
        if job is None:
            break
        run_job(job)
        db.session.commit()
        done += 1
    return done


def job_path(job: ExportJob) -> str | None:
    """The file of a finished job, if it still exists."""
    if job.status != ExportStatus.DONE or not job.file_name:
        return None
    path = os.path.join(exports_dir(), os.path.basename(job.file_name))
    return path if os.path.exists(path) else None


def expire_old_files(now=None, keep_days: int | None = None) -> int:
    """Delete job files older than EXPORT_KEEP_DAYS (default 7) and mark the jobs expired."""
    from datetime import timedelta

    keep = keep_days if keep_days is not None else current_app.config.get("EXPORT_KEEP_DAYS", 7)
    cutoff = (now or utcnow()) - timedelta(days=keep)
    jobs = db.session.scalars(select(ExportJob).where(ExportJob.status == ExportStatus.DONE,
                                                      ExportJob.finished_at < cutoff)).all()
    for job in jobs:
        path = os.path.join(exports_dir(), os.path.basename(job.file_name or ""))
        if job.file_name and os.path.exists(path):
            os.unlink(path)
        job.status, job.file_name = ExportStatus.EXPIRED, None
    db.session.flush()
    return len(jobs)
