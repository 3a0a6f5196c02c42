"""One face for the platform fakes in tests: send a citizen message in, read what the bot sent."""
from dataclasses import dataclass

from helpdesk.channels.services import webhook_path
from helpdesk.models import Channel


@dataclass
class Platform:
    kind: str
    fake: object
    channel: Channel
    live_url: str
    webhook_url: str = ""

    def __post_init__(self) -> None:
        mode, self.channel.mode = self.channel.mode, "webhook"  # the URL of either mode
        self.webhook_url = self.live_url + webhook_path(self.channel)
        self.channel.mode = mode

    def event(self, user: int, text: str, image: bytes | None = None) -> dict:
        """A platform payload carrying one citizen message."""
        if self.kind == "vk":
            attachments = [self.fake.photo(image)] if image else None
            return self.fake.message_event(user, text, attachments)
        if self.kind == "telegram":
            return self.fake.message_update(user, text, photo=image)
        if self.kind == "max":
            return self.fake.message_created(user, text, image=image)
        return self.fake.message_created(str(user), str(user), text, image=image)

    def post(self, payload: dict, timeout: float = 30):
        """Deliver a payload to the app's webhook as the platform does."""
        if self.kind == "vk":
            return self.fake.post_callback(self.webhook_url, payload, timeout=timeout)
        if self.kind == "telegram":
            return self.fake.post_webhook(self.webhook_url, payload, "tg-secret-123",
                                          timeout=timeout)
        if self.kind == "max":
            return self.fake.post_webhook(self.webhook_url, payload, "max-secret-123",
                                          timeout=timeout)
        return self.fake.post_webhook(self.webhook_url, payload, timeout=timeout)

    def sent_to(self, user: int) -> list[str]:
        """Texts the bot sent to this citizen (each distinct delivery once)."""
        return self.fake.sent_to(user if self.kind != "ok" else str(user))

    def reply_address(self, user: int) -> str:
        """Where the platform's replies to this citizen go, as the adapter records it."""
        if self.kind == "ok":
            return f"chat:{user}"
        if self.kind == "max":  # the user for POST /messages, the dialog for GET /messages
            return f"{user}:{self.fake.chat_for(user)}"
        return str(user)

    @property
    def success_body(self) -> str:
        return "ok"
