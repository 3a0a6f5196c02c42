"""Webhook intake benchmark on PostgreSQL (not a test): deliveries/s and answer latency.

    .venv/bin/python bench/intake.py [--seconds 8] [--clients 8] [--workers 3] [--threads 4]
                                     [--db URL] [--mode celery|embedded]
                                     [--platform vk vk-comments max]

Starts the real app (wsgi:app) under gunicorn on its own database (default helpdesk_inbox_bench)
and, in the same run, a bare Flask endpoint that does one INSERT and commit, under the same
gunicorn settings. Both are driven over loopback by keep-alive client threads in alternating
rounds (so machine noise hits both alike); prints deliveries/s, p50/p99 answer latency and the
ratio app/bare, then checks that every answered delivery is stored exactly once. Each platform
(VK Callback API events; VK comment events, `wall_reply_new` under the community's posts, on a
channel of their own; MAX `message_created` updates with the X-Max-Bot-Api-Secret header) is
driven in its own rounds and gets its own figures.
Targets: >= 300 deliveries/s, p99 <= 50 ms, ratio >= 0.7 (each platform).
"""
import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/helpdesk_inbox_bench"
GROUP_ID, SECRET = 4242, "bench-secret"
MAX_SECRET = "bench-max-secret"


# --- the bare endpoint (served by gunicorn as bench.intake:bare_app) ---------------------------
def make_bare_app():
    """A Flask app with one endpoint: parse JSON, one INSERT, commit, answer ok."""
    from flask import Flask, request
    from sqlalchemy import create_engine, text

    url = os.environ["BENCH_DB"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url, pool_pre_ping=True)
    app = Flask("bare")

    @app.post("/bare")
    def bare():
        payload = request.get_json(silent=True)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_bare (body) VALUES (CAST(:b AS jsonb))"),
                         {"b": json.dumps(payload)})
        return "ok"

    return app


def __getattr__(name):  # gunicorn bench.intake:bare_app builds it lazily
    if name == "bare_app":
        return make_bare_app()
    raise AttributeError(name)


# --- setup ---------------------------------------------------------------------------------------
def prepare(db_url: str) -> None:
    import psycopg

    base, name = db_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.setdefault("HELPDESK_ENV", "test")
    from helpdesk import create_app
    from helpdesk.channels.services import create_channel
    from helpdesk.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url.replace("postgresql://",
                                                                "postgresql+psycopg://", 1)})
    with app.app_context():
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS bench_bare"))
        db.create_all()
        db.session.execute(db.text("CREATE TABLE bench_bare (id bigserial PRIMARY KEY, "
                                   "body jsonb NOT NULL)"))
        create_channel("vk", "vk-bench", "bench-token", group_id=GROUP_ID, secret=SECRET,
                       api_base="http://127.0.0.1:9")  # never called during the bench
        create_channel("vk", "vk-comments-bench", "bench-token", group_id=GROUP_ID,
                       secret=SECRET, api_base="http://127.0.0.1:9")
        create_channel("max", "max-bench", "bench-max-token", secret=MAX_SECRET,
                       api_base="http://127.0.0.1:9")
        db.session.commit()
        db.engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(target: str, port: int, args, env: dict) -> subprocess.Popen:
    cmd = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers",
           str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
           "--log-level", "warning", "--keep-alive", "30", target]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"gunicorn for {target} did not start")


# --- load ------------------------------------------------------------------------------------------
def vk_event(i: int) -> bytes:
    message = {"id": 0, "date": int(time.time()), "from_id": 100000 + i % 500,
               "peer_id": 100000 + i % 500, "text": f"Сообщение для замера {i}",
               "attachments": [], "conversation_message_id": i + 1, "out": 0}
    return json.dumps({"type": "message_new", "group_id": GROUP_ID, "v": "5.199",
                       "event_id": secrets.token_hex(20), "secret": SECRET,
                       "object": {"message": message, "client_info": {}}}).encode()


def vk_comment_event(i: int) -> bytes:
    """A citizen's comment under one of twenty posts of the community wall (wall_reply_new)."""
    comment = {"id": i + 1, "from_id": 100000 + i % 500, "date": int(time.time()),
               "text": f"Комментарий для замера {i}", "post_id": 1 + i % 20,
               "owner_id": -GROUP_ID, "parents_stack": [], "attachments": [],
               "thread": {"count": 0, "items": []}}
    return json.dumps({"type": "wall_reply_new", "group_id": GROUP_ID, "v": "5.199",
                       "event_id": secrets.token_hex(20), "secret": SECRET,
                       "object": comment}).encode()


def max_event(i: int) -> bytes:
    user = 100000 + i % 500
    message = {"sender": {"user_id": user, "first_name": "Гражданин", "last_name": str(user),
                          "is_bot": False},
               "recipient": {"chat_id": 900000000 + user, "chat_type": "dialog", "user_id": 1},
               "timestamp": int(time.time() * 1000),
               "body": {"mid": f"mid.{secrets.token_hex(12)}", "seq": i,
                        "text": f"Сообщение для замера {i}", "attachments": []}}
    return json.dumps({"update_type": "message_created", "timestamp": message["timestamp"],
                       "message": message, "user_locale": "ru"}).encode()


# platform -> (webhook path, body maker, headers)
PLATFORMS = {
    "vk": ("/webhooks/vk/vk-bench", vk_event, {}),
    "vk-comments": ("/webhooks/vk/vk-comments-bench", vk_comment_event, {}),
    "max": ("/webhooks/max/max-bench", max_event, {"X-Max-Bot-Api-Secret": MAX_SECRET}),
}
JSON = {"Content-Type": "application/json"}


def drive(port: int, path: str, seconds: float, clients: int, counter,
          make_body=vk_event, headers: dict | None = None) -> tuple[list, int]:
    """Keep-alive clients posting for `seconds`; returns (latencies in s, non-200 count)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.monotonic() < stop_at:
            with lock:
                counter[0] += 1
                i = counter[0]
            body = make_body(i)
            start = time.perf_counter()
            try:
                conn.request("POST", path, body, {**JSON, **(headers or {})})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            elapsed = time.perf_counter() - start
            if ok:
                mine.append(elapsed)
            else:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0]


def figures(latencies: list[float], seconds: float) -> dict:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else float("nan")
    return {"rate": len(ordered) / seconds, "p50": statistics.median(ordered) * 1000 if ordered
            else float("nan"), "p99": p99 * 1000, "n": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--mode", choices=["celery", "embedded"], default="celery",
                        help="celery: REDIS_URL set, tasks queued to Redis (production); "
                             "embedded: processing in the web process after commit")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/1")
    parser.add_argument("--ports", nargs=2, type=int, default=(0, 0), metavar=("APP", "BARE"),
                        help="loopback ports of the two servers (default: free ones)")
    parser.add_argument("--platform", nargs="+", choices=sorted(PLATFORMS),
                        default=sorted(PLATFORMS), help="platforms to drive (default: all)")
    args = parser.parse_args()

    prepare(args.db)
    env = {**os.environ, "DATABASE_URL": args.db, "BENCH_DB": args.db,
           "HELPDESK_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
           "HELPDESK_INSTANCE": "/tmp/helpdesk-bench-instance", "HELPDESK_DEMO": "0",
           "OPENBLAS_NUM_THREADS": "1"}
    if args.mode == "celery":
        env["REDIS_URL"] = args.redis
    else:
        env.pop("REDIS_URL", None)
    app_port, bare_port = (port or free_port() for port in args.ports)
    procs = [gunicorn("wsgi:app", app_port, args, env),
             gunicorn("bench.intake:bare_app", bare_port, args, env)]
    counter = [0]
    try:
        results = {name: [] for name in [*args.platform, "bare"]}
        errors = dict.fromkeys(results, 0)
        warm = dict.fromkeys(results, 0)  # answered during the warm-up (stored as well)
        for name in results:  # warm-up: pools, imports
            path, make_body, headers = PLATFORMS.get(name, ("/bare", vk_event, {}))
            lat, err = drive(bare_port if name == "bare" else app_port, path, 1.0, args.clients,
                             counter, make_body, headers)
            warm[name], errors[name] = len(lat), err
        for _ in range(args.rounds):  # alternating, so machine noise hits every target alike
            for name in results:
                path, make_body, headers = PLATFORMS.get(name, ("/bare", vk_event, {}))
                port = bare_port if name == "bare" else app_port
                lat, err = drive(port, path, args.seconds, args.clients, counter, make_body,
                                 headers)
                results[name] += lat
                errors[name] += err
        total = args.seconds * args.rounds
        figs = {name: figures(lat, total) for name, lat in results.items()}
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:  # background tasks still running: stop now
                proc.kill()
                proc.wait(5)
    report(args, figs, errors, warm, count_stored(args.db))


def report(args, figs: dict, errors: dict, warm: dict, stored: dict) -> None:
    """Print the figures of every platform against the bare INSERT, and the stored-once check."""
    print(f"mode={args.mode} gunicorn {args.workers} workers x {args.threads} threads, "
          f"{args.clients} keep-alive clients, {args.rounds} x {args.seconds:.0f} s per target")
    bare = figs["bare"]
    met = True
    for name, f in figs.items():
        label = "bare INSERT" if name == "bare" else f"webhook {name}"
        print(f"{label:14s} {f['rate']:8.1f} deliveries/s   p50 {f['p50']:6.2f} ms   "
              f"p99 {f['p99']:6.2f} ms   ({f['n']} answered, non-200: {errors[name]})")
        if name == "bare":
            continue
        ratio = f["rate"] / bare["rate"] if bare["rate"] else float("nan")
        events, dups = stored.get(PLATFORMS[name][0].rsplit("/", 1)[1], (0, 0))
        answered = f["n"] + warm[name]  # every delivery has its own key: one event each
        # a delivery that timed out at the client may still have been stored: at most errors
        once = answered <= events <= answered + errors[name] and dups == 0
        print(f"{'':14s} ratio {name}/bare {ratio:.2f}; stored {events} events for {answered} "
              f"answered (warm-up included), duplicates {dups}: "
              f"{'every answered delivery stored once' if once else 'NOT stored once'}")
        met = met and f["rate"] >= 300 and f["p99"] <= 50 and ratio >= 0.7 and once
    print("targets (>=300/s, p99<=50 ms, ratio>=0.7, stored once):", "met" if met else "NOT met")


def count_stored(db_url: str) -> dict:
    """{channel slug: (stored events, duplicate event keys)} per bench channel."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT c.slug, count(*), count(*) - count(DISTINCT e.event_key) FROM inbound_events e"
            " JOIN channels c ON c.id = e.channel_id GROUP BY c.slug").fetchall()
    return {slug: (events, dups) for slug, events, dups in rows}


if __name__ == "__main__":
    main()
