"""Extraction: districts in any case and inflection, names, contacts, 59-ФЗ suggestion."""
import pytest

from helpdesk.routing.extraction import appeal_suggestion, extract
from helpdesk.routing.gazetteer import load_municipalities

CASES = ["арский район", "арского района", "арскому району", "арским районом", "арском районе"]


@pytest.mark.parametrize("phrase", CASES + [c.upper() for c in CASES] + [c.title() for c in CASES])
def test_district_every_case_and_spelling(analysed, phrase):
    assert extract(analysed(f"Пишу вам про {phrase}, у нас нет воды"))["district"] == \
        "Арский муниципальный район"


@pytest.mark.parametrize("text, district", [
    ("живу в арском районе", "Арский муниципальный район"),
    ("В АПАСТОВСКОМ РАЙОНЕ НЕТ ДОРОГ", "Апастовский муниципальный район"),
    ("пишу из Мензелинска", "Мензелинский муниципальный район"),
    ("пишу из мензелинска", "Мензелинский муниципальный район"),
    ("в набережных челнах не убирают снег", "городской округ город Набережные Челны"),
    ("В КАЗАНИ ОПЯТЬ ПРОБКИ", "городской округ город Казань"),
    ("в Рыбной Слободе закрыли больницу", "Рыбно-Слободский муниципальный район"),
    ("в Елабуге нет света", "Елабужский муниципальный район"),
    ("Камско-Устьинского района жители", "Камско-Устьинский муниципальный район"),
    ("в Тюлячах и в Арском районе", "Арский муниципальный район"),  # "район" wins
])
def test_district_mentions(analysed, text, district):
    assert extract(analysed(text))["district"] == district


def test_no_district_outside_tatarstan(analysed):
    assert "district" not in extract(analysed("В Курске на улице Ленина яма"))


@pytest.mark.parametrize("m", load_municipalities(), ids=lambda m: m.short)
def test_every_municipality_in_locative(analysed, m):
    if m.name.endswith("муниципальный район"):
        adjective = m.name.split()[0]
        stem = adjective[:-2]  # Арский → Арск(ом)
        text = f"в {stem}ом районе нет газа"
    else:
        text = f"в городе {m.centre} нет газа"
    assert extract(analysed(text))["district"] == m.name


def test_45_municipalities_shipped():
    assert len(load_municipalities()) == 45


@pytest.mark.parametrize("text", [
    "меня зовут галиева светлана фаритовна, нет аптеки",
    "МЕНЯ ЗОВУТ ГАЛИЕВА СВЕТЛАНА ФАРИТОВНА, НЕТ АПТЕКИ",
    "Меня зовут Галиева Светлана Фаритовна, нет аптеки",
])
def test_full_name_in_any_case_keeps_surname(analysed, text):
    person = extract(analysed(text))["person"]
    assert person["full_name"] == "Галиева Светлана Фаритовна"
    assert person["surname"] == "Галиева"


def test_addressee_is_not_the_citizen(analysed):
    person = extract(analysed("Уважаемый Фарид Хайруллович! С уважением, Иванов Пётр Сергеевич"))["person"]
    assert person["surname"] == "Иванов"


def test_contacts_address_and_suggestion(analysed):
    text = ("Здравствуйте! Иванова Анна Петровна, 420111, г. Казань, ул. Баумана, д. 5, кв. 12. "
            "Тел. 8 (917) 123-45-67, anna.ivanova@mail.ru. В селе Тюлячи нет аптеки.")
    e = extract(analysed(text))
    assert e["phones"] == ["+79171234567"]
    assert e["emails"] == ["anna.ivanova@mail.ru"]
    assert e["street"] == "улица Баумана"
    assert "ул. Баумана, д. 5, кв. 12" in e["postal_address"]
    assert e["settlement"] == "Казань"
    assert appeal_suggestion(e) == {"can_register": True, "missing": []}


def test_suggestion_needs_address_or_email(analysed):
    e = extract(analysed("Иванов Пётр Сергеевич. В селе Тюлячи нет аптеки."))
    assert e["settlement"] == "Тюлячи"
    assert appeal_suggestion(e) == {"can_register": False, "missing": ["email_or_postal_address"]}
    assert appeal_suggestion({})["missing"] == ["surname", "name", "email_or_postal_address"]


def test_lowercase_restores_names_for_ner(analysed):
    a = analysed("пишет иванов петр сергеевич из мензелинска")
    assert [s.type for s in a.spans] == ["PER", "LOC"]
    assert a.text == "пишет иванов петр сергеевич из мензелинска"  # original kept


@pytest.mark.parametrize("text", [
    "Начар юл. Безнең авылда юл бик начар, машиналар йөри алмый.",  # Tatar
    "Балалар мәктәпкә йөри алмый, юл юк.",
    "Торбалар иске, су юк инде өч көн.",
    "у нас начар юл, помогите пожалуйста отремонтировать",  # mixed, read as Russian
    "балалар в школу не могут дойти, дорога разбита",
    "ДОРОГА НАЧАР, БАЛАЛАР НЕ МОГУТ ХОДИТЬ В ШКОЛУ",
    "Хөрмәтле депутат! Авылда юл начар, балалар мәктәпкә йөри алмый. Иванов Пётр",
])
def test_tatar_words_are_not_a_person(analysed, text):
    assert "person" not in extract(analysed(text))


def test_guessed_word_needs_ner_as_written_or_a_known_name_beside_it(analysed, pipeline):
    from helpdesk.routing.extraction import find_person

    assert not pipeline.is_known("торбалар")  # morphology only guesses it
    assert find_person(analysed("у нас торбалар прогнили, помогите"), pipeline) is None
    # A dictionary name beside a written-lowercase unknown surname keeps the whole name.
    person = extract(analysed("меня зовут гильмутдинова светлана фаритовна"))["person"]
    assert person["name"] == "Светлана" and person["patronymic"] == "Фаритовна"


def test_russian_name_after_tatar_courtesy_is_kept(analysed):
    person = extract(analysed("Исәнмесез! Меня зовут Иванов Пётр Сергеевич, нет аптеки"))["person"]
    assert person["full_name"] == "Иванов Пётр Сергеевич"


@pytest.mark.parametrize("text, street", [
    ("Ремонт дороги (проспект Мира) не сделан", "проспект Мира"),
    ("Прошу починить фонари, пр-т Ямашева 10", "проспект Ямашева"),
    ("живу на пр-те Победы 5", "проспект Победы"),
    ("на улице карла маркса яма", "улица Карла Маркса"),
    ("ул.Баумана, д. 5", "улица Баумана"),
    ("В Курске на улице Ленина яма", "улица Ленина"),
    ("пер. Пушкина 3", "переулок Пушкина"),
    ("в переулке Пушкина", "переулок Пушкина"),
    ("б-р Энтузиастов", "бульвар Энтузиастов"),
    ("шоссе Энтузиастов", "шоссе Энтузиастов"),
    ("пл. Свободы", "площадь Свободы"),
    ("на площади Свободы", "площадь Свободы"),
    ("по тракту Сибирский", "тракт Сибирский"),
    ("ПРОСПЕКТ ПОБЕДЫ 5", "проспект Победы"),
])
def test_street_keeps_its_type_word(text, street):
    from helpdesk.routing.streets import find_street

    assert find_street(text) == street


@pytest.mark.parametrize("text", ["напр-т Мира", "наулице Ленина", "суперулица Мира",
                                  "персик Мира", "площадка детская", "Тулица Мира"])
def test_street_type_is_matched_as_a_whole_word(text):
    from helpdesk.routing.streets import find_street

    assert find_street(text) is None


@pytest.mark.parametrize("text, street", [
    ("Ямы на Мамадышском тракте возле поворота", "Мамадышский тракт"),
    ("по мамадышскому тракту не пройти", "Мамадышский тракт"),
    ("Мамадышский тракт, 12 — нет освещения", "Мамадышский тракт"),
    ("затопило Кремлёвскую набережную", "Кремлёвская набережная"),
    ("пробки на Горьковском шоссе каждый день", "Горьковское шоссе"),
    ("На Оренбургском тракте и на улице Ленина", "Оренбургский тракт"),
    ("Во дворе дома на улице Ленина, Сибирский тракт рядом", "улица Ленина"),
    ("в деревне сделали освещение, на Центральной улице светло", "Центральная улица"),
])
def test_street_named_before_its_type_word(pipeline, text, street):
    from helpdesk.routing.streets import find_street

    assert find_street(text, pipeline.morph_vocab) == street


@pytest.mark.parametrize("text", ["по нашей улице не пройти", "Разбитая улица у школы",
                                  "вся городская площадь в ямах", "на этой улице темно",
                                  "общая площадь квартиры 40 метров"])
def test_describing_adjective_is_not_a_street_name(pipeline, text):
    from helpdesk.routing.streets import find_street

    assert find_street(text, pipeline.morph_vocab) is None


def test_address_with_a_name_first_street(pipeline):
    from helpdesk.routing.streets import find_address

    text = "Мой адрес: г. Казань, Мамадышский тракт, д. 12, кв. 5. Прошу ответить письменно."
    assert find_address(text, pipeline.morph_vocab) == "г. Казань, Мамадышский тракт, д. 12, кв. 5"


def test_a_common_word_after_a_settlement_marker_is_not_a_place(analysed, pipeline):
    text = "Здравствуйте! На школьной площадке в посёлке сломаны тренажёры, дети могут травмироваться."
    assert extract(analysed(text), pipeline, "ru").get("settlement") is None
    found = extract(analysed("в деревне кукуевка нет воды"), pipeline, "ru").get("settlement")
    assert found and found.lower().startswith("кукуев")  # an unknown word after it still is
