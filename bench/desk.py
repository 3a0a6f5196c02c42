"""Benchmark: the desk's list, ticket page and search on PostgreSQL, each beside bare SQL.

    .venv/bin/python bench/desk.py [--tickets 1000000] [--reuse] [--repeat 40]
        [--db-url postgresql://postgres@127.0.0.1:5432/helpdesk_desk_bench] [--app-with-request]
        [--only TEXT]

Seeds its own database with COPY (about 3 messages per ticket, 0.6 citizens per ticket, 15 % of
tickets open), builds the GIN indexes after the load, then prints p50/p95 in ms for:
  app   the code the view runs to read its data (queues.list_page + deadline badges, search
        included; the ticket page's tickets.page), each time in a fresh transaction that a
        request has opened by loading the signed-in user, as Flask-Login does before the view;
        [n stmt] = SQL statements the timed code sent. With --app-with-request the timing also
        covers that request start (BEGIN, the user's row) and the request's end, which is the
        app's own (helpdesk.database.transaction: COMMIT, after reading only too, so psycopg
        keeps its prepared statements; a rollback() would deallocate them all).
  http  the whole GET through the Flask test client (signed in; templates, audit row)
  bare  the same rows and columns fetched by hand-written SQL over psycopg (autocommit),
        timed in alternation with app so that both run under the same machine load
and the ratio app/bare. Targets: list p95 ≤ 100 ms, search p95 ≤ 300 ms, ratio ≤ 1.5.
"""
import argparse
import os
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.desk_seed import PASSWORD, ensure_database, seed  # noqa: E402
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/helpdesk_desk_bench"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--reuse", action="store_true", help="keep the data of an earlier run if sized so")
    p.add_argument("--repeat", type=int, default=40)
    p.add_argument("--app-with-request", action="store_true",
                   help="time the request's BEGIN, user load and its end in the app column too")
    p.add_argument("--only", default="",
                   help="run only the calls whose name contains this text (e.g. 'overdue', 'page')")
    return p.parse_args()


# --- measuring -------------------------------------------------------------------------------

def timed(fn, repeat: int) -> list[float]:
    """Milliseconds of `repeat` calls after two warm-up calls; fn(i) gets the iteration number."""
    return paired(fn, None, repeat)[0]


def paired(app, bare, repeat: int, prepare=None, counter=None) -> tuple[list[float], list[float]]:
    """Milliseconds of `repeat` calls of app and of bare, in alternation, after two warm-up rounds.

    Alternating (app first in even rounds, bare first in odd ones) puts both under the same
    load from whatever else the machine runs. `prepare(i)`, untimed, runs before each app call
    and its result is passed on: app(i, prepared). `counter["on"]` is set while app's timed
    calls run (statements are counted only then).
    """
    counter = counter if counter is not None else {}
    app_ms, bare_ms = [], []
    for i in range(repeat + 2):
        for side in ((app, bare) if i % 2 == 0 else (bare, app)):
            if side is None:
                continue
            args = (i,) if side is bare or prepare is None else (i, prepare(i))
            counter["on"] = side is app and i >= 2
            t = time.perf_counter()
            side(*args)
            elapsed = (time.perf_counter() - t) * 1000
            counter["on"] = False
            if i >= 2:
                (app_ms if side is app else bare_ms).append(elapsed)
    return app_ms, bare_ms


def missing_columns(db) -> list[str]:
    """Columns of the models that the bench database does not have (reuse would fail on them)."""
    from sqlalchemy import inspect

    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names())
    missing = [table.name for table in db.metadata.sorted_tables if table.name not in tables]
    return missing + [f"{table.name}.{column}" for table in db.metadata.sorted_tables
                      if table.name in tables
                      for column in sorted(set(table.c.keys())
                                           - {c["name"] for c in inspector.get_columns(table.name)})]


def pct(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94]


LIST_SQL = """
SELECT t.id, t.number, t.status, t.kind, t.assignee_id, t.received_at, t.last_message_at,
       t.first_response_at, t.first_response_due, t.registered_at, t.registration_due,
       t.answered_at, t.answer_due, c.display_name, ch.kind, d.name, u.username, u.full_name
FROM tickets t JOIN citizens c ON c.id = t.citizen_id JOIN channels ch ON ch.id = t.channel_id
LEFT JOIN departments d ON d.id = t.department_id LEFT JOIN users u ON u.id = t.assignee_id
WHERE {where} ORDER BY {order} LIMIT 51"""
OPEN = "t.status IN ('new', 'triage', 'assigned', 'answered')"
DUE_CASE = ("CASE WHEN t.status NOT IN ('new', 'triage', 'assigned', 'answered') THEN NULL "
       "WHEN t.first_response_at IS NULL AND t.first_response_due IS NOT NULL THEN t.first_response_due "
       "WHEN t.kind = 'appeal' AND t.registered_at IS NULL THEN t.registration_due "
       "WHEN t.answered_at IS NULL THEN t.answer_due ELSE NULL END")
DUE = f"coalesce({DUE_CASE}, CAST('9999-01-01 00:00:00+00' AS TIMESTAMP WITH TIME ZONE))"
FTS_WALK = "t.id IN (SELECT ticket_id FROM ticket_search WHERE doc @@ to_tsquery('russian', %(q)s))"
FTS_RARE = ("t.id = ANY(ARRAY(SELECT ticket_id FROM ticket_search "
            "WHERE doc @@ to_tsquery('russian', %(q)s)))")


PAGE_SQL = [  # the ticket page, block by block, as tickets.page reads it
    "SELECT t.*, c.*, ch.kind, d.name, u.username, u.full_name FROM tickets t "
    "JOIN citizens c ON c.id = t.citizen_id JOIN channels ch ON ch.id = t.channel_id "
    "LEFT JOIN departments d ON d.id = t.department_id LEFT JOIN users u ON u.id = t.assignee_id "
    "WHERE t.id = %(t)s",
    "SELECT m.*, a.*, u.id, u.username, u.full_name FROM messages m "
    "LEFT JOIN attachments a ON a.message_id = m.id LEFT JOIN users u ON u.id = m.author_id "
    "WHERE m.ticket_id = %(t)s ORDER BY m.sent_at, m.id",
    "SELECT id, number, status, assignee_id, received_at FROM tickets WHERE citizen_id = %(c)s "
    "AND id <> %(t)s ORDER BY received_at DESC LIMIT 20",
    "SELECT * FROM routing_decisions WHERE ticket_id = %(t)s ORDER BY id DESC LIMIT 1",
    "SELECT * FROM canned_responses WHERE active AND (department_id IS NULL OR department_id = %(d)s) "
    "ORDER BY title",
]


def main() -> None:
    args = parse_args()
    ensure_database(args.db_url)
    from sqlalchemy import event, func, select

    from helpdesk import create_app
    from helpdesk.config import normalise_db_url
    from helpdesk.extensions import db
    from helpdesk.models import Ticket, User

    from tests.conftest import IsolatedClient

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
    if missing and args.reuse:
        print(f"the stored data lacks {', '.join(missing)} (the models changed): seeding again")
    if not (args.reuse and have == args.tickets and not missing):
        seed(app, args.tickets)
    import psycopg

    from helpdesk.auth.session import load_user
    from helpdesk.tickets import page as ticket_page
    from helpdesk.tickets import search as search_module
    from helpdesk.tickets.presenters import list_badges, soon_before
    from helpdesk.tickets.queues import ListFilters, list_page
    from helpdesk.tickets.stemming import pg_tsquery_text
    from tests.helpers import login

    raw = psycopg.connect(args.db_url, autocommit=True)
    results = []
    counter = {"on": False, "n": 0}

    def count(*_):
        counter["n"] += counter["on"]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", count)
    with app.app_context():
        n_tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        n_messages = db.session.scalar(select(func.count()).select_from(db.metadata.tables["messages"]))
        press = db.session.scalar(select(User).where(User.username == "press"))
        spec = db.session.scalar(select(User).where(User.username == "spec"))
        cookies = {press.id: press.get_id(), spec.id: spec.get_id()}
        now = db.session.scalar(select(func.max(Ticket.received_at)))
        first_page, _ = list_page(press, ListFilters(queue="all", status="open"), now, soon_before(now))
        cursor = first_page.next_after
        c_press, c_spec = app.test_client(), app.test_client()
        assert login(c_press, "press", PASSWORD).status_code == 302
        assert login(c_spec, "spec", PASSWORD).status_code == 302
        dept = spec.department_id
        district = "Арский район"
        day_from = (now - timedelta(days=60)).date()

        def run_app(view, user_id, bare):
            """Time view(i, user) as a request runs it (the user loaded in a fresh transaction),
            alternating with bare(i); returns app ms, statements per app call, bare ms."""
            def end():  # as a request ends: the request's COMMIT, then the session's teardown
                db.session.commit()
                db.session.close()

            def start(i):
                end()  # the previous request ends
                return load_user(cookies[user_id])

            def whole(i):
                view(i, load_user(cookies[user_id]))
                end()
            counter["n"] = 0
            if args.app_with_request:
                app_ms, bare_ms = paired(whole, bare, args.repeat, counter=counter)
            else:
                app_ms, bare_ms = paired(view, bare, args.repeat, prepare=start, counter=counter)
            db.session.rollback()
            return app_ms, counter["n"] / args.repeat, bare_ms

        scenarios = [
            ("list: department queue, open, newest", spec.id, ListFilters(queue="department", status="open"),
             "/tickets?queue=department&status=open", c_spec,
             f"t.department_id = {dept} AND {OPEN}", "t.received_at DESC, t.id DESC", {}),
            ("list: all, overdue, by due", press.id, ListFilters(queue="all", due="overdue", sort="due"),
             "/tickets?queue=all&due=overdue&sort=due", c_press,
             f"{DUE} <= %(now)s", f"{DUE} ASC, t.id ASC", {"now": now}),
            ("list: all, district + 60 days", press.id,
             ListFilters(queue="all", district=district, date_from=day_from),
             f"/tickets?queue=all&district={district}&date_from={day_from}", c_press,
             "t.district = %(d)s AND t.received_at >= %(f)s", "t.received_at DESC, t.id DESC",
             {"d": district, "f": datetime.combine(day_from, datetime.min.time(), timezone.utc)}),
            ("list: triage queue", press.id, ListFilters(queue="triage"), "/tickets?queue=triage", c_press,
             f"{OPEN} AND (t.status IN ('new','triage') OR t.department_id IS NULL OR t.department_id IN "
             "(SELECT id FROM departments WHERE is_triage) OR EXISTS (SELECT 1 FROM ticket_escalations e "
             "WHERE e.ticket_id = t.id AND e.resolved_at IS NULL))", "t.received_at DESC, t.id DESC", {}),
            ("list: open, page 2 (keyset)", press.id, ListFilters(queue="all", status="open", after=cursor),
             f"/tickets?queue=all&status=open&after={cursor}", c_press,
             f"{OPEN} AND (t.received_at, t.id) < (%(k)s, %(i)s)", "t.received_at DESC, t.id DESC",
             {"k": first_page.tickets[-1].received_at, "i": first_page.tickets[-1].id}),
        ]
        for word in ("дорога", "отопление", "Гарипова", "капитальный ремонт дома", "детский сад Казань",
                     "лифт Менделеевский", "фываолдж"):
            rare = search_module.is_rare(pg_tsquery_text(word))
            scenarios.append((f"search: {word} ({'rare' if rare else 'walk'})", press.id,
                              ListFilters(queue="all", q=word),
                              f"/tickets?queue=all&q={word}", c_press, FTS_RARE if rare else FTS_WALK,
                              "t.received_at DESC, t.id DESC", {"q": pg_tsquery_text(word)}))

        press_id = press.id
        for name, user_id, filters, url, client, where, order, params in scenarios:
            if args.only not in name:
                continue
            sql = LIST_SQL.format(where=where, order=order)

            def list_view(i, user, filters=filters):
                soon = soon_before(now)
                page, errors = list_page(user, filters, now, soon)
                assert not errors, errors
                list_badges(page.tickets, now, soon)

            def bare_call(i, sql=sql, params=params):
                raw.execute(sql, params).fetchall()

            def http_call(i, url=url, client=client):
                assert client.get(url).status_code == 200
            rows = len(raw.execute(sql, params).fetchall())
            app_ms, per_call, bare_ms = run_app(list_view, user_id, bare_call)
            results.append((name + f" [{per_call:.0f} stmt]", rows, app_ms,
                            timed(http_call, max(5, args.repeat // 4)), bare_ms))
            print_row(results[-1], flush=True)

        ids = [r[0] for r in raw.execute(
            "SELECT id FROM tickets WHERE citizen_id IN (SELECT citizen_id FROM tickets GROUP BY 1 "
            "HAVING count(*) > 2 LIMIT 50)").fetchall()][:50]
        keys = {tid: {"t": tid, "c": c, "d": d} for tid, c, d in raw.execute(
            "SELECT id, citizen_id, department_id FROM tickets WHERE id = ANY(%s)", (ids,)).fetchall()}

        def page_view(i, user):
            ticket = ticket_page.page_ticket(user, ids[i % len(ids)])
            ticket_page.page_data(user, ticket, now)

        def page_bare(i):
            tid = ids[i % len(ids)]
            # The citizen and department ids come with the ticket row (first statement).
            for sql in PAGE_SQL:
                raw.execute(sql, keys[tid]).fetchall()

        def page_http(i):
            assert c_press.get(f"/tickets/{ids[i % len(ids)]}").status_code == 200
        if args.only in "ticket page":
            app_ms, per_call, bare_ms = run_app(page_view, press_id, page_bare)
            results.append((f"ticket page [{per_call:.0f} stmt]", 1, app_ms,
                            timed(page_http, max(5, args.repeat // 4)), bare_ms))
            print_row(results[-1], flush=True)
    span = "request start and end included" if args.app_with_request else "user loaded before timing"
    span += "; requests end as the app ends them (COMMIT after reading only)"
    print(f"\n{n_tickets:,} tickets, {n_messages:,} messages; PostgreSQL; repeat {args.repeat}; "
          f"app: {span}")


def print_row(result, flush=False) -> None:
    name, rows, app_ms, http_ms, bare_ms = result
    a50, a95 = pct(app_ms)
    h50, h95 = pct(http_ms)
    b50, b95 = pct(bare_ms)
    print(f"{name:52s} rows={rows:3d}  app p50 {a50:7.1f} p95 {a95:7.1f} | http p50 {h50:7.1f} "
          f"p95 {h95:7.1f} | bare p50 {b50:7.1f} p95 {b95:7.1f} | app/bare p50 {a50 / b50:4.2f} "
          f"p95 {a95 / b95:4.2f}",
          flush=flush)


if __name__ == "__main__":
    main()
