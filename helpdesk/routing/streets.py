"""Streets and postal addresses in a message: "улица Ленина", "пр-т Ямашева 10", and the names
that come before their type word, as Kazan writes them: "Мамадышский тракт", "Кремлёвская
набережная", "по Горьковскому шоссе"."""
from __future__ import annotations

import re

from pymorphy2.analyzer import Parse as PymorphyParse

# Street types: (spellings and abbreviations without their final dot, the type word shown,
# its grammatical gender, the full spellings that may follow a name).
STREET_TYPES = (
    (r"улиц[аеуы]|ул", "улица", "femn", r"улиц(?:а|е|у|ы|ей)"),
    (r"проспект(?:а|е|у|ом)?|просп|пр-кт|пр-т[ае]?", "проспект", "masc", r"проспект(?:а|е|у|ом)?"),
    (r"переул(?:ок|ка|ке|ку|ком)|пер", "переулок", "masc", r"переул(?:ок|ка|ке|ку|ком)"),
    (r"бульвар(?:а|е|у|ом)?|б-р", "бульвар", "masc", r"бульвар(?:а|е|у|ом)?"),
    (r"шоссе", "шоссе", "neut", r"шоссе"),
    (r"площад(?:ь|и|ью)|пл", "площадь", "femn", r"площад(?:ь|и|ью)"),
    (r"тракт(?:а|е|у|ом)?", "тракт", "masc", r"тракт(?:а|е|у|ом)?"),
    (r"набережн(?:ая|ой|ую)|наб", "набережная", "femn", r"набережн(?:ая|ой|ую)"),
    (r"микрорайон(?:а|е|у|ом)?|мкр", "микрорайон", "masc", r"микрорайон(?:а|е|у|ом)?"),
    (r"проезд(?:а|е|у|ом)?", "проезд", "masc", r"проезд(?:а|е|у|ом)?"),
)
_NOT_LETTER_BEFORE, _NOT_LETTER_AFTER = r"(?<![а-яёА-ЯЁ-])", r"(?![а-яёА-ЯЁ-])"
# Whole words only (Cyrillic-aware: \b does not see "проспект" as one word with "просп"):
# no letter before the type word, and a dot or a space (never a letter) after it.
STREET_MARK = "(?:" + "|".join(f"(?P<t{i}>{t[0]})" for i, t in enumerate(STREET_TYPES)) + ")"
STREET = re.compile(
    _NOT_LETTER_BEFORE + "(?=[упбштнм])" + STREET_MARK + _NOT_LETTER_AFTER + r"(?:\.\s*|\s+)"
    r"((?:\d+[-\s]?(?:го|й|я|ой|ая)?\s+)?[А-ЯЁа-яё][А-ЯЁа-яё.-]*(?:\s+[А-ЯЁа-яё][а-яё-]+)?)",
    re.IGNORECASE)
# An adjective name before a full type word: "Мамадышский тракт", "на Кремлёвской набережной".
NAME_FIRST = re.compile(
    _NOT_LETTER_BEFORE + r"([А-ЯЁа-яё][а-яё-]*(?:[иыо]й|[ая]я|[ое]е|[ое]го|[ое]му|[ое]м|[уюо]ю|"
    r"[ыи]м|[ое]й))\s+(?:" + "|".join(f"(?P<t{i}>{t[3]})" for i, t in enumerate(STREET_TYPES))
    + ")" + _NOT_LETTER_AFTER, re.IGNORECASE)
# Adjectives that describe a street rather than name it ("по нашей улице", "городская площадь").
NOT_A_NAME = {"городской", "сельский", "деревенский", "поселковый", "районный", "республиканский",
              "федеральный", "соседний", "весь", "этот", "тот", "наш", "ваш", "свой", "другой",
              "каждый", "любой", "такой", "какой", "который", "один", "сам", "самый"}
# Lower-case words after "площадь" etc. that make it an area, not a square.
NOT_AFTER_TYPE = {"квартиры", "дома", "участка", "помещения", "комнаты", "комнат", "земли",
                  "здания", "жилья", "застройки", "двора", "территории"}
FUNCTION_TAGS = {"PREP", "CONJ", "PRCL", "NPRO", "VERB", "INFN", "ADVB", "PRED", "INTJ"}
HOUSE = re.compile(r"(?<![\s,])[\s,]*+(?:(?:д\.?|дом[ау]?)\s*+)?№?\s*+(\d+[а-яА-Я]?(?:/\d+)?)"
                   r"(?:[\s,-]*(?:корп\.?|к\.|стр\.?)\s*\d+)?(?:[\s,-]*(?:кв\.?|квартира)\s*\d+)?",
                   re.IGNORECASE)
POSTCODE = re.compile(r"(?<!\d)4\d{5}(?!\d)")


def find_street(text: str, morph=None) -> str | None:
    """The first street with its type word ("улица Ленина", "Мамадышский тракт")."""
    return street_and_address(text, morph)[0]


def find_address(text: str, morph=None) -> str | None:
    """A postal address: street with house number (and optional postcode, town, flat)."""
    return street_and_address(text, morph)[1]


def street_and_address(text: str, morph=None) -> tuple[str | None, str | None]:
    """The first street and the postal address, from one reading of the text's streets."""
    found = _streets(text, morph)
    return (found[0][2] if found else None), _address(text, found)


def _address(text: str, found: list[tuple[int, int, str]]) -> str | None:
    for start, end, _ in found:
        house = HOUSE.match(text, end)
        if not house:
            continue
        before = text[max(0, start - 60):start]
        prefix = re.search(r"(?:4\d{5},?\s*)?(?:(?:г\.|город|с\.|село|д\.|деревня|пгт\.?|п\.)\s*"
                           r"[А-ЯЁа-яё-]+,?\s*)?$", before)
        if prefix and prefix.group(0).strip():
            start -= len(prefix.group(0))
        return text[start:house.end()].strip(" ,")
    postcode = POSTCODE.search(text)
    if postcode:
        return text[postcode.start():postcode.start() + 80].split("\n")[0].strip(" ,")
    return None


def _streets(text: str, morph) -> list[tuple[int, int, str]]:
    """(start, end, street) of every street named in the text, in order of appearance."""
    found = []
    for match in STREET.finditer(text):
        street = _type_first(match, morph)
        if street:
            found.append((match.start(), match.end(), street))
    if NAME_FIRST.search(text):
        for match in NAME_FIRST.finditer(text):
            street = _name_first(match, text, morph)
            if street:
                found.append((match.start(), match.end(), street))
    return sorted(found)


def _type_index(match: re.Match) -> int:
    return next(i for i in range(len(STREET_TYPES)) if match.group(f"t{i}"))


def _kind(match: re.Match) -> tuple[str, str]:
    index = _type_index(match)
    return STREET_TYPES[index][1], STREET_TYPES[index][2]


def _type_first(match: re.Match, morph) -> str | None:
    raw = match.group(len(STREET_TYPES) + 1)
    words = re.split(r"[,;]|\s(?:д\.?|дом)\s|\s\d", raw + " ")[0].strip(" .").split()
    if words and words[0].islower() and (words[0] in NOT_AFTER_TYPE
                                         or _function_word(words[0], morph)):
        return None  # "по нашей улице не пройти", "площадь квартиры": not a street's name
    first = next((w for w in words if w[:1].isalpha()), "")  # "2-я Садовая": the name after
    if len(words) > 1 and first[:1].isupper() and words[-1][:1].islower():
        words = words[:-1]  # "улице Ленина яма": the next word is not part of the name
    words = _agreeing_in_nominative(words, match, morph)
    name = " ".join(title(w) if not w[:1].isdigit() and (w.islower() or (w.isupper() and len(w) > 1))
                    else w for w in words)
    return f"{_kind(match)[0]} {name}" if name else None


ORDINAL = re.compile(r"^(\d+)-?(?:[а-яё]{1,3})$", re.IGNORECASE)
ORDINAL_ENDING = {"femn": "я", "masc": "й", "neut": "е"}
PERSON_TAGS = {"Surn", "Name", "Patr"}


def _agreeing_in_nominative(words: list[str], match: re.Match, morph) -> list[str]:
    """"улице Школьной" → "Школьная", "переулке Тихом" → "Тихий": an adjective that agrees with
    the type word in gender and case is the name itself, shown in the nominative. A surname
    in the genitive ("улица Толстого", "переулок Горького") keeps its form."""
    if not words:
        return words
    morph = _morph(morph)
    index = _type_index(match)
    gender, cases = STREET_TYPES[index][2], _cases_of(match.group(f"t{index}"), index, morph)
    result, changed = [], False
    for i, word in enumerate(words):
        form = _adjective_nominative(word, gender, cases, morph)
        if form and any(_agrees_with_noun(word, later, morph) for later in words[i + 1:]):
            form = None  # "Ленинского Комсомола", "Парижской Коммуны": it names the noun
        result.append(_keep_case(word, form) if form else word)
        changed = changed or form is not None
    ordinal = ORDINAL.match(result[0])
    if changed and ordinal and len(result) > 1:  # "2-й Азинской" → "2-я Азинская"
        result[0] = f"{ordinal.group(1)}-{ORDINAL_ENDING[gender]}"
    return result


def _cases_of(type_word: str, index: int, morph) -> set[str] | None:
    """The cases the written type word can be in; None when it does not say (abbreviations)."""
    lemma = STREET_TYPES[index][1]
    cases = {p.tag.case for p in morph.parse(type_word.lower())
             if p.normal_form == lemma and "Fixd" not in p.tag.grammemes}
    return cases or None


def _adjective_nominative(word: str, gender: str, cases: set[str] | None, morph) -> str | None:
    if not word[:1].isalpha():
        return None
    parses = morph.parse(word.lower())
    if any(p.tag.grammemes & PERSON_TAGS for p in parses):
        return None
    for parse in parses:
        tag = parse.tag
        if "ADJF" in tag.grammemes and "Apro" not in tag.grammemes and tag.number == "sing" \
                and tag.gender == gender and tag.case != "nomn" \
                and (cases is None or tag.case in cases):
            form = PymorphyParse.inflect(parse, {"nomn", "sing", gender})
            return form.word if form else None
    return None


def _agrees_with_noun(adjective: str, word: str, morph) -> bool:
    forms = {(p.tag.case, p.tag.number, p.tag.gender) for p in morph.parse(adjective.lower())
             if "ADJF" in p.tag.grammemes}
    return any("NOUN" in p.tag.grammemes and (p.tag.case, p.tag.number, p.tag.gender) in forms
               for p in morph.parse(word.lower()))


def _keep_case(written: str, form: str) -> str:
    return form.upper() if written.isupper() and len(written) > 1 else title(form)


def _morph(morph):
    if morph is None:
        from helpdesk.routing.nlp import get_pipeline

        morph = get_pipeline().morph_vocab
    return morph


def _function_word(word: str, morph) -> bool:
    """A preposition, conjunction, particle, pronoun, verb or adverb: never a street's name."""
    parses = _morph(morph).parse(word.lower())
    return bool(parses) and bool(parses[0].tag.grammemes & FUNCTION_TAGS)


def _name_first(match: re.Match, text: str, morph) -> str | None:
    """"Мамадышскому тракту" → "Мамадышский тракт": an adjective that names, put in the
    nominative of the type word's gender. Taken when it is a place adjective (-ский, -цкий) or,
    written with a capital letter, not at the start of a sentence."""
    morph = _morph(morph)
    word = match.group(1)
    kind, gender = _kind(match)
    parses = [p for p in morph.parse(word.lower())
              if "ADJF" in p.tag.grammemes and "Apro" not in p.tag.grammemes]
    if not parses or parses[0].normal_form in NOT_A_NAME:
        return None
    lemma = parses[0].normal_form
    sentence_start = re.search(r"(?:^|[.!?\n]\s*)$", text[:match.start()]) is not None
    capitalised = word[:1].isupper() and not word.isupper()
    if not (lemma.endswith(("ский", "цкий", "ской")) or (capitalised and not sentence_start)):
        return None
    form = PymorphyParse.inflect(parses[0], {"nomn", "sing", gender})
    if kind == "набережная":
        return f"{title(form.word if form else lemma)} набережная"
    return f"{title(form.word if form else lemma)} {kind}"


def title(word: str) -> str:
    return "-".join(p[:1].upper() + p[1:].lower() for p in word.split("-"))
