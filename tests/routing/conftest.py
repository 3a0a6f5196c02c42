"""Routing fixtures: natasha is loaded once per test session (a module-level singleton)."""
import csv

import pytest
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models import Department, Message
from helpdesk.models.routing import TopicMapping
from helpdesk.models.setting import set_setting
from helpdesk.routing.nlp import analyse, get_pipeline
from helpdesk.routing.service import THRESHOLD_KEY, fit_and_save, read_csv, register_model
from helpdesk.tickets.routed import route_ticket
from tests.helpers import make_channel, make_ticket

TRAINING_ROWS = [
    ("Нет горячей воды в доме уже неделю, управляющая компания не отвечает", "ЖКХ"),
    ("Протекает крыша подъезда, управляющая компания бездействует", "ЖКХ"),
    ("Отопление в квартире еле тёплое, батареи холодные", "ЖКХ"),
    ("Во дворе не вывозят мусор, контейнеры переполнены", "ЖКХ"),
    ("Не работает лифт в нашем доме третий день", "ЖКХ"),
    ("В подвале дома течёт канализация, запах на весь подъезд", "ЖКХ"),
    ("Холодные батареи, нет отопления в квартирах", "ЖКХ"),
    ("Управляющая компания не убирает снег во дворе дома", "ЖКХ"),
    ("Огромные ямы на дороге по улице Ленина, машины ломаются", "Дороги"),
    ("Дорогу к селу не ремонтировали десять лет, сплошные ямы", "Дороги"),
    ("Прошу отремонтировать асфальт на дороге, ямы после зимы", "Дороги"),
    ("Дорога разбита, грейдер не приезжал, ямы и лужи", "Дороги"),
    ("На трассе нет разметки и асфальт в ямах", "Дороги"),
    ("Отремонтируйте дорогу, по ямам невозможно проехать", "Дороги"),
    ("Ямочный ремонт дороги сделан плохо, асфальт уже разрушился", "Дороги"),
    ("Нужен ремонт дороги на нашей улице, ямы глубокие", "Дороги"),
    ("В поликлинике нет врача терапевта, запись на месяц вперёд", "Здравоохранение"),
    ("Скорая помощь ехала два часа, врачи не отвечают", "Здравоохранение"),
    ("В больнице нет лекарств, пациенты покупают сами", "Здравоохранение"),
    ("Не могу записаться к врачу в поликлинику", "Здравоохранение"),
    ("В районной больнице закрыли отделение, врачей нет", "Здравоохранение"),
    ("Поликлиника не выдаёт направление к врачу специалисту", "Здравоохранение"),
    ("Врач в поликлинике отказал в приёме без причины", "Здравоохранение"),
    ("Лекарства для льготников не выдают в аптеке больницы", "Здравоохранение"),
]


@pytest.fixture(scope="session")
def pipeline():
    """The process-wide natasha pipeline (loaded once)."""
    return get_pipeline()


@pytest.fixture(scope="session")
def analysed(pipeline):
    """analyse() with the pipeline loaded."""
    return analyse


@pytest.fixture
def training_csv(tmp_path):
    """A tiny labelled CSV with three topics."""
    path = tmp_path / "train.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "topic"])
        for i, (text, label) in enumerate(TRAINING_ROWS):
            writer.writerow([i, text, label])
    return path


@pytest.fixture
def routed_setup(ctx, training_csv, tmp_path):
    """Departments, a mapping and a model trained on the tiny fixture."""
    housing = Department(name="Комитет по жилищной политике и инфраструктурному развитию")
    social = Department(name="Комитет по социальной политике")
    press = Department(name="Пресс-служба", is_triage=True)
    tatar = Department(name="Татароязычные обращения")
    db.session.add_all([housing, social, press, tatar])
    db.session.flush()
    for topic, dept in (("ЖКХ", housing), ("Дороги", housing), ("Здравоохранение", social)):
        db.session.add(TopicMapping(topic=topic, department_id=dept.id))
    texts, labels = read_csv(training_csv, "text", "topic")
    path = tmp_path / "m.joblib"
    register_model(path, fit_and_save(texts, labels, path))
    set_setting(THRESHOLD_KEY, 0.5)
    return {"housing": housing, "social": social, "press": press, "tatar": tatar,
            "channel": make_channel()}


def route_text(setup, text):
    """A new ticket with this text, routed: (ticket, its RoutingDecision)."""
    ticket = make_ticket(setup["channel"], None, text=text, status="new")
    message = db.session.scalar(select(Message).where(Message.ticket_id == ticket.id))
    return ticket, route_ticket(ticket, message)
