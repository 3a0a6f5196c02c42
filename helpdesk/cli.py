"""Flask commands: they call the same services as the views, each command in one transaction."""
import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from helpdesk.admin.services import seed_departments
from helpdesk.auth.services import create_user, reset_password
from helpdesk.database.transaction import transaction
from helpdesk.errors import UserError
from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.user import Role, User
from helpdesk.registry import registry

users_cli = AppGroup("users", help="Учётные записи сотрудников.")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--department", "department_name", default=None, help="Название подразделения")
@click.option("--full-name", default="")
@click.option("--password-stdin", is_flag=True, help="Прочитать пароль из стандартного ввода")
def users_create(username, role, department_name, full_name, password_stdin):
    """Create a user; without --password-stdin a one-time password is printed."""
    department = None
    if department_name:
        department = db.session.scalar(select(Department).where(Department.name == department_name))
        if department is None:
            raise click.ClickException(f"нет подразделения «{department_name}»")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    if password_stdin and len(password or "") < 10:
        raise click.ClickException("пароль короче 10 символов")
    user, issued = create_user(username, role, password, full_name=full_name,
                               department=department, must_change=not password_stdin)
    click.echo(f"создан пользователь {user.username} ({user.role})")
    if not password_stdin:
        click.echo(f"одноразовый пароль: {issued}")


@users_cli.command("reset-password")
@click.argument("username")
def users_reset_password(username):
    """Issue a new one-time password for a user."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"нет пользователя {username}")
    password = reset_password(user, actor=None)
    click.echo(f"одноразовый пароль для {username}: {password}")


@users_cli.command("list")
def users_list():
    """List users."""
    for user in db.session.scalars(select(User).order_by(User.username)):
        dept = user.department.name if user.department else "-"
        click.echo(f"{user.username}\t{user.role}\t{dept}\t{'active' if user.active else 'off'}")


@click.command("seed")
def seed():
    """Create reference data that is missing (departments, policies, routing defaults)."""
    created = seed_departments()
    for seeder in registry().seeders:  # deadline policies and calendar, routing defaults
        seeder()
    click.echo(f"справочники готовы (новых подразделений: {created})")


@click.command("demo-admin")
def demo_admin():
    """In demo mode: create the first admin once and print its one-time password."""
    exists = db.session.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1))
    if exists:
        click.echo("Администратор уже создан. Новый пароль: flask users reset-password admin")
        return
    user, password = create_user("admin", Role.ADMIN, must_change=True, full_name="Администратор")
    db.session.flush()
    click.echo("=" * 64)
    click.echo(f"  Администратор: {user.username}   одноразовый пароль: {password}")
    click.echo("  (при первом входе система попросит сменить пароль)")
    click.echo("=" * 64)


def run_in_transactions(app: Flask) -> None:
    """Every project command runs in one transaction (committed when it succeeds, rolled back
    when it fails), shows a user error as its message, and answers a missing or unmigrated
    database with one clear line instead of a traceback (Flask-Migrate's own `db` commands are
    left as they are)."""
    for command in _commands(app.cli):
        if command.callback is not None and command.callback.__module__.startswith("helpdesk"):
            command.callback = _in_transaction(command.callback)


def _commands(group: click.Group):
    for command in group.commands.values():
        if isinstance(command, click.Group):
            yield from _commands(command)
        else:
            yield command


def _in_transaction(callback):
    import functools

    from sqlalchemy.exc import OperationalError, ProgrammingError

    @functools.wraps(callback)
    def run(*args, **kwargs):
        try:
            with transaction():
                return callback(*args, **kwargs)
        except UserError as exc:
            raise click.ClickException(str(exc)) from None
        except (OperationalError, ProgrammingError) as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else exc.__class__.__name__
            raise click.ClickException(
                f"база данных недоступна или не обновлена ({reason}); проверьте DATABASE_URL "
                "и выполните `flask db upgrade`") from None
    return run
