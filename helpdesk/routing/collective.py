"""Collective appeals: written by or on behalf of several citizens (ССТУ counts them apart).

`is_collective(text)` is a pure function over the message text, run when a ticket is routed;
the answer is kept on the ticket (`Ticket.collective`) so the monthly summary only counts.
It looks for what such letters say of themselves, not for mentions of other people:
"жители дома шумят" is one person's complaint, "мы, жители дома, просим" is collective.
"""
import re

_WORD_END = r"(?![а-яё])"
# Groups that sign together: "мы, жители ...", "от имени собственников ...".
_GROUP = (r"(?:жител|собственник|родител|работник|сотрудник|пенсионер|ветеран|член|"
          r"пайщик|садовод|арендатор|владел|учител|врач|предпринимател|граждан|соседи|"
          r"студент|многодетн|инвалид|активист)")
_EXPLICIT = re.compile(
    r"(?<![а-яё])коллективн\w*+\s+(?:обращени|жалоб|заявлени|письм|петици|просьб|требовани)"
    r"|нижеподписавш"
    r"|(?<![а-яё])мы(?![а-яё])\s*+[,—–-]?\s*+(?:[а-яё]+\s+){0,2}?" + _GROUP +
    r"|от\s+(?:имени|лица)\s+(?:\w+\s+){0,2}?" + _GROUP +
    r"|(?:список|листы?)\s+(?:подписей|подписавшихся)"
    r"|подписи\s+(?:жителей|прилагаются|собраны)"
    r"|(?<!\d)(?:[2-9]|\d{2,}+)\s+(?:подпис|человек\s+подписал|жител\w*\s+подписал)",
    re.IGNORECASE)
# "жители дома № 5 ... просим": residents as the subject of a first-person plural request.
_RESIDENTS = re.compile(r"(?<![а-яё])жители" + _WORD_END, re.IGNORECASE)
_WE_ASK = re.compile(
    r"(?<![а-яё])(?:просим|требуем|обращаемся|умоляем|настаиваем|ходатайствуем|"
    r"не\s+можем|вынуждены|возмущены)" + _WORD_END, re.IGNORECASE)
# A signature line: "1. Иванов И. И., кв. 12" or "И.И. Иванова (подпись)".
_SIGNATURE = re.compile(
    r"^[^\S\n]*+(?:\d{1,3}[.)]\s*)?(?:[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?\s+[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.)?"
    r"|[А-ЯЁ]\.\s?(?:[А-ЯЁ]\.)?\s*[А-ЯЁ][а-яё]+)[^\n]{0,60}$", re.MULTILINE)


def is_collective(text: str | None) -> bool:
    """True when the message presents itself as written by several citizens."""
    if not text:
        return False
    if _EXPLICIT.search(text):
        return True
    if _RESIDENTS.search(text) and _WE_ASK.search(text):
        return True
    return len(set(m.group(0).strip() for m in _SIGNATURE.finditer(text))) >= 2
