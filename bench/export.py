"""Export and reports benchmark on PostgreSQL (not a test): prints rows/s, peak memory, page time.

    .venv/bin/python bench/export.py --rows 1000000 [--db URL] [--skip-seed] [--formats csv,xlsx]
    .venv/bin/python bench/export.py --skip-seed --formats "" --repeat 7   # reports page only

Seeds N tickets with COPY into its own database (default helpdesk_export_bench), then runs each
export in a fresh child process at two sizes (a tenth of the rows and all of them) and prints
rows/s and the child's peak RSS, so flat memory shows as the same peak at both sizes. Targets:
CSV ≥ 50,000 rows/s, XLSX ≥ 20,000 rows/s, peak ≤ 200 MB and flat.
"""
import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/helpdesk_export_bench"
START = datetime(2024, 12, 1, tzinfo=timezone.utc)
DAYS = 730


def make_app(url: str):
    os.environ.setdefault("HELPDESK_ENV", "test")
    from helpdesk import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url.replace("postgresql://",
                                                              "postgresql+psycopg://", 1),
                       "RATELIMIT_ENABLED": False})


def seed(url: str, rows: int) -> None:
    """Fresh schema, reference rows through the ORM, tickets and citizens through COPY."""
    from helpdesk.extensions import db
    from helpdesk.models import Channel, Department, User

    app = make_app(url)
    rnd = random.Random(42)
    with app.app_context():
        db.drop_all()
        db.create_all()
        depts = [Department(name=f"Комитет {i}") for i in range(12)]
        channels = [Channel(kind=k, slug=f"{k}-main", name=f"{k}-main", token="t")
                    for k in ("vk", "ok", "telegram")]
        db.session.add_all(depts + channels)
        db.session.flush()
        users = [User(username=f"spec{i}", full_name=f"Специалист {i}", role="specialist",
                      department_id=depts[i % 12].id, password_hash="x") for i in range(40)]
        auditor = User(username="bench-auditor", role="auditor")
        auditor.set_password("bench-password-123")
        db.session.add_all(users + [auditor])
        db.session.commit()
        dept_ids = [d.id for d in depts]
        chan_ids = [c.id for c in channels]
        user_ids = [u.id for u in users]
        citizens = max(1, rows // 3)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            t0 = time.perf_counter()
            with cur.copy("COPY citizens (id, channel_id, external_user_id, reply_address,"
                          " display_name, first_name, last_name, username, created_at)"
                          " FROM STDIN") as cp:
                for i in range(1, citizens + 1):
                    cp.write_row((i, chan_ids[i % 3], f"u{i}", str(i), f"Гражданин {i}",
                                  "Имя", "Фамилия", f"user{i}", START))
            codes = [f"0005.0005.00{50 + i}.11{i:02d}" for i in range(40)]
            districts = [f"Район {i}" for i in range(45)]
            results = ["supported", "explained", "not_supported", "answered", "no_answer"]
            cols = ("id, number, status, kind, channel_id, citizen_id, department_id, assignee_id,"
                    " subject, district, topic, topic_code, extracted, received_at,"
                    " registered_at, first_response_at, answered_at, closed_at, last_message_at,"
                    " updated_at, answer_due, extended_until, forwarded_at, result")
            with cur.copy(f"COPY tickets ({cols}) FROM STDIN") as cp:
                for i in range(1, rows + 1):
                    received = START + timedelta(seconds=int(DAYS * 86400 * i / rows))
                    citizen = rnd.randint(1, citizens)
                    dept = dept_ids[i % 12]
                    first = received + timedelta(minutes=rnd.randint(5, 4 * 1440))
                    answered = first + timedelta(minutes=rnd.randint(0, 10 * 1440))
                    due = received + timedelta(days=7)
                    appeal = i % 5 == 0
                    state = rnd.random()
                    is_open = state < 0.1 and received > START + timedelta(days=DAYS - 60)
                    status = "assigned" if is_open else ("forwarded" if state > 0.97 else "closed")
                    cp.write_row((
                        i, f"B{i:09d}", status, "appeal" if appeal else "message",
                        chan_ids[i % 3], citizen, dept, user_ids[i % 40] if i % 3 else None,
                        "Тема обращения", districts[i % 45], f"Тема {i % 40}", codes[i % 40],
                        "{}", received, received + timedelta(hours=2) if appeal else None,
                        None if is_open else first, None if is_open else answered,
                        None if is_open else answered, received, received, due,
                        due + timedelta(days=30) if appeal and i % 7 == 0 else None,
                        answered if status == "forwarded" else None,
                        None if is_open else ("forwarded" if status == "forwarded"
                                              else results[i % 5])))
            cur.execute("SELECT setval('tickets_id_seq', %s)", (rows,))
            cur.execute("SELECT setval('citizens_id_seq', %s)", (citizens,))
            raw.commit()
            cur.execute("ANALYZE")
            raw.commit()
            print(f"seeded {rows:,} tickets, {citizens:,} citizens in "
                  f"{time.perf_counter() - t0:.1f} s (COPY)")
        finally:
            raw.close()


def period_for(rows_wanted: int, total: int) -> tuple[date, date]:
    """A period of local dates holding about rows_wanted of the evenly spread tickets."""
    days = max(1, round(DAYS * rows_wanted / total))
    first = (START + timedelta(days=1)).date()
    return first, first + timedelta(days=days - 1) if rows_wanted < total else (
        START + timedelta(days=DAYS + 1)).date()


def child(url: str, fmt: str, date_from: str, date_to: str) -> None:
    """Run one export in this process and print JSON: rows, seconds, peak and baseline RSS.

    "csv:python" is the CSV built from the Python rows (the path SQLite takes), with
    PostgreSQL's COPY path switched off, to show whether that path is still needed."""
    fmt, _, path = fmt.partition(":")
    app = make_app(url)
    with app.app_context():
        from dataclasses import replace

        from helpdesk.exports import services
        from helpdesk.exports.services import export_to_file
        from helpdesk.extensions import db

        if path == "python":
            services.KINDS["response_times"] = replace(services.KINDS["response_times"],
                                                       copy_csv=None)

        out = f"/tmp/bench-export.{fmt}"
        # Warm up: calendar, holidays tables and statement caches load once per process.
        export_to_file("response_times", fmt, {"date_from": date_from, "date_to": date_from}, out)
        db.session.commit()
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0, cpu0 = time.perf_counter(), time.process_time()
        rows = export_to_file("response_times", fmt, {"date_from": date_from,
                                                      "date_to": date_to}, out)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        db.session.commit()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"rows": rows, "seconds": seconds, "cpu": cpu, "peak_mb": peak,
                          "base_mb": base,
                          "bytes": os.path.getsize(out)}))
        os.unlink(out)


def run_child(url: str, fmt: str, period: tuple[date, date]) -> dict:
    cmd = [sys.executable, __file__, "--db", url, "--child", fmt, period[0].isoformat(),
           period[1].isoformat()]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def reports_time(url: str, repeat: int = 1) -> list[tuple[str, float, int]]:
    """Median time of GET /reports/ (default last 30 days, and a whole year) as an auditor."""
    from statistics import median

    from tests.helpers import login

    app = make_app(url)
    client = app.test_client()
    assert login(client, "bench-auditor", "bench-password-123").status_code == 302
    end = (START + timedelta(days=DAYS)).date()
    results = []
    for label, days in (("30 days", 30), ("365 days", 365)):
        start = end - timedelta(days=days - 1)
        query = f"/reports/?from={start.isoformat()}&to={end.isoformat()}"
        client.get(query)  # warm caches once
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(query)
            times.append(time.perf_counter() - t0)
        results.append((label, median(times), response.status_code))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000, help="tickets to seed")
    parser.add_argument("--db", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded database")
    parser.add_argument("--formats", default="csv,csv:python,xlsx",
                        help="which of csv (PostgreSQL's COPY), csv:python (the Python rows),"
                             " xlsx to run")
    parser.add_argument("--skip-reports", action="store_true")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time the reports page this many times and print the median")
    parser.add_argument("--child", nargs=3, metavar=("FMT", "FROM", "TO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.db, *args.child)
        return
    if not args.skip_seed:
        seed(args.db, args.rows)
    total = args.rows
    print("load average at start: %.1f" % os.getloadavg()[0])
    print(f"{'export':<12} {'rows':>10} {'seconds':>8} {'rows/s':>9} {'client CPU s':>12} "
          f"{'peak MB':>8} {'base MB':>8} {'file MB':>8}")
    for fmt in ("csv", "csv:python", "xlsx"):
        if fmt not in args.formats.split(","):
            continue
        for size in (total // 10, total):
            r = run_child(args.db, fmt, period_for(size, total))
            print(f"{fmt:<12} {r['rows']:>10,} {r['seconds']:>8.1f} "
                  f"{r['rows'] / r['seconds']:>9,.0f} {r['cpu']:>12.1f} {r['peak_mb']:>8.0f} "
                  f"{r['base_mb']:>8.0f} {r['bytes'] / 1e6:>8.1f}", flush=True)
    for label, seconds, status in ([] if args.skip_reports else reports_time(args.db, args.repeat)):
        print(f"reports page ({label}): {seconds:.3f} s median of {args.repeat} (HTTP {status})")
    print("load average (1, 5, 15 min): %.1f %.1f %.1f on %d CPUs" % (*os.getloadavg(),
                                                                    os.cpu_count()))


if __name__ == "__main__":
    main()
