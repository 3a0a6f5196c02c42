"""Benchmark: what a person waits for at the desk — the whole signed-in HTTP GET of every list,
search and ticket page — on PostgreSQL with a million tickets.

    .venv/bin/python bench/desk.py [--tickets 1000000] [--reuse] [--repeat 60]
        [--db-url postgresql://postgres@127.0.0.1:5432/helpdesk_desk_bench] [--only TEXT]

Seeds its own database with COPY (about 3 messages per ticket, 0.6 citizens per ticket, 15 % of
tickets open), builds the GIN indexes after the load, then times each GET through the Flask test
client, signed in (session, user, access checks, queries, template, audit row: all of the
request but the socket), and prints p50/p95/max in ms and the rows shown. Target: p95 ≤ 50 ms
for every list, search and ticket page.
"""
import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.desk_seed import PASSWORD, ensure_database, seed  # noqa: E402
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/helpdesk_desk_bench"
TARGET_MS = 50


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--reuse", action="store_true", help="keep the data of an earlier run if sized so")
    p.add_argument("--repeat", type=int, default=60)
    p.add_argument("--only", default="",
                   help="run only the calls whose name contains this text (e.g. 'overdue', 'page')")
    return p.parse_args()


def timed(fn, repeat: int) -> list[float]:
    """Milliseconds of `repeat` calls after two warm-up calls; fn(i) gets the iteration number."""
    times = []
    for i in range(repeat + 2):
        t = time.perf_counter()
        fn(i)
        if i >= 2:
            times.append((time.perf_counter() - t) * 1000)
    return times


def missing_columns(db) -> list[str]:
    """Columns of the models that the bench database does not have (reuse would fail on them)."""
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names())
    missing = [table.name for table in db.metadata.sorted_tables if table.name not in tables]
    missing += [f"{table.name}.{column}" for table in db.metadata.sorted_tables
                if table.name in tables
                for column in sorted(set(table.c.keys())
                                     - {c["name"] for c in inspector.get_columns(table.name)})]
    return missing + [f"index {index.name}" for table in db.metadata.sorted_tables
                      if table.name in tables for index in table.indexes
                      if index.name not in {i["name"] for i in inspector.get_indexes(table.name)}]


def top_up_schema(db, missing: list[str]) -> None:
    """Add the tables, columns and indexes that the models gained since the data was seeded
    (columns nullable unless they have a server default), so that --reuse keeps a million
    seeded rows."""
    from sqlalchemy import text
    from sqlalchemy.schema import CreateColumn

    tables = {table.name: table for table in db.metadata.sorted_tables}
    indexes = {index.name: index for table in tables.values() for index in table.indexes}
    with db.engine.begin() as conn:
        for name in missing:
            if name.startswith("index "):
                indexes[name.removeprefix("index ")].create(conn)
                continue
            if "." not in name:
                tables[name].create(conn)
                continue
            table, column = name.split(".", 1)
            col = tables[table].c[column]
            ddl = str(CreateColumn(col).compile(dialect=conn.dialect))
            if col.server_default is None:
                ddl = ddl.replace(" NOT NULL", "")
            conn.execute(text(f'ALTER TABLE "{table}" ADD COLUMN {ddl}'))
        conn.execute(text("ANALYZE"))


def pct(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94]


def main() -> None:
    args = parse_args()
    ensure_database(args.db_url)
    from sqlalchemy import func, select

    from helpdesk import create_app
    from helpdesk.config import normalise_db_url
    from helpdesk.extensions import db
    from helpdesk.models import Ticket, User
    from helpdesk.tickets import search as search_module
    from helpdesk.tickets.presenters import soon_before
    from helpdesk.tickets.queues import ListFilters, list_page
    from helpdesk.tickets.stemming import pg_tsquery_text
    from tests.conftest import IsolatedClient
    from tests.helpers import login

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_db_url(args.db_url),
                      "RATELIMIT_ENABLED": False})
    app.test_client_class = IsolatedClient  # each client keeps its own sign-in
    with app.app_context():
        try:
            have = db.session.scalar(select(func.count()).select_from(Ticket))
        except Exception:
            db.session.rollback()
            have = -1
        missing = missing_columns(db) if have >= 0 else []
    if missing and args.reuse and have == args.tickets:
        print(f"the stored data lacks {', '.join(missing)} (the models changed): adding them")
        with app.app_context():
            top_up_schema(db, missing)
    elif not (args.reuse and have == args.tickets):
        seed(app, args.tickets)
    with app.app_context():
        n_tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        n_messages = db.session.scalar(select(func.count()).select_from(db.metadata.tables["messages"]))
        press = db.session.scalar(select(User).where(User.username == "press"))
        now = db.session.scalar(select(func.max(Ticket.received_at)))
        first_page, _ = list_page(press, ListFilters(queue="all", status="open"), now, soon_before(now))
        cursor = first_page.next_after
        ids = [row[0] for row in db.session.execute(db.text(
            "SELECT id FROM tickets WHERE citizen_id IN (SELECT citizen_id FROM tickets GROUP BY 1 "
            "HAVING count(*) > 2 LIMIT 50)")).all()][:50]
        searches = [(word, search_module.is_rare(pg_tsquery_text(word)))
                    for word in ("дорога", "отопление", "Гарипова", "капитальный ремонт дома",
                                 "детский сад Казань", "лифт Менделеевский", "фываолдж")]
        db.session.rollback()
    c_press, c_spec = app.test_client(), app.test_client()
    assert login(c_press, "press", PASSWORD).status_code == 302
    assert login(c_spec, "spec", PASSWORD).status_code == 302
    district = "Арский район"
    day_from = (now - timedelta(days=60)).date()
    calls = [
        ("list: department queue, open", c_spec, "/tickets?queue=department&status=open"),
        ("list: all, overdue, by due", c_press, "/tickets?queue=all&due=overdue&sort=due"),
        ("list: all, district + 60 days", c_press,
         f"/tickets?queue=all&district={district}&date_from={day_from}"),
        ("list: triage queue", c_press, "/tickets?queue=triage"),
        ("list: open, page 2 (keyset)", c_press, f"/tickets?queue=all&status=open&after={cursor}"),
    ] + [(f"search: {word} ({'rare' if rare else 'walk'})", c_press, f"/tickets?queue=all&q={word}")
         for word, rare in searches]
    worst = 0.0
    for name, client, url in calls:
        if args.only in name:
            def get(i, client=client, url=url):
                assert client.get(url).status_code == 200
            worst = max(worst, print_row(name, timed(get, args.repeat)))
    if args.only in "ticket page":
        def page(i):
            assert c_press.get(f"/tickets/{ids[i % len(ids)]}").status_code == 200
        worst = max(worst, print_row(f"ticket page ({len(ids)} tickets in turn)",
                                     timed(page, args.repeat)))
    print(f"\n{n_tickets:,} tickets, {n_messages:,} messages; PostgreSQL; {args.repeat} GETs each; "
          f"worst p95 {worst:.1f} ms (target ≤ {TARGET_MS} ms: "
          f"{'met' if worst <= TARGET_MS else 'MISSED'}); load average %.1f" % os.getloadavg()[0])


def print_row(name: str, ms: list[float]) -> float:
    """Print one call's figures; returns its p95."""
    p50, p95 = pct(ms)
    print(f"{name:44s} p50 {p50:6.1f}  p95 {p95:6.1f}  max {max(ms):6.1f} ms", flush=True)
    return p95


if __name__ == "__main__":
    main()
