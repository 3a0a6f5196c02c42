"""Special kinds of a Tatar or mixed message: gratitude, spam, abuse and text with no content.

natasha reads no Tatar, so these look at words, not lemmas: Tatar inflects by suffixes, and
each pattern below is a stem followed by any Tatar suffix. Russian obscenity and threats, which
citizens mix into Tatar text too, are caught by the Russian patterns (`special.is_abusive`).
Every pattern is an alternation of fixed stems inside word edges: linear in the text's length.
"""
import re

from helpdesk.routing.language import COURTESY, words_of
from helpdesk.routing.special import (ABUSE, GRATITUDE, MEANINGLESS, SPAM, URL, EMAIL,
                                      is_abusive)

_B, _E = r"(?<![а-яёәөүҗңһa-z])", r"(?![а-яёәөүҗңһa-z])"
_TAIL = r"[а-яёәөүҗңһ]{0,8}"  # a Tatar suffix chain ("рәхмәтлебез", "үтерәбез")


def _stems(*stems: str) -> re.Pattern:
    return re.compile(_B + "(?:" + "|".join(stems) + ")" + _TAIL + _E, re.IGNORECASE)


# "рәхмәт" and its Russian-keyboard spellings; "бик зур рәхмәт", "рәхмәтлебез", "рахмат".
THANKS = _stems("рәхмәт", "рахмәт", "рэхмэт", "рахмат", "рехмет", "рәхмет", "мактау")
# Insults and obscenity of Tatar ("тинтәк", "ахмак", "дуңгыз", "хайван", "мәлгунь").
INSULT = _stems("тинтәк", "тинтек", "ахмак", "дуңгыз", "дунгыз", "хайван", "мәлгун",
                "малгун", "җүләр", "жуляр", "сволоч", "хәшәрәт", "эт баш")
# Threats in the first person: "үтерәм" (I will kill), "ут төртәм" (I will set on fire),
# "шартлатам" (I will blow up), "башыгызны өзәм" (I will tear your heads off).
THREAT = re.compile(
    _B + r"(?:үтерә(?:м|без|чәкмен|чәкбез)|үтерермен|шартлата(?:м|чакмын|быз)"
    r"|ут\s+төртә(?:м|без|чәкмен)|баш(?:ыгыз|ларыгыз|ың)ны\s+өзә(?:м|без)"
    r"|(?:сезне|сине)\s+(?:үтерә|кыйный|суга)[а-яёәөүҗңһ]{0,6})" + _E, re.IGNORECASE)
# Advertising: "сатам" (I sell), "сатыла" (for sale), "бушлай" (free), "отыш" (a win),
# "акча эшлә…" (earn money), plus loanwords that ads keep in Russian.
SPAM_WORDS = _stems("сатам", "сатабыз", "сатыла", "бушлай", "отыш", "ташлама",
                    "акция", "скидк", "казино", "кредит", "промокод", "реклам", "подпис",
                    "заработ", "криптовалют", "биткоин")
EARN = re.compile(_B + r"акча\s+(?:эшлә|ясау|табу)" + _TAIL + _E, re.IGNORECASE)
# A citizen asking for something ("ярдәм итегез", "сорыйм", "ни өчен", "кайчан").
REQUEST = _stems("ярдәм", "сорый", "сорау", "зинһар", "кирәк", "юк", "ник", "нигә", "кайчан",
                 "шикаять", "проблем", "прошу", "помоги", "почему")


def detect_special_tatar(text: str) -> str | None:
    """The special kind of a Tatar or mixed message, or None for an ordinary one."""
    text = text or ""
    if is_abusive(text) or INSULT.search(text) or THREAT.search(text):
        return ABUSE
    if _is_spam(text):
        return SPAM
    words = words_of(text)
    if not words or all(w in COURTESY for w in words):
        return MEANINGLESS  # a greeting alone ("Исәнмесез!") carries nothing to answer
    if THANKS.search(text) and not REQUEST.search(text) and "?" not in text and len(words) <= 80:
        return GRATITUDE
    return None


def _is_spam(text: str) -> bool:
    hits = len(SPAM_WORDS.findall(text)) + len(EARN.findall(text))
    links = len(URL.findall(EMAIL.sub(" ", text)))
    if links and hits >= 1 or links >= 3:
        return True
    return hits >= 2 and not REQUEST.search(text)
