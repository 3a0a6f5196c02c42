"""QA walkthrough: district and topic filters in part and any case, suggestions, layout, confirmations, digest."""
import re
from datetime import datetime, timezone

import pytest

from helpdesk.extensions import db
from helpdesk.models.routing import RoutingDecision, TopicMapping
from helpdesk.tickets.digest import build_digests
from helpdesk.tickets.suggest import matches
from tests.desk.test_fast_paths import Statements, _values
from tests.desk.world import add_ticket

ALMET = "Альметьевский муниципальный район"
ARSK = "Арский муниципальный район"
EDU = "Вопросы образования"
ROADS = "Дороги и транспорт"


@pytest.fixture
def places(world):
    w = world
    db.session.add_all([TopicMapping(topic=EDU, department_id=w.social.id, topic_code="0003.0013.0141"),
                        TopicMapping(topic=ROADS, department_id=w.economy.id, topic_code="0002.0011.0122")])
    w.almet = add_ticket(w.channel, w.social, district=ALMET, topic=EDU, topic_code="0003.0013.0141")
    w.arsk = add_ticket(w.channel, w.social, district=ARSK, topic=ROADS, topic_code="0002.0011.0122")
    w.odd = add_ticket(w.channel, w.social, district="Казань", topic="Тема без сопоставления")
    db.session.commit()
    return w


def _numbers(client, **args) -> set[str]:
    html = client.get("/tickets", query_string={"queue": "all", **args}).get_data(as_text=True)
    return set(re.findall(r'data-ticket="([^"]+)"', html))


@pytest.mark.parametrize("typed", ["Альметьевский", "альметьевский", "АЛЬМЕТЬЕВСКИЙ", "альметьевский район",
                                   "  Альметьевский   муниципальный район ", ALMET, "альмет"])
def test_district_filter_matches_a_part_in_any_case(places, signed_in, typed):
    assert _numbers(signed_in("press"), district=typed) == {places.almet.number}


@pytest.mark.parametrize("typed,found", [
    ("образования", "almet"), ("ОБРАЗОВАНИЯ", "almet"), ("вопросы образ", "almet"),
    ("0003.0013", "almet"), ("0002.0011.0122", "arsk"), ("дороги", "arsk"),
    ("Тема без сопоставления", "odd"),  # a topic the routing no longer maps: still found as typed
])
def test_topic_filter_matches_a_part_in_any_case(places, signed_in, typed, found):
    assert _numbers(signed_in("press"), topic=typed) == {getattr(places, found).number}


def test_filters_that_match_nothing_find_nothing(places, signed_in):
    client = signed_in("press")
    assert _numbers(client, district="Бавлинский") == set()
    assert _numbers(client, topic="здравоохранение") == set()
    assert _numbers(client, district="район") == {places.almet.number, places.arsk.number}


def test_matching_is_cyrillic_aware():
    assert matches("Ёлочный переулок", "елочный") and matches(ALMET, "МУНИЦИПАЛЬНЫЙ альметьевский")
    assert not matches(ARSK, "Альметьевский")


def test_known_values_are_written_in_and_the_typed_text_stays_bound(places):
    from helpdesk.tickets import presenters
    from helpdesk.tickets.queues import ListFilters, list_page

    now = datetime.now(timezone.utc)
    with Statements() as seen:
        page, _ = list_page(places.users["press"], ListFilters(queue="all", district="альметьевский"),
                            now, presenters.soon_before(now))
    statement, values = seen.sent[-1]
    assert [t.number for t in page.tickets] == [places.almet.number]
    assert f"'{ALMET}'" in statement and "альметьевский" in _values(values)


def test_filter_form_offers_known_districts_and_topics(places, signed_in):
    html = signed_in("press").get("/tickets").get_data(as_text=True)
    district_list = html[html.index('<datalist id="district-options">'):]
    district_list = district_list[:district_list.index("</datalist>")]
    assert re.findall(r'<option value="([^"]+)">', district_list) == sorted([ALMET, ARSK, "Казань"])
    assert 'list="district-options"' in html and 'list="topic-options"' in html
    assert f'<option value="{EDU}" label="0003.0013.0141">' in html
    assert f'<option value="{ROADS}" label="0002.0011.0122">' in html


def test_date_filters_have_visible_labels(world, signed_in):
    html = signed_in("press").get("/tickets").get_data(as_text=True)
    for field, text in (("f-from", "с"), ("f-to", "по")):
        label = re.search(rf'<label([^>]*) for="{field}">([^<]*)</label>', html)
        assert label and label.group(2) == text and "visually-hidden" not in label.group(1)


def test_wide_tables_scroll_inside_their_card(places, signed_in):
    client = signed_in("press")
    html = client.get("/tickets", query_string={"queue": "all"}).get_data(as_text=True)
    # The list never breaks a name mid-word: one line per cell, cut with the whole text as title
    # (desk.css: table.desk-list), no sideways scrolling.
    assert re.search(r'<table class="table table-sm table-hover tickets desk-list', html)
    assert "text-break" not in html
    assert html.count('<span class="desk-name" title="') >= 4
    long_topic = "Жилищно-коммунальное хозяйство: капитальный ремонт многоквартирных домов " * 3
    db.session.add(RoutingDecision(ticket_id=places.almet.id, language="ru", confidence=0.9,
                                   to_triage=False, reason="confident", matched_rules=[],
                                   candidates=[{"label": long_topic, "score": 0.9,
                                                "department_id": places.social.id}]))
    db.session.commit()
    html = client.get(f"/tickets/{places.almet.id}").get_data(as_text=True)
    table = re.search(r'<div class="table-responsive"><table class="[^"]*routing-candidates">(.*?)</table></div>',
                      html, re.S)
    # A long topic wraps between words; the table scrolls inside its card rather than break one.
    assert table and f"<td>{long_topic}</td>" in table.group(1)
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert ".routing-candidates td { overflow-wrap: normal; word-break: normal;" in css
    assert re.search(r'<div class="table-responsive"><table class="[^"]*deadline-panel">', html)


def test_close_asks_for_confirmation_and_still_works_without_javascript(world, signed_in):
    client = signed_in("press")
    html = client.get(f"/tickets/{world.ticket.id}").get_data(as_text=True)
    form = re.search(r'<form [^>]*action="/tickets/\d+/close"[^>]*>', html).group(0)
    assert f'data-confirm="Закрыть обращение {world.ticket.number} с выбранным результатом?"' in form
    js = client.get("/static/js/app.js").get_data(as_text=True)
    assert "data-confirm" in js and "window.confirm" in js and "preventDefault" in js


def test_digest_lists_only_departments_with_news_and_says_when_once(world, signed_in):
    w = world
    late = add_ticket(w.channel, w.social, received_at=datetime(2026, 3, 5, 6, 0, tzinfo=timezone.utc))
    w.ticket.status = "closed"  # the world's own ticket has nothing to report
    db.session.commit()
    html = signed_in("press").get("/digest").get_data(as_text=True)
    cards = re.findall(r'<h2 class="h5">([^<]+)</h2>', html)
    assert cards == [w.social.name] and late.number in html
    assert html.count("Актуально на") == 1
    assert re.search(r"Без просроченных и истекающих сроков: [^<]*Комитет по экономике", html)
    # With stored digests (the e-mailed snapshots) the page is the same: always as of now.
    build_digests(datetime.now(timezone.utc), force=True)
    db.session.commit()
    html = signed_in("press").get("/digest").get_data(as_text=True)
    assert re.findall(r'<h2 class="h5">([^<]+)</h2>', html) == [w.social.name]
    assert html.count("Актуально на") == 1 and "Сформирована" not in html
