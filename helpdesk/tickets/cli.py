"""`flask desk ...`: the periodic desk jobs on demand (the same functions the sweeper runs)."""
import click
from flask.cli import AppGroup

desk_cli = AppGroup("desk", help="Рабочее место: сводки сроков и эскалация просроченных.")


@desk_cli.command("digest")
@click.option("--force", is_flag=True, help="Сформировать, даже если сводка за сутки уже есть")
def digest(force):
    """Build each department's deadline digest (and e-mail it when SMTP_HOST is set)."""
    from helpdesk.tickets.digest import build_digests

    made = build_digests(force=force)
    for d in made:
        click.echo(f"{d.department.name}: просрочено {len(d.content['overdue'])}, "
                   f"срок истекает {len(d.content['soon'])}, писем {len(d.emailed_to)}")
    click.echo(f"сводок: {len(made)}")


@desk_cli.command("escalate")
def escalate():
    """Escalate newly overdue tickets to the press staff."""
    from helpdesk.tickets.digest import escalate_overdue

    count = escalate_overdue()
    click.echo(f"эскалировано: {count}")
