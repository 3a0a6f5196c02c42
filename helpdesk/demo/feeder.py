"""The demo stream: realistic messages delivered through the real webhook and long-poll paths."""
import logging
import random
import struct
import threading
import zlib

import requests

from helpdesk.demo.comments import CommentFeeder
from helpdesk.demo.messages import MESSAGES, PEOPLE, demo_user_id

log = logging.getLogger(__name__)


def tiny_png(width: int = 64, height: int = 48, seed: int = 0) -> bytes:
    """A small solid-colour PNG (a stand-in for a citizen's photo)."""
    rng = random.Random(seed)
    colour = bytes([rng.randrange(256) for _ in range(3)])
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _demo_pdf(text: str) -> bytes:
    """A one-page PDF-like file standing in for a citizen's scanned application."""
    return b"%PDF-1.4\n% demo\n" + text.encode("utf-8") + b"\n%%EOF\n"


COMMENT_SHARE = 0.3  # of the VK and Telegram deliveries: comments under the page's posts


class Feeder:
    """Sends one message every `interval` seconds through a random platform simulator; on VK
    and Telegram some are comments under the page's posts (helpdesk.demo.comments)."""

    def __init__(self, app, sims: dict, paths: dict, secrets: dict, app_url: str,
                 interval: tuple[float, float] = (20.0, 40.0)) -> None:
        self.app, self.sims, self.paths, self.secrets = app, sims, paths, secrets
        self.app_url, self.interval = app_url.rstrip("/"), interval
        self.stop = threading.Event()
        self.rng = random.Random()
        self.comments = CommentFeeder(sims, lambda update: self._post(
            "telegram", update, {"X-Telegram-Bot-Api-Secret-Token": self.secrets["telegram"]}),
            self.rng)

    def start(self) -> "Feeder":
        threading.Thread(target=self._run, name="demo-feeder", daemon=True).start()
        return self

    def _run(self) -> None:
        self.stop.wait(min(5.0, self.interval[0]) if self.interval[0] < 60 else self.interval[0])
        while not self.stop.is_set():
            try:
                self.send_one()
            except Exception:  # the demo keeps going
                log.exception("demo message failed")
            self.stop.wait(self.rng.uniform(*self.interval))

    def send_one(self, kind: str | None = None, comment: bool | None = None) -> str:
        """Deliver one invented message or comment; returns the platform used."""
        kind = kind or self.rng.choice(sorted(self.sims))
        sim, text = self.sims[kind], self.rng.choice(MESSAGES)
        person = self.rng.randrange(len(PEOPLE))
        user, (first, last) = demo_user_id(person), PEOPLE[person]
        if comment is None:
            comment = self.rng.random() < COMMENT_SHARE
        if comment and kind in ("vk", "telegram"):
            self.comments.send(kind, user, first, last)
            return kind
        image = tiny_png(seed=self.rng.randrange(1000)) if self.rng.random() < 0.15 else None
        if kind == "vk":  # VK delivers only the id: the name comes from users.get
            attachments = [sim.photo(image, "image/png")] if image else None
            sim.push_longpoll(sim.message_event(user, text, attachments))
        elif kind == "max":  # MAX delivers by long polling in the demo
            document = (_demo_pdf(text), "заявление.pdf", "application/pdf") \
                if image is None and self.rng.random() < 0.1 else None
            sim.push_update(sim.message_created(user, text, first_name=first, last_name=last,
                                                image=image, document=document))
        elif kind == "telegram":
            update = sim.message_update(user, text, first_name=first, last_name=last,
                                        photo=image)
            self._post(kind, update, {"X-Telegram-Bot-Api-Secret-Token": self.secrets[kind]})
        else:
            payload = sim.message_created(str(user), str(user), text, name=f"{first} {last}",
                                          image=image)
            self._post(kind, payload, {})
        return kind

    def _post(self, kind: str, payload: dict, headers: dict) -> None:
        """POST to the running app; without a listening server, through the same view in-process."""
        path = self.paths[kind]
        for _ in range(5):
            try:
                status = requests.post(self.app_url + path, json=payload, headers=headers,
                                       timeout=10).status_code
            except requests.ConnectionError:
                status = self.app.test_client().post(path, json=payload,
                                                     headers=headers).status_code
            if status == 200:
                return
            self.stop.wait(3)  # 503: the platform would retry
