"""Channel administration used by the admin page and the CLI (flush; the caller commits)."""
import re
import secrets
from urllib.parse import urlsplit

from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models import Channel
from helpdesk.models.channel import ChannelKind
from helpdesk.errors import UserError

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_SECRET = re.compile(r"^[A-Za-z0-9_-]{5,256}$")  # what POST /subscriptions accepts
MODES = ("webhook", "poll")
EDITABLE = ("name", "group_id", "confirmation", "api_base", "mode", "auto_ack")


class ChannelError(UserError):
    """A channel setting that cannot be accepted (Russian message)."""


def _forget() -> None:
    from helpdesk.inbox.webhooks import forget_channels

    forget_channels()


def _check(kind: str, mode: str, api_base: str, group_id) -> None:
    if kind not in {k.value for k in ChannelKind}:
        raise ChannelError("Неизвестная платформа")
    if mode not in MODES:
        raise ChannelError("Режим: webhook или poll")
    if mode == "poll" and kind == ChannelKind.OK:
        raise ChannelError("Одноклассники доставляют сообщения только через вебхук")
    if api_base:
        parts = urlsplit(api_base)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
            raise ChannelError("Адрес API: http(s)://хост[:порт]")
    if kind == ChannelKind.VK and not str(group_id or "").isdigit():
        raise ChannelError("Для ВКонтакте нужен числовой ID сообщества")


def _check_secret(kind: str, secret: str) -> None:
    if kind == ChannelKind.MAX and secret and not MAX_SECRET.match(secret):
        raise ChannelError("Секрет для MAX: от 5 до 256 латинских букв, цифр, «-» и «_»")


def create_channel(kind: str, slug: str, token: str, *, name: str = "", group_id=None,
                   secret: str | None = None, confirmation: str = "", api_base: str = "",
                   mode: str = "webhook", auto_ack: bool = True, actor=None) -> Channel:
    """Add a channel; a webhook secret is generated when none is given."""
    slug = (slug or "").strip().lower()
    if not SLUG.match(slug):
        raise ChannelError("Код канала: латинские буквы, цифры, дефис (до 64 символов)")
    if not (token or "").strip():
        raise ChannelError("Нужен токен доступа")
    _check(kind, mode, api_base or "", group_id)
    _check_secret(kind, secret or "")
    if db.session.scalar(select(Channel.id).where(Channel.slug == slug)):
        raise ChannelError("Канал с таким кодом уже есть")
    channel = Channel(kind=kind, slug=slug, name=(name or slug)[:200], token=token.strip(),
                      secret=secret or secrets.token_urlsafe(24), confirmation=confirmation or "",
                      group_id=str(group_id) if group_id else None,
                      api_base=(api_base or "").rstrip("/"), mode=mode, auto_ack=auto_ack,
                      active=True, poll_state={})
    db.session.add(channel)
    db.session.flush()
    _forget()
    record("channel_created", actor=actor, object_type="channel", object_id=str(channel.id),
           details={"kind": kind, "slug": slug, "mode": mode})
    return channel


def update_channel(channel: Channel, *, token: str = "", secret: str = "", actor=None,
                   **fields) -> Channel:
    """Change the named settings; token and secret change only when a new value is given."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ChannelError(f"Неизвестные поля: {', '.join(sorted(unknown))}")
    merged = {key: getattr(channel, key) for key in EDITABLE} | fields
    _check(channel.kind, merged["mode"], merged["api_base"] or "", merged["group_id"])
    for key, value in fields.items():
        setattr(channel, key, value.rstrip("/") if key == "api_base" and value else value)
    if token.strip():
        channel.token = token.strip()
    if secret.strip():
        _check_secret(channel.kind, secret.strip())
        channel.secret = secret.strip()
    db.session.flush()
    _forget()
    record("channel_updated", actor=actor, object_type="channel", object_id=str(channel.id),
           details={"fields": sorted(fields), "token_changed": bool(token.strip()),
                    "secret_changed": bool(secret.strip())})
    return channel


def set_active(channel: Channel, active: bool, actor=None) -> None:
    """Switch a channel on or off (off: webhooks answer 404, nothing is sent)."""
    channel.active = active
    db.session.flush()
    _forget()
    record("channel_activated" if active else "channel_deactivated", actor=actor,
           object_type="channel", object_id=str(channel.id))


def webhook_path(channel: Channel) -> str | None:
    """The path to configure at the platform (None for polled channels)."""
    if channel.mode != "webhook":
        return None
    if channel.kind == ChannelKind.OK:
        return f"/webhooks/ok/{channel.slug}/{channel.webhook_token}"
    return f"/webhooks/{channel.kind}/{channel.slug}"
