"""Benchmark: the live desk on 1,000,000 tickets — 50 open desks polling while 20 messages a second
arrive; how long an update takes to reach the desks and what each desk costs the web server.

    .venv/bin/python bench/live.py [--db-url postgresql://postgres@127.0.0.1:5432/bench_live]
        [--redis-url redis://127.0.0.1:6379/7] [--port 8170] [--desks 50] [--rate 20]
        [--seconds 60] [--idle-seconds 20] [--tickets 1000000] [--workers 2] [--threads 8]

The database is bench/desk_seed.py's (seeded when it is missing or smaller; the live
desk's table and index are added to a database seeded before them). The web server is gunicorn
serving wsgi:app as in production (REDIS_URL set: the change bus is a Redis stream shared by
every process). Messages arrive in another process through the real ingest service (as the
Celery workers would run it), 90 % from citizens writing again into their open departmental
tickets, 10 % from new citizens (new tickets, press staff's triage). The desks are 10 press
officers (5 on «Требует разбора», 5 on «Все» by latest message) and 40 specialists of nine
committees (their department by latest message), each polling as desk-live.js does: once a
second with its cursor, its filters and the ids it shows.

Printed:
  latency  commit of a message → the poll answer that carries its row, per desk that shows
           it (p50, p95, max; deliveries missing after 10 s are counted)
  cpu      the web server's processes (user + system, from /proc) per desk per update:
           total CPU / (desks × messages), and per delivered (desk, message) pair
  idle     the CPU of one idle desk (no messages), per second and per poll
Targets: latency p95 ≤ 2 s; ≤ 5 ms of CPU per desk per update.
"""
import argparse
import multiprocessing
import os
import queue
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.desk import missing_columns, top_up_schema  # noqa: E402
from bench.desk_seed import PASSWORD, ensure_database, seed  # noqa: E402
from bench.live_desks import Desk, run_desks  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_live"
PRODUCERS = 4  # ingest processes (one alone does not keep 20 a second on a busy machine)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    p.add_argument("--port", type=int, default=8170)
    p.add_argument("--desks", type=int, default=50)
    p.add_argument("--rate", type=float, default=20.0, help="messages a second")
    p.add_argument("--seconds", type=float, default=60.0, help="length of the loaded phase")
    p.add_argument("--idle-seconds", type=float, default=20.0)
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    p.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    return p.parse_args()


# --- the database --------------------------------------------------------------------------

def prepare_database(args) -> dict:
    """Seed when needed, add the live desk's table and index, create the desks' users; returns
    {username: (role, department id)}."""
    from sqlalchemy import func, select

    from helpdesk import create_app
    from helpdesk.config import normalise_db_url
    from helpdesk.extensions import db
    from helpdesk.models import Department, Ticket, TicketCounter, User

    ensure_database(args.db_url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_db_url(args.db_url),
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        try:
            have = db.session.scalar(select(func.count()).select_from(Ticket))
        except Exception:
            db.session.rollback()
            have = -1
    if have < args.tickets:  # earlier runs add tickets (new citizens): those are kept
        seed(app, args.tickets)
    with app.app_context():
        missing = missing_columns(db)  # what the models gained since the seed (ticket_reads, ...)
        if missing:
            top_up_schema(db, missing)
        departments = db.session.scalars(select(Department).order_by(Department.id)).all()
        triage = next(d for d in departments if d.is_triage)
        committees = [d for d in departments if not d.is_triage]
        wanted = {f"lpress{i}": ("press", triage.id) for i in range(1, 11)}
        wanted.update({f"lspec{i}": ("specialist", committees[(i - 1) % len(committees)].id)
                       for i in range(1, 41)})
        known = set(db.session.scalars(select(User.username).where(User.username.in_(list(wanted)))))
        for username, (role, department_id) in wanted.items():
            if username not in known:
                user = User(username=username, role=role, department_id=department_id,
                            full_name=username)
                user.set_password(PASSWORD)
                db.session.add(user)
        year = _now().year  # ingest numbers new tickets from this counter (once per year)
        if db.session.get(TicketCounter, year) is None:
            db.session.add(TicketCounter(year=year, last=0))
        db.session.commit()
    return wanted


# --- the server ----------------------------------------------------------------------------

def start_server(args, instance: str) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=args.db_url, REDIS_URL=args.redis_url, HELPDESK_DEMO="0",
               HELPDESK_INSTANCE=instance, HELPDESK_ENV="development", LOGIN_LIMIT_ACCOUNT="100/minute",
               LOGIN_LIMIT_IP="1000/minute")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(args.workers), "--threads",
         str(args.threads), "--bind", f"127.0.0.1:{args.port}", "--log-level", "warning",
         "wsgi:app"], cwd=str(ROOT), env=env, start_new_session=True)
    import requests

    for _ in range(120):
        try:
            if requests.get(f"http://127.0.0.1:{args.port}/login", timeout=2).status_code == 200:
                return server
        except requests.RequestException:
            time.sleep(0.5)
    server.kill()
    raise SystemExit("gunicorn did not start")


def server_cpu(server: subprocess.Popen) -> float:
    """CPU seconds (user + system) of the gunicorn master and its workers so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in [server.pid, *_children(server.pid)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


# --- the messages --------------------------------------------------------------------------

def writers(db_url: str, n: int) -> list[tuple]:
    """Citizens whose latest ticket on its channel is open in a committee: their message threads
    into it (what most of a desk's day is)."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        return conn.execute(
            "SELECT c.channel_id, c.external_user_id, c.reply_address FROM citizens c "
            "JOIN LATERAL (SELECT status FROM tickets t WHERE t.citizen_id = c.id "
            "AND t.channel_id = c.channel_id ORDER BY t.id DESC LIMIT 1) last ON true "
            "WHERE last.status = 'assigned' ORDER BY c.id DESC LIMIT %s", (n,)).fetchall()


def produce(db_url: str, redis_url: str, plan: list, rate: float, start_at: float, out) -> None:
    """Another process: its share of the messages through helpdesk.inbox.ingest at `rate` a
    second, each committed (and so published on the bus); sends (seq, ticket id, department
    id, status, commit time). `plan`: (seq, channel id, user, reply address) in order."""
    from sqlalchemy import select

    from helpdesk import create_app
    from helpdesk.config import normalise_db_url
    from helpdesk.extensions import db
    from helpdesk.inbox.ingest import ingest
    from helpdesk.inbox.types import IncomingMessage
    from helpdesk.models import Channel

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_db_url(db_url), "REDIS_URL": redis_url,
                      "CELERY_ENABLED": False, "EMBEDDED_TASKS": False})
    with app.app_context():
        channels = {c.id: c for c in db.session.scalars(select(Channel))}
        db.session.commit()
        time.sleep(max(0.0, start_at - time.time()))
        began = time.monotonic()
        try:
            for k, (seq, channel_id, user, reply) in enumerate(plan):
                time.sleep(max(0.0, began + k / rate - time.monotonic()))
                try:
                    result = ingest(channels[channel_id], IncomingMessage(
                        event_key=f"live-{user}-{seq}", message_key=f"live-{user}-{seq}-{start_at}",
                        external_user_id=user, reply_address=reply, sent_at=_now(),
                        text=f"[bench {seq}] Здравствуйте! Снова пишу по своему вопросу."))
                    info = (seq, result.ticket.id, result.ticket.department_id, result.ticket.status)
                    db.session.commit()
                except Exception as exc:  # counted as a failed message, not delivered anywhere
                    db.session.rollback()
                    out.put(("failed", seq, repr(exc)[:200]))
                    continue
                out.put((*info, time.time()))
        finally:
            out.put(None)


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


# --- the run -------------------------------------------------------------------------------

def main() -> None:
    args = parse_args()
    users = prepare_database(args)
    base = f"http://127.0.0.1:{args.port}"
    with tempfile.TemporaryDirectory(prefix="bench-live-") as instance:
        server = start_server(args, instance)
        try:
            report(args, server, base, users)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def report(args, server, base: str, users: dict) -> None:
    names = list(users)[: args.desks] if args.desks < len(users) else list(users)
    desks = []
    for i, username in enumerate(names):
        role, department_id = users[username]
        if role == "press":
            url = "/tickets?queue=triage" if i % 2 == 0 else "/tickets?queue=all&sort=activity"
        else:
            url = "/tickets?queue=department&sort=activity"
        desks.append(Desk(base, username, PASSWORD, url, role, department_id))
    stop = threading.Event()
    threads = run_desks(desks, stop)
    while not all(d.ready or d.errors for d in desks):  # every desk signed in and polling
        time.sleep(0.5)
    time.sleep(3)
    cpu0, t0, polls0 = server_cpu(server), time.monotonic(), sum(d.polls for d in desks)
    time.sleep(args.idle_seconds)
    idle_cpu, idle_time = server_cpu(server) - cpu0, time.monotonic() - t0
    idle_polls = sum(d.polls for d in desks) - polls0

    n = int(args.rate * args.seconds)
    known = writers(args.db_url, n)
    first_channel = min(channel_id for channel_id, _, _ in known)
    plan = [(seq, first_channel, f"bench-{int(time.time())}-{seq}", f"9{seq}") if seq % 10 == 9
            else (seq, *known[seq]) for seq in range(n)]  # every tenth a new citizen
    out = multiprocessing.Queue()
    start_at = time.time() + 3
    producers = [multiprocessing.Process(target=produce, args=(
        args.db_url, args.redis_url, plan[k::PRODUCERS], args.rate / PRODUCERS,
        start_at + k / args.rate, out)) for k in range(PRODUCERS)]
    for producer in producers:
        producer.start()
    commits, failed = {}, []
    cpu1 = None
    done = 0
    while done < PRODUCERS:
        try:
            item = out.get(timeout=args.seconds + 120)
        except queue.Empty:  # a producer died before it could say so
            print("a producer stopped answering", flush=True)
            break
        if item is None:
            done += 1
            continue
        if item[0] == "failed":
            failed.append(item)
            continue
        if cpu1 is None:
            cpu1, t1, polls1 = server_cpu(server), time.monotonic(), sum(d.polls for d in desks)
        seq, ticket_id, department_id, status, at = item
        commits[seq] = (at, department_id, status)
    time.sleep(3)  # the last deliveries
    cpu2, t2, polls2 = server_cpu(server), time.monotonic(), sum(d.polls for d in desks)
    for producer in producers:
        producer.join()
    stop.set()
    for thread in threads:
        thread.join(timeout=10)
    if failed:
        print(f"{len(failed)} messages failed to ingest, e.g. {failed[0][2]}")
    if cpu1 is None:
        raise SystemExit("no message was ingested: nothing to measure")
    print_report(args, desks, commits, idle_cpu, idle_time, idle_polls,
                 cpu2 - cpu1, t2 - t1, polls2 - polls1)


def expected(desk: Desk, department_id, status: str) -> bool:
    """Whether the desk's list shows a message's ticket (as its filters decide)."""
    if desk.role == "press":
        return "queue=all" in desk.url or status in ("new", "triage")
    return department_id == desk.department_id


def print_report(args, desks, commits, idle_cpu, idle_time, idle_polls, load_cpu, load_time,
                 load_polls) -> None:
    latencies, missing = [], 0
    for desk in desks:
        for seq, (at, department_id, status) in commits.items():
            if not expected(desk, department_id, status):
                continue
            seen = desk.seen.get(seq)
            if seen is None or seen - at > 10:
                missing += 1
            else:
                latencies.append(max(0.0, seen - at))
    n_desks, n_messages = len(desks), len(commits)
    times = sorted(at for at, _, _ in commits.values())  # the arrival rate: first to last commit
    send_time = max(times[-1] - times[0], 1e-9) * len(times) / max(len(times) - 1, 1)
    q = statistics.quantiles(latencies, n=100, method="inclusive") if len(latencies) > 1 else [0] * 99
    errors = sum(d.errors for d in desks)
    print(f"{n_desks} desks ({sum(d.role == 'press' for d in desks)} press, "
          f"{sum(d.role != 'press' for d in desks)} specialists), {n_messages} messages in "
          f"{load_time:.0f} s ({n_messages / send_time:.1f}/s while sending, {send_time:.1f} s), "
          f"gunicorn {args.workers}×{args.threads}")
    print(f"latency (commit → desk): p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
          f"max {max(latencies, default=0) * 1000:.0f} ms over {len(latencies)} deliveries; "
          f"missing {missing}; poll errors {errors}")
    per_update = load_cpu * 1000 / (n_desks * n_messages) if n_messages else 0
    per_pair = load_cpu * 1000 / len(latencies) if latencies else 0
    print(f"cpu under load: {load_cpu:.2f} s in {load_time:.0f} s ({load_cpu / load_time * 100:.0f} % "
          f"of a core), {load_polls} polls, {load_cpu * 1000 / max(load_polls, 1):.2f} ms a poll; "
          f"per desk per update {per_update:.3f} ms; per delivered (desk, message) {per_pair:.3f} ms")
    print(f"idle desk: {idle_cpu * 1000 / n_desks / idle_time:.2f} ms of CPU a second, "
          f"{idle_cpu * 1000 / max(idle_polls, 1):.2f} ms a poll ({idle_polls} polls in {idle_time:.0f} s)")
    print("targets: latency p95 ≤ 2000 ms; ≤ 5 ms of CPU per desk per update")


if __name__ == "__main__":
    main()
