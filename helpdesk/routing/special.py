"""Special kinds of message (59-ФЗ ст. 11 and "not an appeal"), each with a proposed closing reason.

A special kind is only a proposal: a person closes the ticket unless an admin configures otherwise.
"""
import re
from dataclasses import dataclass

from helpdesk.models.outcomes import ABUSE, GRATITUDE, MEANINGLESS, SPAM
from helpdesk.models.outcomes import SPECIAL_KIND_LABELS as LABELS


@dataclass(frozen=True)
class SpecialKind:
    kind: str
    label: str            # shown to staff
    close_reason: str     # proposed closing reason: a key of models.outcomes.ART11_REASONS
    classifier_code: str  # the standard thematic classifier's code for reports
    close_result: str = "no_answer"  # proposed result: a key of models.outcomes.RESULTS


KINDS = {
    GRATITUDE: SpecialKind(GRATITUDE, LABELS[GRATITUDE], "not_appeal", "0001.0002.0027.0151"),
    SPAM: SpecialKind(SPAM, LABELS[SPAM], "not_appeal", "0001.0002.0027.0158"),
    ABUSE: SpecialKind(ABUSE, LABELS[ABUSE], "obscene", "0001.0002.0027.0158"),
    MEANINGLESS: SpecialKind(MEANINGLESS, LABELS[MEANINGLESS], "no_substance",
                             "0001.0002.0027.0158"),
}

# Word edges (Cyrillic-aware: \b misreads some forms): every pattern below matches whole words,
# so "закопают" is not "закопаю" and "употреблять" does not hold "бля".
_B, _E = r"(?<![а-яёa-z])", r"(?![а-яёa-z])"
_TAIL = r"[а-яё]*"  # the rest of a word built on an obscene root


def _whole_words(first: str, *patterns: str) -> re.Pattern:
    """Whole words; `first` holds every letter a match can start with (and every match goes on
    with a letter). Checked right after the word edge, it turns most positions of a text
    (spaces, other letters, "а-а-а") away at once instead of trying every alternative there."""
    return re.compile(_B + "(?=[" + first + "][а-яёy])(?:" + "|".join(patterns) + ")" + _E,
                      re.IGNORECASE)


# Roots with the prefixes they take in abuse ("охуели", "заебали", "спиздили"); a prefix is never
# an arbitrary letter run, so "хлебать", "небо" and "вебинар" stay innocent.
OBSCENE = _whole_words(
    "абвгдеёзимнопрсухш",
    r"(?:на|по|ни|о|а|за|от|вы|до|при|рас|раз)?х[уy][йяеёию]" + _TAIL,
    r"(?:с|рас|раз|за|вы|от|на|по|у|до|при|пере|о)?п[иы]зд" + _TAIL,
    r"(?:за|на|вы|отъ|от|до|по|у|разъ|съ|объ|изъ|про|пере|недо|при|долбо)?[её]б"
    r"(?:ан|ат|ал|ну|лан|уч|ыр|ыв|ок|ищ)" + _TAIL,
    r"бля(?:[дт]" + _TAIL + ")?", r"сук(?:а|и|е|у|ой|ою|ам|ами|ах|ин[а-яё]{0,3})",
    r"муда[кч]" + _TAIL, r"мудил" + _TAIL,
    r"пид[оа]?р" + _TAIL, r"залуп" + _TAIL, r"г[ао]ндон" + _TAIL, r"шлюх" + _TAIL,
    r"мраз(?:ь|и|ью|ей|ям|ями)")
# Threats in the first person or to the reader. Verbs that also have a harmless object
# ("порешу вопрос", "сожгу листья") count only with a person or an office as the object.
_TARGET = (r"(?:вас|тебя|всех|ваш[а-яё]*|тво[ейяю][а-яё]*|администраци[а-яё]+|депутат[а-яё]*|"
           r"глав[ауы]|здание|офис)")
THREAT = _whole_words(
    "взгопсту",
    r"убью|убьём|убьем|пристрелю|застрелю|зарежу|прирежу|закопаю|урою",
    r"голову\s+(?:вам\s+|тебе\s+)?оторву|оторву\s+(?:вам\s+|тебе\s+)?голов[уы]",
    r"(?:вам|тебе)\s+(?:всем\s+)?конец",
    r"(?<!не\s)(?:вы\s+(?:ещ[её]\s+)?)?пожалеете",
    r"(?:взорву|подожгу|сожгу|спалю|порешу)(?:\s+[а-яё]+){0,2}?\s+" + _TARGET)
# A domain starts where no letter, digit or dash stands before it: tried from inside a run
# ("a-a-a-…") it rescanned the run from every position, quadratic in its length.
URL = re.compile(r"(?=[a-z0-9-])(?:https?://|www\.|t\.me/|(?<![a-z0-9-])\b[a-z0-9-]++\.(?:ru|com|net|"
                 r"biz|info|xyz|top)\b)", re.IGNORECASE)
STRONG_SPAM = frozenset("""
    скидка заработок казино букмекер подписаться подписываться реклама рекламный промокод
    криптовалюта биткоин выигрыш розыгрыш партнерка распродажа
    """.split())
# An address starts at the start of its run of address characters. Tried from every position of
# a long word, the pattern rescanned the word's rest each time: a 60,000-letter word took 22 s.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
SPAM_LEMMAS = STRONG_SPAM | frozenset("""
    акция заработать ставка кредит займ купить продать продам доход бесплатно бесплатный
    инвестиция прибыль выиграть заказать доставка
    """.split())
GRATITUDE_LEMMAS = frozenset({"спасибо", "благодарить", "благодарность", "признательность",
                              "признательный", "благодарный", "рәхмәт"})
REQUEST_LEMMAS = frozenset("""
    прошу просить просьба помочь помогать жалоба жаловаться почему когда сколько требовать
    разобраться принять мера невозможно проблема вопрос нарушение отсутствовать отказ заранее
    необходимо нужно надо сломать
    """.split())


def detect_special(text: str, lemmas: list[str], known_share: float | None = None) -> str | None:
    """The special kind of a message, or None for an ordinary one."""
    text = text or ""
    if is_abusive(text):
        return ABUSE
    if _is_spam(text, lemmas):
        return SPAM
    if _is_meaningless(text, lemmas, known_share):
        return MEANINGLESS
    if _is_gratitude(text, lemmas):
        return GRATITUDE
    return None


def is_abusive(text: str) -> bool:
    """True for obscene words or a threat (ст. 11 ч. 3 59-ФЗ), matched as whole words."""
    return bool(OBSCENE.search(text or "") or THREAT.search(text or ""))


def _is_spam(text: str, lemmas: list[str]) -> bool:
    hits = len(set(lemmas) & SPAM_LEMMAS)
    strong = len(set(lemmas) & STRONG_SPAM)
    links = len(URL.findall(EMAIL.sub(" ", text)))
    if links and hits >= 2 or links >= 3:
        return True
    asks = set(lemmas) & REQUEST_LEMMAS  # a citizen asking for something is not advertising
    return not asks and (strong >= 2 or (strong and hits >= 3))


def _is_meaningless(text: str, lemmas: list[str], known_share: float | None) -> bool:
    words = [lemma for lemma in lemmas if lemma.isalpha()]
    if not words:
        return True
    if len(words) == 1 and len(words[0]) < 4:
        return not (set(words) & GRATITUDE_LEMMAS)
    return known_share is not None and known_share < 0.5


def _is_gratitude(text: str, lemmas: list[str]) -> bool:
    present = set(lemmas)
    if not present & GRATITUDE_LEMMAS:
        return False
    # "Спасибо заранее, помогите..." is a request, not a thank-you note.
    negations = sum(1 for lemma in lemmas if lemma in ("не", "нет"))
    return not (present & REQUEST_LEMMAS) and "?" not in text and negations < 2 \
        and len(lemmas) <= 80


def known_share(lemmas: list[str], is_known) -> float:
    """Share of alphabetic words that the morphology dictionary knows (gibberish scores low)."""
    words = [w for w in lemmas if w.isalpha()]
    if not words:
        return 0.0
    return sum(1 for w in words if is_known(w)) / len(words)
