"""Platform adapters behind one interface, and the registry {"vk": ..., "ok": ..., "telegram": ...,
"max": ...}."""
from types import SimpleNamespace

from helpdesk.inbox.adapters.base import ChannelAdapter
from helpdesk.inbox.adapters.max import MaxAdapter
from helpdesk.inbox.adapters.ok import OkAdapter
from helpdesk.inbox.adapters.telegram import TelegramAdapter
from helpdesk.inbox.adapters.vk import VkAdapter

ADAPTERS: dict[str, type[ChannelAdapter]] = {
    "vk": VkAdapter, "ok": OkAdapter, "telegram": TelegramAdapter, "max": MaxAdapter,
}


def snapshot(channel) -> SimpleNamespace:
    """A detached copy of a channel's settings, safe to use outside a transaction or thread."""
    values = {column.key: getattr(channel, column.key) for column in channel.__table__.columns}
    values["kind_label"] = getattr(channel, "kind_label", channel.kind)
    return SimpleNamespace(**values)


def adapter_for(channel) -> ChannelAdapter:
    """The adapter of a channel (anything with kind/token/secret/api_base/... attributes)."""
    return ADAPTERS[channel.kind](channel)


__all__ = ["ADAPTERS", "ChannelAdapter", "adapter_for", "snapshot"]
