"""Webhook fuzz run against the production server (not a test): 0 x 5xx, 0 tracebacks, every
2xx-answered delivery stored exactly once, and the largest stall one delivery causes.

    .venv/bin/python bench/fuzz.py [--per-platform 5000] [--db URL] [--port 8110]
                                   [--redis redis://127.0.0.1:6379/1] [--seed 13]

Starts gunicorn (HELPDESK_ENV=production, a random SECRET_KEY) and a Celery worker on their own
PostgreSQL database (default bench_inbox; emptied first) with three channels (VK, Telegram, OK,
their APIs on a closed loopback port), then posts mutated deliveries over loopback from a few
keep-alive clients: valid messages, hostile field values (lone surrogates, NUL, huge numbers,
wrong types, a 60,000-letter word), broken bytes, deep nesting, oversized bodies, forged
credentials and resends. Bounded by count and by --send-seconds/--drain-seconds.

When the background work has drained it prints: answers by status, tracebacks in the server
and worker logs, whether every 2xx-answered delivery is stored once (its event key as the
webhook derives it, in the database; every event processed or ignored; every processed
message stored once), and the stalls: the longest time one delivery held a request thread
(gunicorn's request time), the longest ingest of one event and routing of one ticket in the
worker, and the longest ingest + routing of one event.
"""
import argparse
import http.client
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.fuzz_bodies import Delivery, deliveries, warmup  # noqa: E402

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/bench_inbox"
DEAD_API = "http://127.0.0.1:9"  # nothing listens: every platform call fails at once
TRACEBACK = "Traceback (most recent call last)"


def psycopg_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def make_app(db_url: str):
    os.environ.setdefault("HELPDESK_ENV", "test")
    from helpdesk import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": psycopg_url(db_url)})


def prepare(app) -> dict:
    """An empty schema and one channel per platform; returns their webhook paths and secrets."""
    from helpdesk.channels.services import create_channel, webhook_path
    from helpdesk.extensions import db

    with app.app_context():
        db.drop_all()
        db.create_all()
        secret = secrets.token_urlsafe(16)
        made = {
            "vk": create_channel("vk", "vk-fuzz", "t", group_id=4242, secret=secret,
                                 confirmation="c0nfirm", api_base=DEAD_API, auto_ack=False),
            "telegram": create_channel("telegram", "tg-fuzz", "t", secret=secret,
                                       api_base=DEAD_API, auto_ack=False),
            "ok": create_channel("ok", "ok-fuzz", "t", api_base=DEAD_API, auto_ack=False),
            "max": create_channel("max", "max-fuzz", "t", secret=secret, api_base=DEAD_API,
                                  auto_ack=False),
        }
        db.session.commit()
        info = {kind: {"id": c.id, "path": webhook_path(c), "secret": secret, "group_id": 4242}
                for kind, c in made.items()}
        db.engine.dispose()
    return info


def start(cmd: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT)


def wait_port(port: int, proc: subprocess.Popen) -> None:
    import socket

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited at start")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def send_all(port: int, items: list[Delivery], clients: int, seconds: float) -> list[tuple]:
    """Post every delivery (keep-alive clients); returns (delivery, status, latency s)."""
    results: list[tuple] = []
    lock = threading.Lock()
    queue = list(reversed(items))
    stop_at = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.monotonic() < stop_at:
            with lock:
                if not queue:
                    break
                item = queue.pop()
            start_at = time.perf_counter()
            try:
                conn.request("POST", item.path, item.body, item.headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.will_close:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                status = 0  # connection reset (an oversized body may be cut off): not a 2xx
            with lock:
                results.append((item, status, time.perf_counter() - start_at))

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def warm(app, port: int, info: dict) -> list[tuple]:
    """Valid messages until every gunicorn worker answers and every worker process has routed
    (natasha's models load on the first ticket): start-up is not a stall of a delivery."""
    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.models import Ticket

    results = send_all(port, warmup(info), 4, 300)
    with app.app_context():
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            routed = db.session.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.status != "new"))
            db.session.rollback()
            if routed >= len(results):
                break
            time.sleep(1)
        db.session.remove()
    return results


def drain(app, redis_url: str, seconds: float) -> float:
    """Wait until the worker has processed every event and routed every ticket; returns the wait.
    Cropped VK messages wait for the sweeper's later tries: run those passes here."""
    import redis
    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.inbox.events import REFETCH_ATTEMPTS, process_pending
    from helpdesk.models import InboundEvent, Ticket

    queue = redis.Redis.from_url(redis_url)
    started, quiet = time.monotonic(), 0
    with app.app_context():
        while time.monotonic() - started < seconds:
            pending = db.session.scalar(select(func.count()).select_from(InboundEvent).where(
                InboundEvent.status == "pending"))
            new = db.session.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.status == "new"))
            db.session.rollback()
            queued = queue.llen("celery")
            quiet = quiet + 1 if not queued else 0
            if (pending == 0 and new == 0) or (quiet >= 10 and queued == 0 and new == 0):
                break
            time.sleep(1)
        for _ in range(REFETCH_ATTEMPTS):  # what only the sweeper would retry (cropped VK)
            process_pending(limit=100000)
        db.session.remove()
    return time.monotonic() - started


def verify(app, info: dict, results: list[tuple]) -> dict:
    """Every 2xx-answered delivery's event stored once, processed or ignored, its messages once."""
    from sqlalchemy import func, select

    from helpdesk.extensions import db
    from helpdesk.inbox.adapters import adapter_for
    from helpdesk.inbox.events import unparsed_key
    from helpdesk.inbox.normalise import MALFORMED, BadBody, load_json
    from helpdesk.models import Channel, InboundEvent, Message, Ticket
    from helpdesk.models.message import Direction

    expected: dict[int, set] = {c["id"]: set() for c in info.values()}
    answered_ignored = 0
    with app.app_context():
        adapters = {c["id"]: adapter_for(db.session.get(Channel, c["id"])) for c in info.values()}
        for item, status, _ in results:
            if not 200 <= status < 300:
                continue
            channel_id = info[item.kind]["id"]
            try:
                payload = load_json(item.body)
                key = adapters[channel_id].parse(payload).event_key
            except BadBody:
                raise AssertionError(f"a 2xx for a body the webhook refuses: {item.label}")
            except MALFORMED:
                key = unparsed_key(payload)
            if key is None:
                answered_ignored += 1
            else:
                expected[channel_id].add(key[:128])
        stored: dict[int, set] = {cid: set() for cid in expected}
        statuses, missing_messages, processed_messages = Counter(), 0, 0
        for event in db.session.scalars(select(InboundEvent)):
            stored[event.channel_id].add(event.event_key)
            statuses[event.status] += 1
            if event.status != "processed":
                continue
            for incoming in adapters[event.channel_id].parse(event.payload).messages:
                n = db.session.scalar(select(func.count()).select_from(Message).where(
                    Message.channel_id == event.channel_id,
                    Message.external_key == incoming.message_key))
                processed_messages += n == 1
                missing_messages += n != 1
        inbound = db.session.scalar(select(func.count()).select_from(Message).where(
            Message.direction == Direction.INBOUND))
        unrouted = db.session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.status == "new"))
    missing = sum(len(expected[c] - stored[c]) for c in expected)
    extra = sum(len(stored[c] - expected[c]) for c in expected)
    return {"expected_events": sum(map(len, expected.values())), "missing": missing,
            "extra": extra, "statuses": dict(statuses), "answered_ignored": answered_ignored,
            "messages_ok": processed_messages, "messages_wrong": missing_messages,
            "inbound_messages": inbound, "unrouted": unrouted}


def stalls(access_log: Path, worker_log: Path, offsets: tuple[int, int]) -> dict:
    """The longest request (gunicorn %(D)s, microseconds) and worker times from the logs, after
    the warm-up (`offsets`: the logs' sizes when it ended)."""
    with open(access_log, "rb") as f:
        f.seek(offsets[0])
        access = f.read().decode(errors="replace")
    timed = [(int(m.group(2)), m.group(1))
             for m in re.finditer(r"case=(\S+) \d+ D=(\d+)$", access, re.M)]
    slowest = max(timed, default=(0, "-"))
    with open(worker_log, "rb") as f:
        f.seek(offsets[1])
        text = f.read().decode(errors="replace")
    ingest = {}  # ticket id -> longest ingest that touched it; and overall
    longest_ingest = 0.0
    for m in re.finditer(r"event (\d+) ingested in ([\d.]+) ms \(tickets \[([\d, ]*)\]\)", text):
        ms = float(m.group(2))
        longest_ingest = max(longest_ingest, ms)
        for ticket in filter(None, (t.strip() for t in m.group(3).split(","))):
            ingest[int(ticket)] = max(ingest.get(int(ticket), 0.0), ms)
    routed = {int(m.group(1)): float(m.group(2))
              for m in re.finditer(r"ticket (\d+) routed in ([\d.]+) ms", text)}
    both = max((ingest.get(t, 0.0) + ms for t, ms in routed.items()), default=0.0)
    return {"request_ms": slowest[0] / 1000, "request_case": slowest[1], "requests_timed": len(timed),
            "ingest_ms": longest_ingest, "route_ms": max(routed.values(), default=0.0),
            "ingest_route_ms": both, "routed": len(routed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--per-platform", type=int, default=5000)
    parser.add_argument("--port", type=int, default=8110)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--send-seconds", type=float, default=900)
    parser.add_argument("--drain-seconds", type=float, default=900)
    parser.add_argument("--logs", default="test-artifacts/fuzz")
    args = parser.parse_args()

    logs = ROOT / args.logs
    logs.mkdir(parents=True, exist_ok=True)
    app = make_app(args.db)
    info = prepare(app)
    items = deliveries(info, args.per_platform, random.Random(args.seed))
    env = {**os.environ, "DATABASE_URL": args.db, "HELPDESK_ENV": "production",
           "SECRET_KEY": secrets.token_urlsafe(48), "REDIS_URL": args.redis,
           "HELPDESK_INSTANCE": "/tmp/helpdesk-fuzz-instance", "HELPDESK_DEMO": "0",
           "OPENBLAS_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    import redis

    redis.Redis.from_url(args.redis).delete("celery")
    access, server_log, worker_log = logs / "access.log", logs / "server.log", logs / "worker.log"
    gunicorn = start([str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{args.port}",
                      "--workers", str(args.workers), "--threads", str(args.threads),
                      "--worker-class", "gthread", "--access-logfile", str(access),
                      "--access-logformat", '%(m)s %(q)s %(s)s D=%(D)s', "wsgi:app"], env,
                     server_log)
    worker = start([str(ROOT / ".venv/bin/celery"), "-A", "helpdesk.background.celery_app", "worker",
                    "--loglevel", "info", "--concurrency", str(args.concurrency)], env, worker_log)
    try:
        wait_port(args.port, gunicorn)
        warmed = warm(app, args.port, info)
        offsets = (access.stat().st_size, worker_log.stat().st_size)
        started = time.monotonic()
        results = send_all(args.port, items, args.clients, args.send_seconds)
        sent_for = time.monotonic() - started
        waited = drain(app, args.redis, args.drain_seconds)
    finally:
        for proc in (gunicorn, worker):
            proc.terminate()
        for proc in (gunicorn, worker):
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    report(args, items, results, sent_for, waited, verify(app, info, warmed + results),
           stalls(access, worker_log, offsets), server_log, worker_log)


def report(args, items, results, sent_for, waited, stored, stall, server_log, worker_log):
    statuses = Counter(status for _, status, _ in results)
    by_kind = Counter(item.kind for item, _, _ in results)
    five = sum(n for s, n in statuses.items() if s >= 500)
    traces = {name: path.read_text(errors="replace").count(TRACEBACK)
              for name, path in (("server", server_log), ("worker", worker_log))}
    latency = max((lat for _, _, lat in results), default=0.0)
    print(f"fuzz: {len(results)} of {len(items)} deliveries sent in {sent_for:.0f} s "
          f"({dict(by_kind)}), background drained {waited:.0f} s later")
    print(f"answers: {dict(sorted(statuses.items()))}   5xx: {five}")
    print(f"tracebacks: server log {traces['server']}, worker log {traces['worker']}")
    print(f"2xx-answered events expected {stored['expected_events']}: missing {stored['missing']}"
          f", stored without a 2xx {stored['extra']}; 2xx with nothing to store (ignored "
          f"event types) {stored['answered_ignored']}")
    print(f"events by status: {stored['statuses']}; messages of processed events stored once: "
          f"{stored['messages_ok']}, not once: {stored['messages_wrong']}; inbound messages "
          f"{stored['inbound_messages']}")
    print(f"largest stall: one delivery held a request thread {stall['request_ms']:.1f} ms "
          f"({stall['request_case']}; of {stall['requests_timed']} timed; client-side "
          f"{latency * 1000:.1f} ms); worker: "
          f"ingest of one event {stall['ingest_ms']:.1f} ms, routing of one ticket "
          f"{stall['route_ms']:.1f} ms, ingest + routing of one event "
          f"{stall['ingest_route_ms']:.1f} ms ({stall['routed']} tickets routed, "
          f"{stored['unrouted']} still unrouted when the drain wait ended)")
    ok = (five == 0 and not any(traces.values()) and stored["missing"] == 0
          and stored["extra"] == 0 and stored["messages_wrong"] == 0
          and set(stored["statuses"]) <= {"processed", "ignored"}
          and stored["unrouted"] == 0 and min(by_kind.values(), default=0) >= args.per_platform)
    print("targets (0 x 5xx, 0 tracebacks, every 2xx stored once, all sent and routed):",
          "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
