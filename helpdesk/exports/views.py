"""Export pages: the response-time log, direct (streamed) downloads and background jobs."""
from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import func, select

from helpdesk.access import roles_required
from helpdesk.audit.log import record
from helpdesk.exports import VIEW_ROLES, bp
from helpdesk.exports import event_log
from helpdesk.exports import response_times as rt
from helpdesk.exports.filters import ExportError, parse_filter, parse_format
from helpdesk.exports.services import (KINDS, audit_export, job_path, open_export,
                                       queue_export, validate_params)
from helpdesk.exports.spreadsheets import CSV_MIME, XLSX_MIME, send_chunks
from helpdesk.extensions import db
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.export import ExportJob
from helpdesk.models.ticket import KIND_LABELS
from helpdesk.models.types import utcnow
from helpdesk.models.user import Role
from helpdesk.web.boundary import back_on_user_error

PREVIEW_ROWS = 200


def _params(source) -> dict:
    return {"date_from": source.get("from"), "date_to": source.get("to"),
            "department_id": source.get("department"), "channel_slug": source.get("channel"),
            "ticket_kind": source.get("ticket_kind"), "month": source.get("month")}


def _tz() -> str:
    return current_app.config["DISPLAY_TIMEZONE"]


def _default_period(args) -> dict:
    today = utcnow().date()
    return {"from": args.get("from") or today.replace(day=1).isoformat(),
            "to": args.get("to") or today.isoformat(), "department": args.get("department", ""),
            "channel": args.get("channel", ""), "ticket_kind": args.get("ticket_kind", ""),
            "month": args.get("month") or today.strftime("%Y-%m")}


def _page_context(values: dict) -> dict:
    jobs = db.session.scalars(select(ExportJob).where(ExportJob.user_id == current_user.id)
                              .order_by(ExportJob.id.desc()).limit(20)).all()
    return {"values": values, "jobs": jobs, "headers": rt.HEADERS,
            "departments": db.session.scalars(select(Department).order_by(Department.name)).all(),
            "channels": db.session.scalars(select(Channel).order_by(Channel.name)).all(),
            "kinds": KIND_LABELS}


@bp.route("/")
@roles_required(*VIEW_ROLES)
def response_times():
    values = _default_period(request.args)
    rows, error = [], None
    try:
        flt = parse_filter(values["from"], values["to"], values["department"], values["channel"],
                           values["ticket_kind"])
    except ExportError as exc:
        error = str(exc)
    else:
        rows = list(rt.response_time_rows(flt, current_user, tz=_tz(), limit=PREVIEW_ROWS))
        record("response_times_viewed", actor=current_user, object_type="export",
               object_id="response_times", details=flt.to_params())
    return render_template("exports/response_times.html", rows=rows, error=error,
                           preview=PREVIEW_ROWS, **_page_context(values))


def _row_count(kind: str, params: dict) -> int:
    if kind == "sstu":
        return 0
    flt = parse_filter(params["date_from"], params["date_to"], params.get("department_id"),
                       params.get("channel_slug"), params.get("ticket_kind"))
    if kind == "response_times":
        return rt.count_tickets(flt, current_user, _tz())
    inner = event_log.event_query(flt, current_user, _tz()).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(inner)) or 0


@bp.route("/download/<kind>")
@roles_required(*VIEW_ROLES)
def download(kind: str):
    if kind not in KINDS:
        abort(404)
    try:
        fmt = parse_format(request.args.get("format"))
        params = validate_params(kind, _params(request.args))
        count = _row_count(kind, params)
    except ExportError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("exports.response_times"))
    if count > current_app.config["EXPORT_SYNC_LIMIT"]:
        flash(f"В выгрузке {count} строк: сформируйте её в фоне.", "warning")
        return redirect(url_for("exports.response_times", **request.args))
    spec = KINDS[kind]
    audit_export(kind, fmt, params, current_user, rows=count, mode="direct")
    chunks, _ = open_export(kind, fmt, params, current_user, _tz())
    return send_chunks(f"{spec.filename(params)}.{fmt}", CSV_MIME if fmt == "csv" else XLSX_MIME,
                       chunks)


@bp.route("/jobs", methods=["POST"])
@roles_required(*VIEW_ROLES)
def create_job():
    kind = request.form.get("kind", "")
    back_on_user_error(url_for("exports.response_times"))
    job = queue_export(kind, request.form.get("format"), _params(request.form), current_user)
    flash(f"Выгрузка №{job.id} поставлена в очередь; файл появится в списке ниже.", "success")
    return redirect(url_for("exports.response_times"))


@bp.route("/jobs/<int:job_id>/file")
@roles_required(*VIEW_ROLES)
def job_file(job_id: int):
    job = db.session.get(ExportJob, job_id)
    if job is None or (job.user_id != current_user.id and current_user.role != Role.ADMIN):
        abort(404)
    path = job_path(job)
    if path is None:
        abort(404)
    record("export_downloaded", actor=current_user, object_type="export_job",
           object_id=str(job.id), details={"kind": job.kind, "format": job.fmt})
    spec = KINDS[job.kind]
    return send_file(path, as_attachment=True,
                     download_name=f"{spec.filename(job.params)}.{job.fmt}")
