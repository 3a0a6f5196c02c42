"""What a message tells about where and who: district, settlement, street, name, contacts."""
from __future__ import annotations

import re

from pymorphy2.analyzer import Parse as PymorphyParse

from helpdesk.routing.gazetteer import get_gazetteer
from helpdesk.routing.language import RUSSIAN, detect_language, is_tatar_word
from helpdesk.routing.streets import street_and_address
from helpdesk.routing.streets import title as _title
from helpdesk.routing.nlp import Analysis, Pipeline, Token, get_pipeline

# Every pattern here is linear in the text (issue 13): an address starts where its run of address
# characters starts, and a settlement's marker is looked for only where a word starts with one
# of the markers' first letters.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]+(?:\.[\w-]+)*\.[a-zа-я]{2,}", re.IGNORECASE)
# A phone number's first character comes first, not a look back: the engine then skips in C
# every position where no "+", "7" or "8" stands.
PHONE = re.compile(r"(?:\+7(?<!\d\+7)|8(?<!\d8)|7(?<!\d7))"
                   r"[\s(.-]*\d{3}[\s).-]*\d{3}[\s.-]*\d{2}[\s.-]*\d{2}(?!\d)")
SETTLEMENT = re.compile(
    r"(?<![а-яё])(?=[сдпга])(?:с\.|село|селе|села|деревн[яеиюй]|дер\.|д\.|пос[её]л(?:ок|ке|ка)|пос\.|п\.|пгт\.?"
    r"|г\.|город[ае]?|гор\.|аул[ае]?)\s*([А-ЯЁа-яё][А-ЯЁа-яё-]+(?:\s+[А-ЯЁ][А-ЯЁа-яё-]+)?)",
    re.IGNORECASE)
NOT_SETTLEMENT = re.compile(r"^(?:д|дом|кв|ул|у|в|на|по|и|не|с|от|до|об|за|при|для)$", re.IGNORECASE)
ADDRESSEE = {"уважаемый", "уважаемая", "уважаемые", "депутат", "председатель", "господин",
             "госпожа", "глава", "министр", "мэр"}
SELF_INTRO = {"зовут", "я", "уважением", "от", "заявитель", "фио"}
ROLES = ("Surn", "Name", "Patr")


def extract(analysis: Analysis, pipeline: Pipeline | None = None,
            language: str | None = None) -> dict:
    """Everything the ticket shows about place and person (JSON-ready, empty values omitted).
    `language` is the text's, when the caller has detected it already."""
    pipe = pipeline or get_pipeline()
    text = analysis.text
    street, address = street_and_address(text, pipe.morph_vocab)
    result = {
        "district": find_district(analysis, pipe),
        "settlement": find_settlement(analysis, pipe),
        "street": street,
        "postal_address": address,
        "phones": _unique(normalise_phone(p) for p in PHONE.findall(text)),
        "emails": _unique(e.lower().rstrip(".") for e in EMAIL.findall(text)),
    }
    # natasha reads no Tatar: in Tatar or mixed text its PER spans are everyday words
    # ("Балалар", "Начар"), so no person is taken from such a message.
    russian = (language or detect_language(text)) == RUSSIAN
    person = find_person(analysis, pipe) if russian else None
    if person:
        result["person"] = person
    return {k: v for k, v in result.items() if v}


def find_district(analysis: Analysis, pipe: Pipeline) -> str | None:
    """The official name of the Tatarstan municipality the message is about, in any case or
    inflection (streets named after a district and the ends of a route count last or not at all:
    see Gazetteer.best)."""
    words = [t.text.lower().replace("ё", "е") for t in analysis.tokens]
    found = get_gazetteer(pipe.morph_vocab).best(words)
    return found.name if found else None


def find_settlement(analysis: Analysis, pipe: Pipeline) -> str | None:
    """A village, town or city named after its marker ("с. Тюлячи", "в деревне ...")."""
    gazetteer = get_gazetteer(pipe.morph_vocab)
    for match in SETTLEMENT.finditer(analysis.restored):
        name = match.group(1).strip(" .-")
        first = name.split()[0]
        if NOT_SETTLEMENT.match(first) or first.isdigit():
            continue
        if first.islower() and pipe.is_known(first) and not pipe.is_proper(first):
            continue  # "в посёлке сломаны тренажёры": a common word, not a name
        if len(name.split()) > 1 and not pipe.is_proper(name.split()[1].lower()):
            name = first
        centre = gazetteer.centre_of(first)
        if centre is not None and len(name.split()) == 1:
            return centre.centre
        return _nominative_place(name, pipe)
    return None


def normalise_phone(raw: str) -> str:
    """+7XXXXXXXXXX."""
    digits = re.sub(r"\D", "", raw)
    return "+7" + digits[-10:]


def find_person(analysis: Analysis, pipe: Pipeline) -> dict | None:
    """The citizen's full name: PER spans merged, the surname natasha drops put back."""
    tokens = analysis.tokens
    groups: list[list[int]] = []
    for span in analysis.spans_of("PER"):
        idx = [i for i, t in enumerate(tokens) if t.start >= span.start and t.stop <= span.stop]
        if not idx:
            continue
        if groups and idx[0] - groups[-1][-1] == 1:
            groups[-1].extend(idx)  # "Галиева" + "Светлана Фаритовна"
        else:
            groups.append(idx)
    best, best_score = None, -1.0
    for idx in groups:
        idx = _trusted(idx, analysis, pipe)
        if not idx:
            continue
        first = idx[0]
        previous = tokens[first - 1] if first > 0 else None
        if previous is not None and _role(previous.text, pipe) == "Surn" and \
                previous.text[:1].isupper() and pipe.is_known(previous.text.lower()):
            idx = [first - 1] + idx  # natasha lost the surname (outside NER: dictionary only)
        before = {t.text.lower() for t in tokens[max(0, idx[0] - 3):idx[0]]}
        if before & ADDRESSEE:
            continue
        roles = [_role(tokens[i].text, pipe) for i in idx]
        score = len(set(roles) - {None}) + (2 if before & SELF_INTRO else 0) + \
            (1 if tokens[idx[0]].start > 0.6 * len(analysis.text) else 0)
        if score > best_score:
            best, best_score = (idx, roles), score
    if best is None:
        return None
    return _person([tokens[i].text for i in best[0]], best[1], pipe)


def _trusted(idx: list[int], analysis: Analysis, pipe: Pipeline) -> list[int]:
    """The tokens of a PER group that may be a name.

    A Tatar word never is. A word the dictionary does not know (morphology only guesses it)
    stays when NER marked it PER as the citizen wrote it; when only our case restoration
    capitalised it ("балалар" → "Балалар"), it stays only beside a dictionary name in the group.
    """
    tokens = analysis.tokens
    kept = [i for i in idx if not is_tatar_word(tokens[i].text.lower())]
    guessed = {i for i in kept if not pipe.is_known(tokens[i].text.lower())
               and _case_restored(tokens[i], analysis)}
    if guessed and not any(_role(tokens[i].text, pipe) for i in kept if i not in guessed):
        kept = [i for i in kept if i not in guessed]
    return kept


def _case_restored(token: Token, analysis: Analysis) -> bool:
    """True when the citizen wrote the word in lower case or ALL CAPS, not as a name."""
    written = analysis.text[token.start:token.stop]
    return written != token.text and not (written[:1].isupper() and written[1:].islower())


def _role(word: str, pipe: Pipeline) -> str | None:
    best, best_score = None, 0.0
    for parse in pipe.morph_vocab.parse(word.lower()):
        for role in ROLES:
            if role in parse.tag.grammemes and parse.score > best_score:
                best, best_score = role, parse.score
    return best


def _person(words: list[str], roles: list[str | None], pipe: Pipeline) -> dict | None:
    gender = None
    for word, role in zip(words, roles, strict=False):
        if role in ("Name", "Patr"):
            for parse in pipe.morph_vocab.parse(word.lower()):
                if role in parse.tag.grammemes:
                    gender = parse.tag.gender
                    break
            if gender:
                break
    parts: dict[str, str] = {}
    for word, role in zip(words, roles, strict=False):
        role = role or ("Surn" if "Surn" not in parts else None)
        key = {"Surn": "surname", "Name": "name", "Patr": "patronymic"}.get(role or "")
        if key and key not in parts:
            parts[key] = _nominative(word, role, gender, pipe)
    if "name" not in parts and "surname" not in parts:
        return None
    parts["full_name"] = " ".join(parts[k] for k in ("surname", "name", "patronymic") if k in parts)
    return parts


def _nominative(word: str, role: str, gender: str | None, pipe: Pipeline) -> str:
    for parse in pipe.morph_vocab.parse(word.lower()):
        if role in parse.tag.grammemes and (gender is None or parse.tag.gender in (gender, None)
                                            or role != "Surn"):
            wanted = {"nomn", "sing"} | ({gender} if gender and role == "Surn" else set())
            form = PymorphyParse.inflect(parse, wanted)  # natasha's inflect wants UD tags
            if form:
                return _title(form.word)
    return _title(word)


def _nominative_place(name: str, pipe: Pipeline) -> str:
    words = []
    for word in name.split():
        geox = [p for p in pipe.morph_vocab.parse(word.lower()) if "Geox" in p.tag.grammemes]
        words.append(_title(geox[0].normal_form if geox else word))
    return " ".join(words)


def _unique(items) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen


def appeal_suggestion(extracted: dict) -> dict:
    """Whether a message carries what a 59-ФЗ electronic appeal needs, and what is missing."""
    person = extracted.get("person") or {}
    missing = []
    if not person.get("surname"):
        missing.append("surname")
    if not person.get("name"):
        missing.append("name")
    if not (extracted.get("emails") or extracted.get("postal_address")):
        missing.append("email_or_postal_address")
    return {"can_register": not missing, "missing": missing}
