"""Plain data passed between the platform adapters and ingest (no ORM, no Flask)."""
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class IncomingAttachment:
    """A file attached to a citizen's message, not yet downloaded."""

    kind: str            # photo | document | voice | other
    source: str          # a platform URL or a file id (Telegram)
    name: str = ""
    mime_type: str = ""
    size: int | None = None


@dataclass(frozen=True)
class IncomingMessage:
    """One citizen message as the platform described it, with both dedupe keys."""

    event_key: str                 # unique per delivery (VK event_id, OK mid, TG update_id)
    message_key: str               # unique per message (PLATFORMS.md "message key")
    external_user_id: str
    reply_address: str             # VK peer_id, OK chat id, Telegram chat id
    text: str
    sent_at: datetime
    external_id: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""
    username: str = ""
    attachments: tuple[IncomingAttachment, ...] = field(default_factory=tuple)
    cropped: bool = False          # the platform sent only part of it: fetch the rest first

    def __post_init__(self) -> None:
        # NUL can arrive in platform text but cannot be stored in PostgreSQL text columns.
        for name in ("text", "display_name", "first_name", "last_name", "username"):
            value = getattr(self, name)
            if "\x00" in value:
                object.__setattr__(self, name, value.replace("\x00", ""))


@dataclass(frozen=True)
class Profile:
    """A platform account's name as its profile gives it (VK users.get); `deactivated` is the
    platform's reason when the account is deleted or banned (then the name is not used)."""

    first_name: str = ""
    last_name: str = ""
    deactivated: str = ""

    def __post_init__(self) -> None:
        for name in ("first_name", "last_name"):
            value = " ".join(getattr(self, name).replace("\x00", "").split())[:150]
            object.__setattr__(self, name, value)

    @property
    def display_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)[:300]

    @property
    def usable(self) -> bool:
        return not self.deactivated and bool(self.display_name)


@dataclass(frozen=True)
class Parsed:
    """What a delivery is: an event to store (event_key) or an immediate answer (reply)."""

    event_key: str | None = None
    messages: tuple[IncomingMessage, ...] = ()
    reply: str | None = None


class DeliveryError(Exception):
    """A failed send, classified: retryable (maybe after `retry_after` s) or permanent."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason[:500]
        self.retryable = retryable
        self.retry_after = retry_after
