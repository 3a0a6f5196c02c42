"""The interface every platform adapter implements; shared HTTP helpers."""
import hmac
from datetime import datetime
from fnmatch import fnmatch
from urllib.parse import urlsplit

import requests

from helpdesk.inbox.types import (DeliveryError, IncomingMessage, IncomingPost, OutgoingFile,
                                  Parsed, Profile, SendSteps)

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 20.0
UPLOAD_TIMEOUT = 120.0  # reading the answer to a file upload (up to the reply form's size cap)


class ChannelAdapter:
    """Parse deliveries, authenticate them, send replies and locate files for one channel."""

    kind = ""
    default_api_base = ""
    text_limit = 4096
    # Hosts the platform serves files from in production (besides the API host itself).
    file_hosts: tuple[str, ...] = ()
    # True when deliveries carry no name and profiles() must be asked (VK Callback API).
    fetches_profiles = False
    # How a webhook delivery proves where it comes from. By default from the headers and the
    # path alone, checked before the body is parsed; `secret_header` names a header that must
    # be present (401 without it). `secret_in_body`: a field of the JSON body (VK), checked
    # after the bounded parse (helpdesk.inbox.normalise.load_json).
    secret_header = ""
    secret_in_body = False

    def __init__(self, channel) -> None:
        self.channel = channel

    @property
    def api_base(self) -> str:
        return (self.channel.api_base or self.default_api_base).rstrip("/")

    def authenticate(self, payload, headers, path_token: str | None = None) -> bool:
        """True when the delivery really comes from the platform. `payload` is None unless
        `secret_in_body`; then it is the parsed body, of any JSON type."""
        raise NotImplementedError

    def parse(self, payload: dict) -> Parsed:
        """The event key and messages of a delivery, built with helpdesk.inbox.normalise;
        raises only normalise.MALFORMED errors (the raw delivery is then kept, ignored)."""
        raise NotImplementedError

    def complete(self, incoming: IncomingMessage) -> IncomingMessage:
        """The whole message when the delivery carried only part of it (VK `is_cropped`).
        Raises DeliveryError when the platform cannot be asked now."""
        return incoming

    def placeholder_name(self, external_user_id: str) -> str:
        """The name shown until the profile is known (only for fetches_profiles platforms)."""
        return ""

    def profiles(self, external_user_ids: list[str]) -> dict[str, Profile]:
        """The profiles of these accounts, by id (an id the platform does not know is absent).
        Raises DeliveryError when the platform cannot be asked now."""
        return {}

    def send(self, address: str, text: str, dedupe_id: int) -> str:
        """Send a text; returns the platform's message id or raises DeliveryError."""
        raise NotImplementedError

    # --- replies with files --------------------------------------------------------------
    # Raster types the platform takes as a photo; other files (and other images) go as documents.
    photo_types: frozenset[str] = frozenset({"image/jpeg", "image/png", "image/gif"})

    def as_photo(self, file: OutgoingFile) -> bool:
        return file.mime_type in self.photo_types

    def send_files(self, address: str, text: str, files: list[OutgoingFile], dedupe_id: int,
                   steps: SendSteps) -> str:
        """Send a text with files; returns the platform's message id or raises DeliveryError.

        By default (VK, OK, MAX): each file is uploaded once (its platform reference kept in
        `steps`, so a retry after a failure anywhere later reuses it instead of uploading
        again), then one message carries the text and every reference (send_attached)."""
        refs = []
        for file in files:
            ref = steps.get(f"upload:{file.key}")
            if ref is None:
                ref = self.upload(address, file)
                steps.done(f"upload:{file.key}", ref)
            refs.append(ref)
        steps.pace()
        return self.send_attached(address, text, refs, dedupe_id)

    def upload(self, address: str, file: OutgoingFile) -> str:
        """Upload one file for a message to `address`; returns what send_attached takes."""
        raise DeliveryError(f"{self.kind}: отправка файлов не поддерживается", retryable=False)

    def send_attached(self, address: str, text: str, refs: list[str], dedupe_id: int) -> str:
        """One message with the text and uploaded files (`refs` from upload)."""
        raise DeliveryError(f"{self.kind}: отправка файлов не поддерживается", retryable=False)

    def upload_allowed(self, url: str) -> bool:
        """An upload URL the platform handed out is on its own hosts (files with citizens' data
        never go elsewhere, nor does the token some platforms want with them)."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("http", "https") or not host or parts.username:
            return False
        netloc = f"{host}:{parts.port}" if parts.port else host
        return any(netloc == pattern or host == pattern or fnmatch(host, pattern)
                   for pattern in self.allowed_hosts())

    def post_file(self, url: str, field: str, file: OutgoingFile,
                  headers: dict | None = None) -> dict:
        """POST one file (multipart, `field`) to the platform's upload URL; its JSON answer."""
        if not self.upload_allowed(url):
            raise DeliveryError(f"{self.kind}: адрес загрузки не на сервере платформы",
                                retryable=False)
        try:
            with open(file.path, "rb") as fh:
                response = requests.post(
                    url, files={field: (file.name, fh, file.mime_type)}, headers=headers or {},
                    timeout=(CONNECT_TIMEOUT, UPLOAD_TIMEOUT), verify=self.verify,
                    allow_redirects=False)
        except OSError as exc:
            if isinstance(exc, requests.RequestException):
                raise http_error(exc) from None
            raise DeliveryError("файл вложения не найден на сервере", retryable=False) from None
        if response.status_code != 200:
            raise status_error(response.status_code, f"{self.kind}: загрузка файла")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise DeliveryError(f"{self.kind}: ответ на загрузку файла не разобран", retryable=True)
        return data

    def find_sent(self, address: str, text: str, since: datetime) -> list[str]:
        """Ids of messages with this text the bot already sent to `address` since `since`, oldest
        first: asked before a retry on platforms without an idempotency key, so a send whose
        answer was lost (timeout, worker killed) is not made twice. [] when it cannot be told.
        Raises DeliveryError when the platform cannot be asked now."""
        return []

    @property
    def verify(self) -> str | bool:
        """requests' `verify` for this platform's API and file hosts (never False)."""
        return True

    # Public comments (PLATFORMS.md "Public comments"): platforms without them refuse.
    def post_details(self, key: str) -> IncomingPost | None:
        """The text and link of a post the deliveries did not describe (None: unknown).
        Raises DeliveryError when the platform cannot be asked now."""
        return None

    def send_comment(self, key: str, reply_to: str, text: str, dedupe_id: int) -> str:
        """A public reply in the thread of post `key`, answering comment `reply_to` (or the
        post itself when empty); returns the platform's id or raises DeliveryError
        (ReplyTargetGone when the comment answered no longer exists)."""
        raise DeliveryError(f"{self.kind}: комментарии не поддерживаются", retryable=False)

    def hide_comment(self, key: str, comment_id: str) -> bool:
        """Delete a citizen's comment on the platform; False when it was already gone."""
        raise DeliveryError(f"{self.kind}: комментарии не поддерживаются", retryable=False)

    def file_url(self, source: str) -> str:
        """The URL to download an attachment from (a file id may need an API call)."""
        return source

    def allowed_hosts(self) -> set[str]:
        """Host names (host or host:port) attachments may be downloaded from."""
        hosts = {urlsplit(self.api_base).netloc.lower()}
        return hosts | set(self.file_hosts)


def same_secret(given, expected: str) -> bool:
    """Constant-time comparison; an empty expected secret never matches."""
    if not expected or not isinstance(given, str):
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                               expected.encode("utf-8", "surrogatepass"))


def http_error(exc: requests.RequestException) -> DeliveryError:
    """Network trouble is always worth another try."""
    return DeliveryError(f"сеть: {exc.__class__.__name__}", retryable=True)


def status_error(status: int, reason: str, retry_after: float | None = None) -> DeliveryError:
    """Classify an HTTP status: 429 and 5xx retry, other 4xx are permanent."""
    retryable = status == 429 or status >= 500 or status == 408
    return DeliveryError(f"HTTP {status}: {reason}", retryable=retryable, retry_after=retry_after)


def need(mapping, key: str):
    """A required field of a payload (ValueError names it when missing)."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise ValueError(f"missing field {key}")
    return mapping[key]
