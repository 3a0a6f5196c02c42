"""`flask export ...`: the same exports as the pages, written to a file."""
import click
from flask.cli import AppGroup

from helpdesk.exports.services import export_to_file

export_cli = AppGroup("export", help="Выгрузки для контроля исполнения.")
_FORMAT = click.Choice(["csv", "xlsx"])


def _run(kind: str, fmt: str, params: dict, output: str) -> None:
    try:
        count = export_to_file(kind, fmt, params, output)
    except OSError as exc:
        raise click.ClickException(f"не удалось записать {output}: {exc.strerror}") from None
    click.echo(f"{count} rows → {output}")


@export_cli.command("response-times")
@click.option("--from", "date_from", required=True, help="ГГГГ-ММ-ДД")
@click.option("--to", "date_to", required=True, help="ГГГГ-ММ-ДД")
@click.option("--format", "fmt", type=_FORMAT, required=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--department", default=None, help="ID подразделения")
@click.option("--channel", default=None, help="slug канала")
def response_times_command(date_from, date_to, fmt, output, department, channel):
    """One row per ticket received in the period."""
    _run("response_times", fmt, {"date_from": date_from, "date_to": date_to,
                                 "department_id": department, "channel_slug": channel}, output)


@export_cli.command("events")
@click.option("--from", "date_from", required=True)
@click.option("--to", "date_to", required=True)
@click.option("--format", "fmt", type=_FORMAT, required=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True))
@click.option("--department", default=None)
@click.option("--channel", default=None)
def events_command(date_from, date_to, fmt, output, department, channel):
    """Every action on tickets in the period, with its time."""
    _run("events", fmt, {"date_from": date_from, "date_to": date_to,
                         "department_id": department, "channel_slug": channel}, output)


@export_cli.command("sstu")
@click.option("--month", required=True, help="ГГГГ-ММ")
@click.option("--format", "fmt", type=_FORMAT, required=True)
@click.option("--output", required=True, type=click.Path(dir_okay=False, writable=True))
def sstu_command(month, fmt, output):
    """The monthly ССТУ summary."""
    _run("sstu", fmt, {"month": month}, output)
