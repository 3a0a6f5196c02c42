"""`flask deadlines ...`: compute due times from the command line (same functions as the app)."""
import json
from datetime import datetime

import click
from flask.cli import AppGroup
from sqlalchemy.exc import SQLAlchemyError

from helpdesk.deadlines.clocks import compute_due, to_utc

deadlines_cli = AppGroup("deadlines", help="Сроки ответа: расчёт и справочники.")


def _parse_iso(value: str | None, param: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"не дата ISO 8601: {value!r}", param_hint=param) from None


def due_times_json(kind: str, received: datetime, registered: datetime | None,
                   extended_days: int, policies, calendar) -> dict:
    """The JSON document `calc` prints: due times in UTC and in local time."""
    clocks = compute_due(kind, received, registered, extended_days, policies, calendar)
    utc = {k: v.isoformat() if v else None for k, v in clocks.as_dict().items()}
    local = {k: calendar.local(v).isoformat() if v else None for k, v in clocks.as_dict().items()}
    return {
        "policy": kind,
        "received_at": received.isoformat(),
        "registered_at": registered.isoformat() if registered else None,
        "extended_days": extended_days,
        **utc,
        "timezone": calendar.tz_name,
        "local": local,
    }


@deadlines_cli.command("calc")
@click.option("--received", required=True, help="Время получения, ISO 8601 (без зоны — МСК)")
@click.option("--registered", default=None, help="Время регистрации обращения, ISO 8601")
@click.option("--policy", "kind", type=click.Choice(["message", "appeal", "comment"]), required=True)
@click.option("--extended-days", type=click.IntRange(min=0), default=0, show_default=True)
def calc(received, registered, kind, extended_days):
    """Print the due times of a ticket as JSON."""
    from helpdesk.deadlines.store import load_calendar, load_policies

    try:
        calendar, policies = load_calendar(), load_policies()
    except SQLAlchemyError as exc:
        reason = getattr(exc, "orig", None) or exc
        raise click.ClickException(f"нет таблиц сроков (flask db upgrade?): {reason}") from None
    if not calendar.overrides:
        # Without the table the answer silently ignores Tatarstan's days: say so.
        click.echo("внимание: календарь РТ пуст, выполните `flask deadlines seed`", err=True)
    received_at = to_utc(_parse_iso(received, "--received"), calendar)
    registered_at = _parse_iso(registered, "--registered")
    if registered_at is not None:
        registered_at = to_utc(registered_at, calendar)
    try:
        doc = due_times_json(kind, received_at, registered_at, extended_days, policies, calendar)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(doc, ensure_ascii=False, indent=2))


@deadlines_cli.command("seed")
def seed():
    """Create the default policies and Tatarstan's days (keeps existing rows)."""
    from helpdesk.deadlines.store import seed_defaults

    added = seed_defaults()
    click.echo(f"добавлено записей: {added}")
