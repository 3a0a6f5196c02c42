"""`flask channels ...`: the same services as the channel admin page."""
import click
from flask.cli import AppGroup
from sqlalchemy import select

from helpdesk.channels.services import create_channel, webhook_path
from helpdesk.extensions import db
from helpdesk.models import Channel

channels_cli = AppGroup("channels", help="Каналы: сообщества ВКонтакте, Одноклассники, боты Telegram и MAX.")


@channels_cli.command("add")
@click.option("--kind", type=click.Choice(["vk", "ok", "telegram", "max"]), required=True)
@click.option("--slug", required=True)
@click.option("--token", required=True, help="Токен доступа (нигде не показывается)")
@click.option("--group-id", default=None)
@click.option("--secret", default=None, help="Секрет вебхука (по умолчанию создаётся)")
@click.option("--confirmation", default="", help="Строка подтверждения VK Callback API")
@click.option("--api-base", default="", help="Базовый адрес API (по умолчанию — платформы)")
@click.option("--mode", type=click.Choice(["webhook", "poll"]), default="webhook")
@click.option("--name", default="")
@click.option("--no-ack", is_flag=True, help="Не отправлять автоматическое подтверждение")
def channels_add(kind, slug, token, group_id, secret, confirmation, api_base, mode, name, no_ack):
    """Add a channel."""
    channel = create_channel(kind, slug, token, name=name, group_id=group_id, secret=secret,
                             confirmation=confirmation, api_base=api_base, mode=mode,
                             auto_ack=not no_ack)
    click.echo(f"канал {channel.slug} ({channel.kind}, {channel.mode}) создан")
    path = webhook_path(channel)
    if path:
        click.echo(f"адрес вебхука: <базовый адрес сайта>{path}")
    if kind == "vk" and not secret and mode == "webhook":
        click.echo(f"секретный ключ для настроек Callback API: {channel.secret}")


@channels_cli.command("list")
def channels_list():
    """List channels (tokens and secrets are never printed)."""
    for ch in db.session.scalars(select(Channel).order_by(Channel.slug)):
        state = "активен" if ch.active else "отключён"
        ack = "подтверждение" if ch.auto_ack else "без подтверждения"
        token = "токен задан" if ch.token else "нет токена"
        click.echo(f"{ch.slug}\t{ch.kind}\t{ch.mode}\t{state}\t{ack}\t{token}\t"
                   f"{ch.api_base or 'платформа'}")


@channels_cli.command("register-webhook")
@click.argument("slug")
@click.option("--base-url", required=True, help="Публичный адрес сайта, например https://help.example")
def channels_register_webhook(slug, base_url):
    """Tell Telegram (setWebhook with the secret), MAX (POST /subscriptions with the secret) or
    OK (subscribe) where to deliver."""
    from helpdesk.inbox.adapters import adapter_for
    from helpdesk.inbox.adapters.telegram import TelegramError
    from helpdesk.inbox.types import DeliveryError

    channel = db.session.scalar(select(Channel).where(Channel.slug == slug))
    if channel is None or channel.mode != "webhook":
        raise click.ClickException(f"нет канала {slug} в режиме вебхука")
    url = base_url.rstrip("/") + webhook_path(channel)
    adapter = adapter_for(channel)
    try:
        if channel.kind == "telegram":
            adapter.call("setWebhook", {"url": url, "secret_token": channel.secret,
                                        # edited_message: comments edited in the
                                        # channel's discussion group (README, comments)
                                        "allowed_updates": ["message", "edited_message"]})
        elif channel.kind == "max":
            answer = adapter.subscribe(url)
            if answer.get("success") is not True:
                raise click.ClickException(f"MAX отказал: {answer.get('message', answer)}")
        elif channel.kind == "ok":
            answer = adapter.subscribe(url)
            if not answer.get("success"):
                raise click.ClickException(f"OK отказал: {answer.get('error_msg', answer)}")
        else:
            raise click.ClickException("ВКонтакте: укажите адрес в настройках Callback API "
                                       f"сообщества: {base_url.rstrip('/')}"
                                       f"/webhooks/vk/{channel.slug}")
    except DeliveryError as exc:
        raise click.ClickException(f"платформа не приняла адрес: {exc.reason}") from None
    except (TelegramError, OSError, ValueError) as exc:
        raise click.ClickException(f"платформа не приняла адрес: {exc.__class__.__name__}") from None
    click.echo(f"вебхук канала {slug} зарегистрирован")
