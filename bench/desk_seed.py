"""Seeding of bench/desk.py: 1,000,000 tickets, their messages and citizens loaded with COPY."""
import io
import random
import time
from datetime import datetime, timedelta, timezone

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
