"""Admin pages: deadline policies, working hours, the working calendar (canned responses:
helpdesk.settings.canned_views)."""
from datetime import date
from functools import partial

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import extract, select

from helpdesk.access import roles_required
from helpdesk.deadlines import store
from helpdesk.deadlines.calendar import federal_days
from helpdesk.extensions import db
from helpdesk.models.deadlines import CalendarDay
from helpdesk.models.setting import get_setting
from helpdesk.models.user import Role
from helpdesk.settings import bp, services
from helpdesk.settings.forms import MAX_YEAR, MIN_YEAR
from helpdesk.settings.forms import (AppealPolicyForm, CalendarDayForm, CommentPolicyForm,
                                     EmptyForm, HoursForm, MessagePolicyForm)
from helpdesk.web.boundary import back_on_user_error, flashed, on_user_error, refused

admin_only = roles_required(Role.ADMIN)


@bp.route("/deadlines", methods=["GET", "POST"])
@admin_only
def deadlines():
    """Both clock policies and the working hours."""
    policies = store.load_policies()
    hours = {**store.DEFAULT_HOURS, **(get_setting(store.HOURS_KEY) or {})}
    which = request.form.get("form") if request.method == "POST" else None
    message = MessagePolicyForm(prefix="m", data=None if which == "message" else policies.message.to_params())
    appeal = AppealPolicyForm(prefix="a", data=None if which == "appeal" else policies.appeal.to_params())
    comment = CommentPolicyForm(prefix="c", data=None if which == "comment" else policies.comment.to_params())
    hours_form = HoursForm(prefix="h", data=None if which == "hours" else hours)
    page = partial(_deadlines_page, message, appeal, comment, hours_form)
    status = 200
    if which:
        form = {"message": message, "appeal": appeal, "comment": comment,
                "hours": hours_form}.get(which)
        if form is None:
            abort(400)
        if form.validate_on_submit():
            on_user_error(flashed(partial(page, 400)))
            count = _save_deadlines(which, form)
            flash(f"Сохранено. Сроки пересчитаны для открытых обращений: {count}.", "success")
            return redirect(url_for("settings.deadlines"))
        status = 400
    return page(status)


def _save_deadlines(which: str, form) -> int:
    """Save the working hours or a clock policy; the number of tickets whose clocks changed."""
    if which == "hours":
        return services.save_hours(current_user, form.start.data, form.end.data)
    params = {k: v for k, v in form.data.items() if k != "csrf_token"}
    if "first_response_hours" in params:
        params["first_response_hours"] = float(params["first_response_hours"])
    if params.get("max_extension_days") is None and which == "appeal":
        params["max_extension_days"] = 0
    return services.save_policy(current_user, which, params)


def _deadlines_page(message, appeal, comment, hours_form, status: int):
    return render_template("settings/deadlines.html", message=message, appeal=appeal,
                           comment=comment, hours=hours_form), status


@bp.route("/calendar", methods=["GET", "POST"])
@admin_only
def calendar():
    """Special days of the working calendar for a year, and the form to add or change one."""
    typed = request.args.get("year", "").strip() or str(date.today().year)
    year = int(typed) if typed.isascii() and typed.isdigit() else None  # «abc» is no year
    status = 200
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        flash(f"Календарь ведётся на {MIN_YEAR}–{MAX_YEAR} годы: показан текущий год", "danger")
        year, status = date.today().year, 400
    form = CalendarDayForm()
    if request.method == "POST":
        if form.validate_on_submit():
            on_user_error(flashed(partial(_calendar_page, form, year, 400)))
            count = services.save_day(current_user, form.day.data, form.kind.data,
                                      form.name.data or "", form.source.data or "",
                                      form.confirmed.data)
            flash(f"День сохранён. Пересчитано обращений: {count}.", "success")
            return redirect(url_for("settings.calendar", year=form.day.data.year))
        status = 400
    return _calendar_page(form, year, status)


def _calendar_page(form, year: int, status: int):
    days = db.session.scalars(select(CalendarDay).where(extract("year", CalendarDay.day) == year)
                              .order_by(CalendarDay.day)).all()
    return render_template("settings/calendar.html", days=days, form=form, year=year,
                           federal=federal_days(year, store.load_calendar()),
                           min_year=MIN_YEAR, max_year=MAX_YEAR,
                           button=EmptyForm()), status


@bp.route("/calendar/<day>/delete", methods=["POST"])
@admin_only
def calendar_delete(day: str):
    """Remove a special day."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    back_on_user_error(url_for("settings.calendar", year=parsed.year))
    services.delete_day(current_user, parsed)
    flash("День удалён из календаря.", "success")
    return redirect(url_for("settings.calendar", year=parsed.year))
