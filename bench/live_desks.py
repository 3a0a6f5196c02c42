"""Simulated open desks for bench/live.py: each signs in, opens its list and polls like desk-live.js."""
import re
import threading
import time

import requests

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CURSOR = re.compile(r'data-cursor="([^"]*)"')
ROW = re.compile(r'<tr [^>]*data-id="(\d+)"')
TOKEN = re.compile(r"\[bench (\d+)\]")
SHOWN = 50
INTERVAL = 1.0


class Desk:
    """One browser tab with a list open."""

    def __init__(self, base: str, username: str, password: str, url: str, role: str,
                 department_id: int | None):
        self.base, self.username, self.password, self.url = base, username, password, url
        self.role, self.department_id = role, department_id
        self.session = requests.Session()
        self.seen: dict[int, float] = {}  # message seq → when its row first reached this desk
        self.polls = self.errors = 0
        self.ready = False
        self.shown: list[int] = []
        self.cursor = self.token = ""

    def open(self) -> None:
        page = self.session.get(self.base + "/login", timeout=30).text
        self.session.post(self.base + "/login", data={
            "username": self.username, "password": self.password,
            "csrf_token": CSRF.search(page).group(1)}, timeout=30)
        html = self.session.get(self.base + self.url, timeout=60).text
        self.token = CSRF.search(html).group(1)
        self.cursor = CURSOR.search(html).group(1)
        self.shown = [int(i) for i in ROW.findall(html)][:SHOWN]

    def poll(self) -> None:
        data = {"cursor": self.cursor, "list": self.url.partition("?")[2],
                "shown": ",".join(map(str, self.shown))}
        response = self.session.post(self.base + "/live/poll", data=data, timeout=30,
                                     headers={"X-CSRFToken": self.token})
        arrived = time.time()
        self.polls += 1
        if response.status_code != 200:
            self.errors += 1
            return
        answer = response.json()
        self.cursor = answer.get("cursor", self.cursor)
        rows = answer.get("rows", "")
        for seq in TOKEN.findall(rows):
            self.seen.setdefault(int(seq), arrived)
        removed = set(answer.get("remove", []))
        fresh = [int(i) for i in ROW.findall(rows)]
        # As the page does for a list sorted by activity: changed rows move to the top.
        self.shown = (fresh + [i for i in self.shown if i not in removed and i not in fresh])[:SHOWN]

    def run(self, stop: threading.Event) -> None:
        try:
            self.open()
        except (requests.RequestException, AttributeError) as exc:
            print(f"{self.username}: could not open the desk ({exc})", flush=True)
            self.errors += 1
            return
        self.ready = True
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.poll()
            except requests.RequestException:
                self.errors += 1
            # As desk-live.js: polls start a second apart (at least 0.2 s after an answer).
            stop.wait(max(0.2, INTERVAL - (time.monotonic() - started)))


def run_desks(desks: list[Desk], stop: threading.Event) -> list[threading.Thread]:
    """Start every desk on its own thread (staggered over a second, as tabs opened at random)."""
    threads = []
    for i, desk in enumerate(desks):
        thread = threading.Thread(target=desk.run, args=(stop,), daemon=True)
        thread.start()
        threads.append(thread)
        time.sleep(1.0 / len(desks))
    return threads
