"""Collective appeals: the detector, the flag set at routing, and the ССТУ summary's count."""
import pytest
from sqlalchemy import select

from helpdesk.routing.collective import is_collective
from helpdesk.exports.sstu import sstu_rows
from helpdesk.exports.filters import parse_month
from helpdesk.extensions import db
from helpdesk.models import Message
from helpdesk.models.ticket import TicketStatus
from tests.exports.factories import msk, ticket
from tests.helpers import make_channel, make_department, make_ticket


@pytest.mark.parametrize("text, expected", [
    ("Коллективное обращение жителей посёлка Васильево по поводу автобуса", True),
    ("Направляем коллективную жалобу на управляющую компанию", True),
    ("Мы, жители дома № 12 по ул. Ленина, просим отремонтировать крышу", True),
    ("Мы жители улицы Садовой, у нас нет воды третий день", True),
    ("Мы, родители учеников школы № 5, против закрытия бассейна", True),
    ("Пишу от имени жителей нашего дома: подъезд не убирают", True),
    ("Мы, нижеподписавшиеся, требуем восстановить освещение", True),
    ("Жители дома 7 по улице Гагарина просим установить лежачего полицейского", True),
    ("Обращение поддержали соседи, собрано 48 подписей, список подписей прилагаем", True),
    ("Просим принять меры.\n1. Иванов И. И., кв. 3\n2. Петрова А. С., кв. 8\n3. Сидоров П. П.", True),
    ("Просим принять меры.\nИ.И. Иванов\nА.С. Петрова", True),
    # One citizen, even when writing about other residents.
    ("Жители дома 5 паркуют машины на газоне, примите меры", False),
    ("Я, житель дома 12, прошу отремонтировать крышу", False),
    ("Прошу разобраться: глава поселения Иванов И. И. не отвечает на звонки", False),
    ("Спасибо большое за помощь!", False),
    ("Подпись: Иванов И. И.", False),
    ("У мыса жители ловят рыбу", False),
    ("", False),
    (None, False),
])
def test_is_collective(text, expected):
    assert is_collective(text) is expected


def test_summary_counts_collective_appeals(ctx):
    dept = make_department()
    vk = make_channel("vk", "vk-main")
    for i, collective in enumerate((True, True, False)):
        ticket(vk, dept, received=msk(2026, 11, 3 + i, 10, 0), collective=collective,
               status=TicketStatus.ASSIGNED, kind="appeal")
    ticket(vk, dept, received=msk(2026, 10, 30, 10, 0), collective=True,
           kind="appeal")  # previous month
    db.session.commit()
    rows = list(sstu_rows(*parse_month("2026-11")))
    assert ("Коллективные", 2) in rows and ("Всего обращений", 3) in rows


def test_routing_marks_a_collective_ticket(ctx, tmp_path):
    from helpdesk.models import Department
    from helpdesk.models.routing import TopicMapping
    from helpdesk.routing.service import fit_and_save, register_model
    from helpdesk.tickets.routed import route_ticket

    housing = Department(name="Комитет по жилищной политике")
    db.session.add(housing)
    db.session.flush()
    db.session.add(TopicMapping(topic="ЖКХ", department_id=housing.id))
    texts = ["Нет горячей воды в доме", "Протекает крыша подъезда", "Ямы на дороге",
             "Дорогу не ремонтировали десять лет"]
    path = tmp_path / "m.joblib"
    register_model(path, fit_and_save(texts, ["ЖКХ", "ЖКХ", "Дороги", "Дороги"], path))
    channel = make_channel()
    routed = {}
    for text in ("Мы, жители дома № 3, просим починить крышу подъезда",
                 "У меня в квартире нет горячей воды"):
        t = make_ticket(channel, None, text=text, status="new")
        route_ticket(t, db.session.scalar(select(Message).where(Message.ticket_id == t.id)))
        routed[text[:2]] = t.collective
    assert routed == {"Мы": True, "У ": False}
