"""`flask inbox ...`: polling, sweeping and working, the same services as the workers."""
import signal
import threading

import click
from flask.cli import AppGroup

inbox_cli = AppGroup("inbox", help="Приём и отправка сообщений.")


@inbox_cli.command("poll")
@click.argument("slug")
@click.option("--wait", default=25, show_default=True, help="Секунд ожидания long poll")
@click.option("--rounds", default=None, type=int, help="Число опросов (по умолчанию — бесконечно)")
def inbox_poll(slug, wait, rounds):
    """Poll a VK, Telegram or MAX channel (for deployments without a public URL)."""
    from helpdesk.inbox.poller import PollError, channel_by_slug, run

    channel = channel_by_slug(slug)
    if channel is None:
        raise click.ClickException(f"нет активного канала {slug}")
    stop = _stop_on_signals()
    click.echo(f"опрос канала {slug}; Ctrl+C — остановить")
    try:
        total = run(channel.id, wait=wait, stop=stop, rounds=rounds)
    except PollError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"получено событий: {total}")


@inbox_cli.command("sweep")
def inbox_sweep():
    """One pass of the sweeper: pending events, due replies, attachments, unrouted tickets,
    names of new VK citizens."""
    from helpdesk.inbox.jobs import sweep

    counts = sweep()
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@inbox_cli.command("names")
@click.option("--limit", default=1000, show_default=True, help="Сколько граждан запросить")
def inbox_names(limit):
    """Ask VK (users.get) for the names of citizens still shown as «VK id…», older ones too."""
    from helpdesk.inbox.profiles import backfill_names

    asked, named = backfill_names(limit)
    click.echo(f"запрошено: {asked}, получено имён: {named}")


@inbox_cli.command("work")
@click.option("--interval", default=1.0, show_default=True)
def inbox_work(interval):
    """Run the sender and sweeper in a loop (a worker without Celery)."""
    from helpdesk.inbox.jobs import work

    work(_stop_on_signals(), interval)


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    return stop
