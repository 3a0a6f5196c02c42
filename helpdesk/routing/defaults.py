"""Day-one configuration for the State Council: keyword rules, topic mapping, a trained model."""
from __future__ import annotations

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.routing import ModelVersion, RoutingRule
from helpdesk.models.setting import get_setting, set_setting
from helpdesk.routing.labels import ARTEFACTS

HOUSING = "Комитет по жилищной политике и инфраструктурному развитию"
SOCIAL = "Комитет по социальной политике"
ECOLOGY = "Комитет по экологии, природопользованию, агропромышленной и продовольственной политике"
EDUCATION = "Комитет по образованию, культуре, науке и национальным вопросам"
ECONOMY = "Комитет по экономике, инвестициям и предпринимательству"
STATE = "Комитет по государственному строительству и местному самоуправлению"
BUDGET = "Комитет по бюджету, налогам и финансам"
LAW = "Комитет по законности и правопорядку"
LEGAL = "Правовое управление"

# The shipped training data's categories (label category_name) → department names. The
# source data's artefacts («Тестовая категория», the COVID-era measures) are cleaned out of the
# labels before training (routing.labels), so they are no topic and have no mapping.
TOPIC_DEPARTMENTS = {
    "ЖКХ и благоустройство": HOUSING,
    "Дороги": HOUSING,
    "Общественный транспорт": HOUSING,
    "Строительство": HOUSING,
    "Связь": HOUSING,
    "Экология / природопользование": ECOLOGY,
    "Безнадзорные животные": ECOLOGY,
    "Здравоохранение": SOCIAL,
    "Социальная защита": SOCIAL,
    "Труд и занятость": SOCIAL,
    "Физкультура и спорт": SOCIAL,
    "Образование": EDUCATION,
    "Культура": EDUCATION,
    "Торговля": ECONOMY,
    "Госуслуги / цифровизация": STATE,
}

# Topic → the thematic classifier's code reported for it (ССТУ) until staff choose a finer one:
# the question where one question covers the topic, else the theme (its full code, …0000).
TOPIC_CODES = {
    "ЖКХ и благоустройство": "0005.0005.0056.0000",      # Коммунальное хозяйство
    "Дороги": "0003.0009.0099.0742",                     # Эксплуатация и сохранность дорог
    "Общественный транспорт": "0003.0009.0099.0733",     # Транспортное обслуживание населения
    "Строительство": "0003.0009.0096.0000",              # Строительство
    "Связь": "0003.0009.0100.0000",                      # Связь
    "Экология / природопользование": "0003.0011.0122.0000",  # Охрана окружающей среды
    "Безнадзорные животные": "0003.0011.0127.0866",      # Отлов животных
    "Здравоохранение": "0002.0014.0143.0000",            # Здравоохранение
    "Социальная защита": "0002.0007.0073.0294",          # Социальное обеспечение и поддержка
    "Труд и занятость": "0002.0006.0064.0251",           # Трудоустройство, занятость
    "Физкультура и спорт": "0002.0014.0144.0000",        # Физическая культура и спорт
    "Образование": "0002.0013.0139.0000",                # Образование
    "Культура": "0002.0013.0141.0000",                   # Культура
    "Торговля": "0003.0009.0102.0000",                   # Торговля
    "Госуслуги / цифровизация": "0003.0012.0132.0877",   # Услуги в электронном виде
}

# Keyword rules: written as citizens write; lemmatised by the pipeline when seeded. A keyword
# names the department's subject itself. Words that citizens use about any subject are left out,
# since a rule that fires on them can only pull a message away from its department:
# - places that serve as landmarks and addresses: школа, детский сад («яма у школы 54»), рынок
#   (the stop «Центральный рынок»), сельское поселение (a part of the address);
# - the writer's status or an argument added to any complaint: инвалид, многодетная семья,
#   скорая помощь («скорая не проедет»), налог («мы платим налоги»), бюджет («за счёт бюджета»);
# - bodies named as addressees or for escalation: прокуратура, полиция («отдел полиции» is a
#   landmark too), налоговая (a stop as well), глава поселения, органы местного самоуправления;
# - words whose lemma means something else as often: участковый (участковый врач), выборы
#   (lemma «выбор», choice), образование («муниципальное образование» is a municipality).
RULES = [
    (LAW, "Правопорядок", ["мошенники", "мошенничество", "коррупция", "взятка", "кража",
                           "преступление", "наркотики"]),
    (BUDGET, "Налоги и бюджет", ["налоговый вычет", "налоговая льгота", "ставка налога",
                                 "перерасчёт налога", "кадастровая стоимость"]),
    (EDUCATION, "Образование и культура", ["учитель", "педагог", "воспитатель", "директор школы",
                                           "очередь в детский сад", "место в детском саду",
                                           "дополнительное образование", "татарский язык",
                                           "родной язык", "музей", "библиотека",
                                           "дом культуры"]),
    (SOCIAL, "Социальная сфера", ["пенсия", "поликлиника", "больница", "врач", "пособие",
                                  "лекарства", "зарплата"]),
    (ECOLOGY, "Экология и село", ["свалка", "вырубка", "загрязнение", "выбросы", "экология",
                                  "бродячие собаки", "фермер", "сельское хозяйство", "паводок"]),
    (HOUSING, "ЖКХ и дороги", ["управляющая компания", "капитальный ремонт", "отопление",
                               "горячая вода", "водоснабжение", "канализация", "яма", "дорога",
                               "тротуар", "освещение", "газификация", "автобус"]),
    (STATE, "Местное самоуправление", ["избирательный участок", "избирательная комиссия",
                                       "выборы депутатов", "выборы главы", "референдум",
                                       "самообложение"]),
    (ECONOMY, "Экономика и бизнес", ["предприниматель", "малый бизнес", "инвестиции",
                                     "торговля", "самозанятый"]),
    (LEGAL, "Законы", ["законопроект", "поправки в закон", "закон республики"]),
]

# The keywords these rules were first shipped with: a stored rule that still has exactly them
# (no administrator has edited it) is given the current ones on the next seed.
FIRST_SHIPPED = {
    "Правопорядок": ["полиция", "участковый", "прокуратура", "мошенники", "мошенничество",
                     "коррупция", "взятка", "кража", "преступление", "наркотики"],
    "Налоги и бюджет": ["налог", "налоговая", "бюджет", "кадастровая стоимость",
                        "налоговый вычет"],
    "Образование и культура": ["школа", "детский сад", "учитель", "образование",
                               "татарский язык", "родной язык", "музей", "библиотека",
                               "дом культуры"],
    "Социальная сфера": ["пенсия", "поликлиника", "больница", "врач", "инвалид", "пособие",
                         "многодетная семья", "лекарства", "зарплата", "скорая помощь"],
    "Местное самоуправление": ["местное самоуправление", "глава поселения", "сельское поселение",
                               "выборы", "референдум", "самообложение"],
    "Экономика и бизнес": ["предприниматель", "малый бизнес", "инвестиции", "торговля", "рынок",
                           "самозанятый"],
}


def _departments() -> dict[str, Department]:
    return {d.name: d for d in db.session.scalars(select(Department))}


def lemmatise_keywords(phrases: list[str]) -> list[str]:
    """Keywords as the pipeline's lemma strings ("горячая вода" → "горячий вода")."""
    from helpdesk.routing.nlp import analyse_many

    return [" ".join(a.lemmas) for a in analyse_many(phrases) if a.lemmas]


def seed_rules() -> int:
    """Create the shipped keyword rules for departments that exist and have none; count them.
    A stored rule still carrying its first shipped keywords gets the current ones."""
    departments = _departments()
    created = 0
    for dept_name, name, phrases in RULES:
        dept = departments.get(dept_name)
        if dept is None:
            continue  # departments are admin data: skip what is missing
        row = db.session.scalar(select(RoutingRule).where(
            RoutingRule.department_id == dept.id, RoutingRule.name == name).limit(1))
        if row is not None:
            first = FIRST_SHIPPED.get(name)
            if first and list(row.keywords or []) == lemmatise_keywords(first):
                row.keywords = lemmatise_keywords(phrases)
            continue
        db.session.add(RoutingRule(department_id=dept.id, name=name, weight=0.3,
                                   keywords=lemmatise_keywords(phrases)))
        created += 1
    db.session.flush()
    return created


def seed_mapping() -> int:
    """Create the shipped topic → department mapping where missing; count new rows."""
    from helpdesk.models.routing import TopicMapping

    departments = _departments()
    created = 0
    for topic, dept_name in TOPIC_DEPARTMENTS.items():
        dept = departments.get(dept_name)
        if dept is None:
            continue
        code = TOPIC_CODES.get(topic)
        row = db.session.scalar(select(TopicMapping).where(TopicMapping.topic == topic))
        if row is not None:
            if row.topic_code is None and code:
                row.topic_code = code  # an install seeded before codes were shipped
            continue
        db.session.add(TopicMapping(topic=topic, department_id=dept.id, topic_code=code))
        created += 1
    db.session.flush()
    return created


def default_setup(train: bool = True) -> dict:
    """Seed rules, mapping and settings; train the default model when none is active, or when
    the active one still predicts the source data's artefact labels (an older install)."""
    from helpdesk.routing.service import (DEFAULT_THRESHOLD, THRESHOLD_KEY, active_model,
                                          train_default)

    summary = {"rules": seed_rules(), "mappings": seed_mapping(),
               "artefacts_unmapped": drop_artefact_mappings(), "model": None}
    if get_setting(THRESHOLD_KEY) is None:
        set_setting(THRESHOLD_KEY, DEFAULT_THRESHOLD)
    active = db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True)).limit(1))
    stale = active is not None and bool(ARTEFACTS & set(active_model()[1].get("labels", [])))
    if train and (active is None or stale):
        summary["model"] = train_default().version
    elif active is not None:
        summary["model"] = active.version
    return summary


def drop_artefact_mappings() -> int:
    """Remove the mappings of the source data's artefact topics; count them."""
    from helpdesk.models.routing import TopicMapping

    rows = db.session.scalars(select(TopicMapping).where(TopicMapping.topic.in_(ARTEFACTS))).all()
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return len(rows)


def seed_for_cli() -> None:
    """`flask seed` hook: rules and mapping always; the model only outside tests (it is slow)."""
    from flask import current_app

    default_setup(train=not current_app.testing)
