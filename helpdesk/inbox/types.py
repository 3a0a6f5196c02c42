"""Plain data passed between the platform adapters and ingest (no ORM, no Flask)."""
from dataclasses import dataclass, field
from datetime import datetime

from helpdesk.inbox import normalise

ATTACHMENT_KINDS = ("photo", "document", "voice", "other")
# Column widths of what ingest stores (Message, Citizen, Attachment).
KEY_LIMIT, NAME_LIMIT, PART_LIMIT, MIME_LIMIT = 128, 300, 150, 100
LINK_LIMIT = 500  # Post.link


def _clean_fields(obj, limits: dict) -> None:
    """Every text field as clean text within its column (None: no limit), set on a frozen obj."""
    for name, limit in limits.items():
        object.__setattr__(obj, name, normalise.text(getattr(obj, name), limit))


@dataclass(frozen=True)
class IncomingAttachment:
    """A file attached to a citizen's message, not yet downloaded."""

    kind: str            # photo | document | voice | other
    source: str          # a platform URL or a file id (Telegram)
    name: str = ""
    mime_type: str = ""
    size: int | None = None

    def __post_init__(self) -> None:
        _clean_fields(self, {"source": None, "name": NAME_LIMIT, "mime_type": MIME_LIMIT})
        if self.kind not in ATTACHMENT_KINDS:
            object.__setattr__(self, "kind", "other")
        object.__setattr__(self, "size", normalise.size(self.size))


COMMENT_ACTIONS = ("new", "edit", "delete", "restore")


@dataclass(frozen=True)
class IncomingPost:
    """A post of the official page that comments are written under (text and link when the
    delivery carries them; VK comment events carry only the post's id)."""

    key: str                       # VK "owner_post", Telegram "group chat id:thread id"
    text: str = ""
    link: str = ""

    def __post_init__(self) -> None:
        _clean_fields(self, {"key": KEY_LIMIT, "text": None, "link": LINK_LIMIT})


@dataclass(frozen=True)
class CommentInfo:
    """What makes a message a public comment: its post, the comment it answers, and whether
    the delivery is the comment itself or its author's edit, deletion or restoration."""

    post: IncomingPost
    action: str = "new"            # one of COMMENT_ACTIONS
    reply_to: str = ""             # the platform id of the parent comment, if any

    def __post_init__(self) -> None:
        _clean_fields(self, {"reply_to": KEY_LIMIT})
        if self.action not in COMMENT_ACTIONS:
            raise ValueError(f"unknown comment action {self.action!r}")


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
    comment: CommentInfo | None = None  # a public comment under a post, not a direct message

    def __post_init__(self) -> None:
        # Whatever an adapter passes on, ingest can store: clean text cut to its column, a
        # sane time, attachments of the one type (see helpdesk.inbox.normalise).
        _clean_fields(self, {"event_key": KEY_LIMIT, "message_key": KEY_LIMIT,
                             "external_user_id": KEY_LIMIT, "reply_address": KEY_LIMIT,
                             "text": None, "external_id": KEY_LIMIT,
                             "display_name": NAME_LIMIT, "first_name": PART_LIMIT,
                             "last_name": PART_LIMIT, "username": PART_LIMIT})
        if not isinstance(self.sent_at, datetime) or self.sent_at.tzinfo is None:
            object.__setattr__(self, "sent_at", normalise.timestamp(None))
        object.__setattr__(self, "attachments", tuple(
            a for a in self.attachments if isinstance(a, IncomingAttachment)))
        object.__setattr__(self, "cropped", bool(self.cropped))


@dataclass(frozen=True)
class Profile:
    """A platform account's name as its profile gives it (VK users.get); `deactivated` is the
    platform's reason when the account is deleted or banned (then the name is not used)."""

    first_name: str = ""
    last_name: str = ""
    deactivated: str = ""

    def __post_init__(self) -> None:
        for name in ("first_name", "last_name"):
            value = " ".join(normalise.text(getattr(self, name)).split())[:PART_LIMIT]
            object.__setattr__(self, name, value)
        object.__setattr__(self, "deactivated", normalise.text(self.deactivated, 100))

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
    posts: tuple[IncomingPost, ...] = ()  # posts to remember (a channel post's first delivery)

    def __post_init__(self) -> None:
        for name, limit in (("event_key", KEY_LIMIT), ("reply", None)):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, normalise.text(getattr(self, name), limit))


class DeliveryError(Exception):
    """A failed send, classified: retryable (maybe after `retry_after` s) or permanent."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason[:500]
        self.retryable = retryable
        self.retry_after = retry_after


class ReplyTargetGone(DeliveryError):
    """The comment a public reply answers was deleted (Telegram says so only when asked)."""

    def __init__(self, reason: str):
        super().__init__(reason, retryable=False)


@dataclass(frozen=True)
class OutgoingFile:
    """A file of a staff reply, stored on disk, on its way to the citizen."""

    key: str        # the attachment's id: names its steps in SendSteps
    path: str
    name: str
    mime_type: str  # proven by the bytes when the reply was written (helpdesk.inbox.reply_files)
    size: int = 0


class SendSteps:
    """What a multi-step send (uploads, then one or more messages) has already done, kept by the
    outbox across tries: a retry repeats only the steps not yet done, so a file the platform
    accepted is neither uploaded nor sent again. `pace()` waits for the platform's send
    throttle before each message."""

    def get(self, step: str) -> str | None:
        raise NotImplementedError

    def done(self, step: str, value: str) -> None:
        raise NotImplementedError

    def pace(self) -> None:
        raise NotImplementedError
