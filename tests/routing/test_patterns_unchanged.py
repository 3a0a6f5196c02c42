"""The linear patterns (issue 13) find exactly what the former ones found in real messages."""
import csv
import re
from pathlib import Path

import pytest

from helpdesk.routing import collective
from helpdesk.routing import extraction, special, streets

DATA = Path(extraction.__file__).parent / "data" / "kursk-appeals-train.csv"
CRAFTED = [
    "Пишите на ivan.petrov@mail.ru или a-b+c@sub.example.com. Тел. +7 (917) 123-45-67, 8-843-222-33-44",
    "почта Иванов@почта.рф; сайт best-price.ru, www.x.com, https://t.me/chan, t.me/x",
    "ул. Ленина, д. 5, кв. 12; улица 2-я Садовая 7; пр-т Победы 10 к. 2; Мамадышский тракт 3",
    "420000, г. Казань, ул.Баумана,д.5; в с. Тюлячи; деревня Большие Кабаны; пгт Алексеевское",
    "Мы, жители дома № 5, просим помочь.\n  1. Иванов И. И., кв. 1\n\n  Петрова А.А., кв. 2",
    "Коллективное обращение. От имени собственников. 25 подписей. Нижеподписавшиеся.",
    "сожгу ваш офис, вам конец, голову оторву, вы ещё пожалеете, не пожалеете",
    "счёт 189171234567, 28917123456789, 7 917 123 45 67, тел:89171234567",
]


def _texts() -> list[str]:
    with open(DATA, encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)] + CRAFTED


def _without(pattern: re.Pattern, piece: str) -> re.Pattern:
    assert piece in pattern.pattern
    return re.compile(pattern.pattern.replace(piece, ""), pattern.flags)


FORMER = {
    "special.OBSCENE": (special.OBSCENE, _without(special.OBSCENE, "(?=[абвгдеёзимнопрсухш][а-яёy])")),
    "special.THREAT": (special.THREAT, _without(special.THREAT, "(?=[взгопсту][а-яёy])")),
    "special.URL": (special.URL, re.compile(
        r"(?:https?://|www\.|t\.me/|\b[a-z0-9-]+\.(?:ru|com|net|biz|info|xyz|top)\b)", re.I)),
    "special.EMAIL": (special.EMAIL, re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    "extraction.EMAIL": (extraction.EMAIL, re.compile(
        r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zа-я]{2,}", re.I)),
    "extraction.PHONE": (extraction.PHONE, re.compile(
        r"(?<!\d)(?:\+7|8|7)[\s(.-]*\d{3}[\s).-]*\d{3}[\s.-]*\d{2}[\s.-]*\d{2}(?!\d)")),
    "extraction.SETTLEMENT": (extraction.SETTLEMENT, _without(extraction.SETTLEMENT, "(?=[сдпга])")),
    "streets.STREET": (streets.STREET, _without(streets.STREET, "(?=[упбштнм])")),
    "collective._EXPLICIT": (collective._EXPLICIT, re.compile(
        collective._EXPLICIT.pattern.replace("(?<![а-яё])коллективн\\w*+", "коллективн\\w*")
        .replace("\\s*+[,—–-]?\\s*+", "\\s*[,—–-]?\\s*").replace("\\d{2,}+", "\\d{2,}"),
        collective._EXPLICIT.flags)),
    "collective._SIGNATURE": (collective._SIGNATURE, re.compile(
        collective._SIGNATURE.pattern.replace("^[^\\S\\n]*+", "^\\s*"), collective._SIGNATURE.flags)),
}


@pytest.mark.parametrize("name", sorted(FORMER))
def test_same_matches_as_the_former_pattern(name):
    new, old = FORMER[name]
    assert new.pattern != old.pattern
    for text in _texts():
        if name == "collective._SIGNATURE":  # lines are compared as is_collective does
            assert {m.group(0).strip() for m in new.finditer(text)} == \
                {m.group(0).strip() for m in old.finditer(text)}, text
        else:
            assert [m.group(0) for m in new.finditer(text)] == \
                [m.group(0) for m in old.finditer(text)], text


def test_house_numbers_after_a_street_as_before():
    old = re.compile(r"[\s,]*(?:(?:д\.?|дом[ау]?)\s*)?№?\s*(\d+[а-яА-Я]?(?:/\d+)?)"
                     r"(?:[\s,-]*(?:корп\.?|к\.|стр\.?)\s*\d+)?(?:[\s,-]*(?:кв\.?|квартира)\s*\d+)?",
                     re.I)
    seen = 0
    for text in _texts():
        for street in streets.STREET.finditer(text):
            new_house, old_house = streets.HOUSE.match(text, street.end()), old.match(text, street.end())
            assert (new_house and new_house.group(0)) == (old_house and old_house.group(0)), text
            seen += bool(old_house)
    assert seen > 20
