"""Report views: the charts page and each chart's numbers as CSV (audited)."""
from datetime import timedelta

from flask import abort, current_app, render_template, request
from flask_login import current_user
from sqlalchemy import select

from helpdesk.access import roles_required
from helpdesk.exports.filters import ExportError, parse_filter
from helpdesk.exports.services import audit_export
from helpdesk.exports.spreadsheets import send_csv
from helpdesk.extensions import db
from helpdesk.models.channel import Channel
from helpdesk.models.department import Department
from helpdesk.models.ticket import KIND_LABELS
from helpdesk.models.types import utcnow
from helpdesk.reports import VIEW_ROLES, bp
from helpdesk.reports.services import CHARTS, build_chart, build_reports


def _values() -> dict:
    today = utcnow().date()
    args = request.args
    return {"from": args.get("from") or (today - timedelta(days=29)).isoformat(),
            "to": args.get("to") or today.isoformat(),
            "department": args.get("department", ""), "channel": args.get("channel", ""),
            "ticket_kind": args.get("ticket_kind", "")}


def _filter(values):
    return parse_filter(values["from"], values["to"], values["department"], values["channel"],
                        values["ticket_kind"])


@bp.route("/")
@roles_required(*VIEW_ROLES)
def index():
    values = _values()
    charts, error = {}, None
    try:
        flt = _filter(values)
    except ExportError as exc:
        error = str(exc)
    else:
        charts = build_reports(flt, current_user, current_app.config["DISPLAY_TIMEZONE"], utcnow())
    return render_template(
        "reports/index.html", charts=charts, error=error, values=values, names=CHARTS,
        departments=db.session.scalars(select(Department).order_by(Department.name)).all(),
        channels=db.session.scalars(select(Channel).order_by(Channel.name)).all(),
        kinds=KIND_LABELS)


@bp.route("/<name>.csv")
@roles_required(*VIEW_ROLES)
def chart_csv(name: str):
    if name not in CHARTS:
        abort(404)
    values = _values()
    try:
        flt = _filter(values)
    except ExportError:
        abort(400)
    data = build_chart(name, flt, current_user, current_app.config["DISPLAY_TIMEZONE"], utcnow())
    audit_export(f"report_{name}", "csv", flt.to_params(), current_user, rows=len(data["rows"]))
    return send_csv(f"report_{name}_{values['from']}_{values['to']}.csv", data["headers"],
                    data["rows"])
