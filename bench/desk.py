"""Benchmark: the desk's list, ticket page and search on PostgreSQL, each beside bare SQL.

    .venv/bin/python bench/desk.py [--tickets 1000000] [--reuse] [--repeat 40]
        [--db-url postgresql://postgres@127.0.0.1:5432/helpdesk_desk_bench]

Seeds its own database with COPY (about 3 messages per ticket, 0.6 citizens per ticket, 15 % of
tickets open), builds the GIN indexes after the load, then prints p50/p95 in ms for:
  app   the code the view runs (queues.list_page + deadline badges; search through helpdesk.access),
        in a fresh transaction each time as a request has; [n stmt] = SQL statements it sent
  http  the whole GET through the Flask test client (signed in; templates, audit row)
  bare  the same rows fetched by hand-written SQL over psycopg
and the ratio app/bare. Targets: list p95 ≤ 100 ms, search p95 ≤ 300 ms, ratio ≤ 1.5.
"""
import argparse
import io
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/helpdesk_desk_bench"
PASSWORD = "bench-password-123"
DISTRICTS = ["Арский район", "Лаишевский район", "Казань", "Набережные Челны", "Альметьевский район",
             "Зеленодольский район", "Нижнекамский район", "Менделеевский район", "Буинский район"]
PROBLEMS = ["Разбитая дорога", "Нет отопления", "Не вывозят мусор", "Плохое освещение улицы",
            "Не работает лифт", "Протекает крыша", "Нет горячей воды", "Закрыли остановку автобуса",
            "Нет мест в детском саду", "Очереди в поликлинике", "Не хватает врачей",
            "Задерживают пенсию", "Нужна газификация", "Стихийная свалка у леса",
            "Капитальный ремонт дома затянулся", "Нужен тротуар к школе", "Отменили субсидию"]
PLACES = ["на улице Ленина", "во дворе дома 5", "у школы № 3", "возле больницы", "в деревне",
          "в микрорайоне", "на трассе", "у остановки", "в поселке", "по дороге к садику"]
ASKS = ["Прошу разобраться.", "Когда это исправят?", "Помогите, пожалуйста!",
        "Обращались много раз, ответа нет.", "Просим принять меры.", "Жители возмущены."]
EXTRA = ["Дети ходят по обочине.", "Пожилым людям тяжело.", "Фото прилагаю.", "",
         "Спасибо за внимание.", "Управляющая компания не отвечает.", "Ремонт обещали весной."]
FIRST = ["Иван", "Рустам", "Марат", "Анна", "Гульнара", "Ольга", "Айдар", "Лейсан", "Сергей", "Алсу"]
SURNAMES = ["Гарипов", "Петров", "Хасанов", "Сафин", "Иванов", "Зарипов", "Смирнов", "Валиев",
            "Кузнецов", "Шарипов", "Галиев", "Соколов", "Нуриев", "Морозов", "Ахметов"]
FEMALE = {"Анна", "Гульнара", "Ольга", "Лейсан", "Алсу"}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tickets", type=int, default=1_000_000)
    p.add_argument("--db-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    p.add_argument("--reuse", action="store_true", help="keep the data of an earlier run if sized so")
    p.add_argument("--repeat", type=int, default=40)
    return p.parse_args()


# --- seeding ---------------------------------------------------------------------------------

def ensure_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _ts(value: datetime | None) -> str:
    return value.isoformat() if value else r"\N"


def _copy(cur, table: str, columns: list[str], rows) -> int:
    n = 0
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        buf = io.StringIO()
        for row in rows:
            buf.write("\t".join(row))
            buf.write("\n")
            n += 1
            if n % 20000 == 0:
                copy.write(buf.getvalue())
                buf = io.StringIO()
        copy.write(buf.getvalue())
    return n


def seed(app, n_tickets: int) -> None:
    """Drop and create the schema, COPY the data in, then build the GIN indexes."""
    import psycopg

    from helpdesk.extensions import db
    from helpdesk.models import Department, User
    from helpdesk.models.channel import Channel

    rnd = random.Random(5)
    with app.app_context():
        db.drop_all()
        db.create_all()
        depts = [Department(name="Пресс-служба", is_triage=True)] + [
            Department(name=f"Комитет № {i}") for i in range(1, 10)]
        db.session.add_all(depts)
        channels = [Channel(kind=k, slug=f"{k}-bench", name=k, token="x") for k in ("vk", "ok", "telegram")]
        db.session.add_all(channels)
        db.session.flush()
        press = User(username="press", role="press", department_id=depts[0].id)
        spec = User(username="spec", role="specialist", department_id=depts[1].id)
        for u in (press, spec):
            u.set_password(PASSWORD)
        db.session.add_all([press, spec])
        db.session.commit()
        dept_ids = [d.id for d in depts]
        channel_ids = [c.id for c in channels]
        db.session.remove()
        db.engine.dispose()
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    texts = [f"Здравствуйте! {rnd.choice(PROBLEMS)} {rnd.choice(PLACES)}, {rnd.choice(DISTRICTS)}. "
             f"{rnd.choice(ASKS)} {rnd.choice(EXTRA)}".strip() for _ in range(20000)]
    start = datetime(2024, 12, 1, tzinfo=timezone.utc)
    span = 720 * 86400
    n_citizens = max(1, int(n_tickets * 0.6))
    t0 = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        # Bulk load: no row triggers (the search documents are built in one statement after),
        # secondary search/due indexes built after the load.
        cur.execute("SET session_replication_role = replica")
        cur.execute("DROP INDEX IF EXISTS ix_ticket_search_doc")
        cur.execute("DROP INDEX IF EXISTS ix_tickets_due_key")

        def citizens():
            for i in range(1, n_citizens + 1):
                first, last = rnd.choice(FIRST), rnd.choice(SURNAMES)
                if first in FEMALE:
                    last += "а"
                yield (str(i), str(channel_ids[i % 3]), f"u{i}", str(i), f"{first} {last}", first,
                       last, "", start.isoformat())
        _copy(cur, "citizens", ["id", "channel_id", "external_user_id", "reply_address",
                                "display_name", "first_name", "last_name", "username", "created_at"],
              citizens())
        ticket_rows = []
        statuses = ["closed"] * 80 + ["forwarded"] * 5 + ["assigned"] * 8 + ["triage"] * 3 + ["answered"] * 4

        def tickets():
            for i in range(1, n_tickets + 1):
                received = start + timedelta(seconds=span * i / n_tickets)
                status = rnd.choice(statuses)
                dept = dept_ids[0] if status == "triage" else rnd.choice(dept_ids[1:])
                first_due = received + timedelta(hours=rnd.choice([8, 20, 30, 60]))
                answer_due = received + timedelta(days=9)
                answered = received + timedelta(hours=5) if status in ("closed", "answered", "forwarded") else None
                closed = received + timedelta(days=3) if status in ("closed", "forwarded") else None
                ticket_rows.append(received)
                yield (str(i), f"B-{i:08d}", status, "appeal" if i % 20 == 0 else "message",
                       str(channel_ids[i % 3]), str(rnd.randint(1, n_citizens)), str(dept), r"\N", "",
                       rnd.choice(DISTRICTS), "{}", _ts(received), _ts(received if i % 20 == 0 else None),
                       _ts(answered), _ts(answered), _ts(closed), _ts(received), _ts(received),
                       _ts(first_due), _ts(answer_due))
        _copy(cur, "tickets", ["id", "number", "status", "kind", "channel_id", "citizen_id",
                               "department_id", "assignee_id", "subject", "district", "extracted",
                               "received_at", "registered_at", "first_response_at", "answered_at",
                               "closed_at", "last_message_at", "updated_at", "first_response_due",
                               "answer_due"], tickets())

        def messages():
            mid = 0
            for i, received in enumerate(ticket_rows, start=1):
                for k in range(rnd.choice((1, 2, 3, 3, 4, 5))):
                    mid += 1
                    direction = "inbound" if k % 2 == 0 else "outbound"
                    at = _ts(received + timedelta(hours=k))
                    yield (str(mid), str(i), str(channel_ids[i % 3]), direction, rnd.choice(texts),
                           f"k{mid}" if direction == "inbound" else r"\N", at, at,
                           "none" if direction == "inbound" else "sent", "f")
        n_messages = _copy(cur, "messages", ["id", "ticket_id", "channel_id", "direction", "text",
                                             "external_key", "sent_at", "created_at",
                                             "delivery_status", "is_auto"], messages())
        conn.commit()
        print(f"loaded {n_tickets:,} tickets, {n_messages:,} messages, {n_citizens:,} citizens "
              f"in {time.perf_counter() - t0:.0f} s", flush=True)
        t1 = time.perf_counter()
        cur.execute("SET maintenance_work_mem = '1GB'")
        from helpdesk.models.search import CITIZEN_NAME_SQL, _due_index_ddl
        cur.execute(
            "INSERT INTO ticket_search (ticket_id, doc) SELECT t.id, coalesce(m.doc, ''::tsvector) || "
            f"to_tsvector('russian', {CITIZEN_NAME_SQL.format(t='c')}) FROM tickets t "
            "JOIN citizens c ON c.id = t.citizen_id LEFT JOIN (SELECT ticket_id, to_tsvector('russian', "
            "string_agg(text, ' ' ORDER BY id)) AS doc FROM messages GROUP BY ticket_id) m "
            "ON m.ticket_id = t.id")
        cur.execute("CREATE INDEX ix_ticket_search_doc ON ticket_search USING gin (doc)")
        cur.execute(_due_index_ddl("postgresql").statement)
        cur.execute("SET session_replication_role = origin")
        for table in ("citizens", "tickets", "messages"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        conn.commit()
        conn.autocommit = True
        cur.execute("VACUUM ANALYZE")
        print(f"search documents, GIN and due-key indexes, ANALYZE in {time.perf_counter() - t1:.0f} s", flush=True)


# --- measuring -------------------------------------------------------------------------------

def timed(fn, repeat: int) -> list[float]:
    """Milliseconds of `repeat` calls after two warm-up calls; fn(i) gets the iteration number."""
    for i in range(2):
        fn(i)
    out = []
    for i in range(repeat):
        t = time.perf_counter()
        fn(i)
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float]) -> tuple[float, float]:
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94]


LIST_SQL = """
SELECT t.id, t.number, t.status, t.kind, t.received_at, t.first_response_due, t.answer_due,
       t.registration_due, t.first_response_at, t.answered_at, t.registered_at,
       c.display_name, ch.kind, d.name, u.username
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


def main() -> None:
    args = parse_args()
    ensure_database(args.db_url)
    from sqlalchemy import func, select

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
    if not (args.reuse and have == args.tickets):
        seed(app, args.tickets)
    import psycopg

    from helpdesk.tickets.presenters import list_badges, soon_before
    from helpdesk.tickets.queues import ListFilters, list_page
    from helpdesk.tickets.stemming import pg_tsquery_text
    from tests.helpers import login

    raw = psycopg.connect(args.db_url, autocommit=True)
    results = []
    from sqlalchemy import event

    statements = {"n": 0}
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *a: statements.__setitem__("n", statements["n"] + 1))
    with app.app_context():
        n_tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        n_messages = db.session.scalar(select(func.count()).select_from(db.metadata.tables["messages"]))
        press = db.session.scalar(select(User).where(User.username == "press"))
        spec = db.session.scalar(select(User).where(User.username == "spec"))
        now = db.session.scalar(select(func.max(Ticket.received_at)))
        soon = soon_before(now)
        first_page, _ = list_page(press, ListFilters(queue="all", status="open"), now, soon)
        cursor = first_page.next_after
        c_press, c_spec = app.test_client(), app.test_client()
        assert login(c_press, "press", PASSWORD).status_code == 302
        assert login(c_spec, "spec", PASSWORD).status_code == 302
        dept = spec.department_id
        district = "Арский район"
        day_from = (now - timedelta(days=60)).date()

        scenarios = [
            ("list: department queue, open, newest", spec, ListFilters(queue="department", status="open"),
             "/tickets?queue=department&status=open", c_spec,
             f"t.department_id = {dept} AND {OPEN}", "t.received_at DESC, t.id DESC", {}),
            ("list: all, overdue, by due", press, ListFilters(queue="all", due="overdue", sort="due"),
             "/tickets?queue=all&due=overdue&sort=due", c_press,
             f"{DUE} <= %(now)s", f"{DUE} ASC, t.id ASC", {"now": now}),
            ("list: all, district + 60 days", press,
             ListFilters(queue="all", district=district, date_from=day_from),
             f"/tickets?queue=all&district={district}&date_from={day_from}", c_press,
             "t.district = %(d)s AND t.received_at >= %(f)s", "t.received_at DESC, t.id DESC",
             {"d": district, "f": datetime.combine(day_from, datetime.min.time(), timezone.utc)}),
            ("list: triage queue", press, ListFilters(queue="triage"), "/tickets?queue=triage", c_press,
             f"{OPEN} AND (t.status IN ('new','triage') OR t.department_id IS NULL OR t.department_id IN "
             "(SELECT id FROM departments WHERE is_triage) OR EXISTS (SELECT 1 FROM ticket_escalations e "
             "WHERE e.ticket_id = t.id AND e.resolved_at IS NULL))", "t.received_at DESC, t.id DESC", {}),
            ("list: open, page 2 (keyset)", press, ListFilters(queue="all", status="open", after=cursor),
             f"/tickets?queue=all&status=open&after={cursor}", c_press,
             f"{OPEN} AND (t.received_at, t.id) < (%(k)s, %(i)s)", "t.received_at DESC, t.id DESC",
             {"k": first_page.tickets[-1].received_at, "i": first_page.tickets[-1].id}),
        ]
        for word in ("дорога", "отопление", "Гарипова", "капитальный ремонт дома", "детский сад Казань",
                     "лифт Менделеевский", "фываолдж"):
            from helpdesk.tickets import search as search_module
            rare = search_module._pg_estimate(pg_tsquery_text(word)) <= search_module.RARE_FRACTION
            scenarios.append((f"search: {word} ({'rare' if rare else 'walk'})", press,
                              ListFilters(queue="all", q=word),
                              f"/tickets?queue=all&q={word}", c_press, FTS_RARE if rare else FTS_WALK,
                              "t.received_at DESC, t.id DESC", {"q": pg_tsquery_text(word)}))

        for name, user, filters, url, client, where, order, params in scenarios:
            sql = LIST_SQL.format(where=where, order=order)

            def app_call(i, user=user, filters=filters):
                page, errors = list_page(user, filters, now, soon)
                assert not errors, errors
                list_badges(page.tickets, now)
                db.session.rollback()

            def bare_call(i, sql=sql, params=params):
                raw.execute(sql, params).fetchall()

            def http_call(i, url=url, client=client):
                assert client.get(url).status_code == 200
            rows = len(raw.execute(sql, params).fetchall())
            statements["n"] = 0
            app_ms = timed(app_call, args.repeat)
            per_call = statements["n"] / (args.repeat + 2)
            results.append((name + f" [{per_call:.0f} stmt]", rows, app_ms,
                            timed(http_call, max(5, args.repeat // 4)), timed(bare_call, args.repeat)))
            print_row(results[-1], flush=True)

        ids = [r[0] for r in raw.execute(
            "SELECT id FROM tickets WHERE citizen_id IN (SELECT citizen_id FROM tickets GROUP BY 1 "
            "HAVING count(*) > 2 LIMIT 50)").fetchall()][:50]

        def page_app(i):
            from helpdesk.tickets import presenters
            from helpdesk.access import ticket_or_404
            from helpdesk.models import Message
            from sqlalchemy.orm import selectinload

            t = ticket_or_404(press, ids[i % len(ids)])
            db.session.scalars(select(Message).where(Message.ticket_id == t.id).options(
                selectinload(Message.attachments), selectinload(Message.author))
                .order_by(Message.sent_at, Message.id)).all()
            presenters.deadline_panel(t, now)
            presenters.citizen_tickets(press, t)
            presenters.routing_explanation(t)
            presenters.canned_for(t)
            db.session.rollback()

        def page_bare(i):
            tid = ids[i % len(ids)]
            row = raw.execute("SELECT t.citizen_id, t.*, c.display_name FROM tickets t JOIN citizens c "
                              "ON c.id = t.citizen_id WHERE t.id = %s", (tid,)).fetchone()
            raw.execute("SELECT m.*, a.id FROM messages m LEFT JOIN attachments a ON a.message_id = m.id "
                        "WHERE m.ticket_id = %s ORDER BY m.sent_at, m.id", (tid,)).fetchall()
            raw.execute("SELECT id, number, status, received_at FROM tickets WHERE citizen_id = %s AND "
                        "id <> %s ORDER BY received_at DESC LIMIT 20", (row[0], tid)).fetchall()
            raw.execute("SELECT * FROM routing_decisions WHERE ticket_id = %s ORDER BY id DESC LIMIT 1",
                        (tid,)).fetchall()

        def page_http(i):
            assert c_press.get(f"/tickets/{ids[i % len(ids)]}").status_code == 200
        results.append(("ticket page", 1, timed(page_app, args.repeat), timed(page_http, max(5, args.repeat // 4)),
                        timed(page_bare, args.repeat)))
        print_row(results[-1], flush=True)
    print(f"\n{n_tickets:,} tickets, {n_messages:,} messages; PostgreSQL; repeat {args.repeat}")


def print_row(result, flush=False) -> None:
    name, rows, app_ms, http_ms, bare_ms = result
    a50, a95 = pct(app_ms)
    h50, h95 = pct(http_ms)
    b50, b95 = pct(bare_ms)
    print(f"{name:52s} rows={rows:3d}  app p50 {a50:7.1f} p95 {a95:7.1f} | http p50 {h50:7.1f} "
          f"p95 {h95:7.1f} | bare p50 {b50:7.1f} p95 {b95:7.1f} | app/bare p95 {a95 / b95:4.2f}",
          flush=flush)


if __name__ == "__main__":
    main()
