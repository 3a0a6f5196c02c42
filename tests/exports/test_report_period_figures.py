"""The page's one aggregate pass equals the per-chart queries and a plain-Python recount."""
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest

from helpdesk.exports.filters import ExportFilter
from helpdesk.extensions import db
from helpdesk.models.ticket import TicketStatus
from helpdesk.reports import queries
from helpdesk.reports.aggregate import percentile
from helpdesk.reports.period_figures import PERIOD_KEYS, per_chart, period_aggregates
from helpdesk.reports.services import CHARTS, build_chart, build_reports
from tests.exports.factories import MSK, msk, ticket
from tests.helpers import make_channel, make_department, make_user

TZ = "Europe/Moscow"
FLT = ExportFilter(date(2026, 3, 1), date(2026, 3, 31))
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=timezone.utc)


def _seed(seed: int = 7) -> list[dict]:
    """Random tickets in and around March 2026; returns what was stored, for the recount."""
    rnd = random.Random(seed)
    depts = [make_department(f"Комитет {c}") for c in "АБВ"] + [None]
    channels = [make_channel("vk", "vk-main"), make_channel("telegram", "tg-main")]
    topics = ["Дороги", "ЖКХ", "Транспорт", "Школы", "", None] + [f"Тема {i}" for i in range(12)]
    districts = ["Казань", "Арский район", "Альметьевск", None, ""]
    stored = []
    for _ in range(160):
        received = msk(2026, 2, 27, 0, 0) + timedelta(minutes=rnd.randint(0, 36 * 1440))
        first = (received + timedelta(minutes=rnd.randint(1, 6000))
                 if rnd.random() < 0.8 else None)
        answered = first + timedelta(minutes=rnd.randint(0, 9000)) if first and rnd.random() < .8 \
            else None
        due = received + timedelta(days=rnd.choice([3, 7, 15])) if rnd.random() < 0.9 else None
        extended = due + timedelta(days=30) if due and rnd.random() < 0.15 else None
        fields = {"department": rnd.choice(depts), "channel": rnd.choice(channels),
                  "topic": rnd.choice(topics), "district": rnd.choice(districts),
                  "received": received, "first_response_at": first, "answered_at": answered,
                  "answer_due": due, "extended_until": extended}
        ticket(fields["channel"], fields["department"], received=received,
               topic=fields["topic"], district=fields["district"], first_response_at=first,
               answered_at=answered, answer_due=due, extended_until=extended,
               status=TicketStatus.ANSWERED if answered else TicketStatus.ASSIGNED)
        stored.append(fields)
    db.session.commit()
    return stored


def _recount(stored: list[dict]) -> dict:
    """The period's figures computed in Python from the generated tickets."""
    start, end = FLT.bounds(TZ)
    rows = [t for t in stored if start <= t["received"] < end]
    name = {id(t): t["department"].name if t["department"] else "—" for t in rows}
    minutes = defaultdict(list)
    on_time, decided = Counter(), Counter()
    for t in rows:
        if t["first_response_at"]:
            value = (t["first_response_at"] - t["received"]).total_seconds() / 60
            minutes[name[id(t)]].append(value)
            minutes["*"].append(value)
        due = t["extended_until"] or t["answer_due"]
        on_time[name[id(t)]] += bool(t["answered_at"] and due and t["answered_at"] <= due)
        decided[name[id(t)]] += bool(due and (t["answered_at"] or due < NOW))
    return {
        "by_day": sorted(Counter(t["received"].astimezone(MSK).date().isoformat()
                                 for t in rows).items()),
        "by_channel": Counter(t["channel"].name for t in rows),
        "by_department": Counter(name.values()),
        "first_response": {k: (percentile(v, .5), percentile(v, .9)) for k, v in minutes.items()},
        "on_time": {k: (on_time[k], decided[k]) for k in decided},
        "top_topics": Counter(t["topic"] for t in rows if t["topic"]),
        "top_districts": Counter(t["district"] for t in rows if t["district"]),
    }


def _assert_top(found: list[tuple], counts: Counter):
    assert [n for _, n in found] == sorted(counts.values(), reverse=True)[:queries.TOP_N]
    assert all(counts[value] == n for value, n in found)


def test_one_pass_matches_python_recount(ctx):
    expected = _recount(_seed())
    got = period_aggregates(FLT, None, TZ, NOW)
    assert set(got) == set(PERIOD_KEYS)
    assert got["by_day"] == expected["by_day"] and len(got["by_day"]) == 31
    assert dict(got["by_channel"]) == expected["by_channel"]
    assert [n for _, n in got["by_channel"]] == sorted(expected["by_channel"].values(),
                                                       reverse=True)
    assert dict(got["by_department"]) == expected["by_department"]
    assert set(got["first_response"]) == set(expected["first_response"])
    for key, (median, p90) in expected["first_response"].items():
        assert got["first_response"][key] == (pytest.approx(median), pytest.approx(p90))
    assert {(k or "—"): (a, b) for k, a, b in got["on_time"]} == expected["on_time"]
    _assert_top(got["top_topics"], expected["top_topics"])
    _assert_top(got["top_districts"], expected["top_districts"])


@pytest.mark.parametrize("scope", ["all", "department", "channel", "specialist", "empty"])
def test_one_pass_equals_per_chart_queries(ctx, scope):
    stored = _seed(11)
    dept = next(t["department"] for t in stored if t["department"])
    flt, user = FLT, None
    if scope == "department":
        flt = ExportFilter(FLT.date_from, FLT.date_to, department_id=dept.id)
    elif scope == "channel":
        flt = ExportFilter(FLT.date_from, FLT.date_to, channel_slug="tg-main")
    elif scope == "specialist":
        user = make_user("spec-onescan", "specialist", department=dept)
    elif scope == "empty":
        flt = ExportFilter(date(2025, 1, 1), date(2025, 1, 31))
    one, each = period_aggregates(flt, user, TZ, NOW), per_chart(flt, user, TZ, NOW)
    for key in ("by_day", "on_time", "top_topics", "top_districts"):
        assert one[key] == each[key], key
    for key in ("by_channel", "by_department"):  # ties in count have no defined order
        assert sorted(one[key]) == sorted(each[key]), key
        assert [n for _, n in one[key]] == [n for _, n in each[key]], key
    assert one["first_response"].keys() == each["first_response"].keys()
    for key, (median, p90) in each["first_response"].items():
        assert one["first_response"][key] == (pytest.approx(median), pytest.approx(p90))
    page = build_reports(flt, user, TZ, NOW)
    assert list(page) == list(CHARTS)
    for name in ("by_day", "first_response", "on_time", "overdue", "top_topics"):
        assert page[name] == build_chart(name, flt, user, TZ, NOW), name
    if scope == "empty":
        assert one["by_day"] == [] and one["first_response"] == {"*": (None, None)}
