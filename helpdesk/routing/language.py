"""Russian, Tatar or mixed: a cheap detector that natasha (which reads no Tatar) needs first."""
import re

RUSSIAN, TATAR, MIXED = "ru", "tt", "mixed"
LANGUAGE_LABELS = {RUSSIAN: "Русский", TATAR: "Татарский", MIXED: "Смешанный"}

TATAR_SHARE = 0.20    # a message is (partly) Tatar when this share of its words is Tatar
RUSSIAN_SHARE = 0.15  # ... and mixed when this share of its words is Russian function words

SENTENCE = re.compile(r"[^.!?\n]+")
TATAR_CLAUSE_WORDS = 3  # a sentence with this many Tatar words (mostly Tatar) says something

WORD = re.compile(r"[А-Яа-яЁёӘәӨөҮүҖҗҢңҺһA-Za-z]+")
TATAR_LETTER = re.compile(r"[әөүҗңһ]")

# Common Tatar words written without the Tatar letters; none of them is a Russian word.
TATAR_WORDS = frozenset("""
    бу мин син алар безгә сезгә аның моның юк инде дип гына шул бик монда анда ничек чөнки
    ләкин әмма кирәк түгел турында буенча иде булды була булган эш килеп бирү алу кайда
    нигә безнең сезнең минем синең аларның белән һәм өчен дә тә гел хәзер бүген кичә иртәгә
    авыл авылда авылы урам урамы юл юлы су суы мәктәп балалар әни әти кеше кешеләр
    """.split())

# Greetings and thanks that Russian-speaking citizens of Tatarstan put around Russian text.
COURTESY = frozenset({"исәнмесез", "исәнме", "сәлам", "сәламәтсезме", "рәхмәт", "зур",
                      "хәерле", "көн", "иртә", "кич", "хөрмәтле"})

RUSSIAN_WORDS = frozenset("""
    и в во на не что с со по у к для как это мы нас нам нет прошу уже очень когда или все всё
    из от о об до при его ее её их так но же бы ли только меня мне вы вас вам есть был была
    были будет просим помогите почему где уважаемые здравствуйте добрый день улица дом района
    """.split())


def words_of(text: str) -> list[str]:
    """Lowercase words of a text."""
    return [w.lower() for w in WORD.findall(text or "")]


def is_tatar_word(word: str) -> bool:
    """A word with a Tatar letter or a common Tatar function word."""
    return bool(TATAR_LETTER.search(word)) or word in TATAR_WORDS


LATIN = re.compile(r"[a-z]+")


def tatar_share(text: str) -> float:
    """Share of Tatar words, not counting courtesy words around a message in another language
    nor Latin words (links, e-mail addresses)."""
    words = [w for w in words_of(text) if not LATIN.fullmatch(w)]
    content = [w for w in words if w not in COURTESY]
    if not content:
        content = words
    if not content:
        return 0.0
    return sum(1 for w in content if is_tatar_word(w)) / len(content)


def has_tatar_content(text: str) -> bool:
    """Whether some sentence is mostly Tatar with at least TATAR_CLAUSE_WORDS Tatar words beside
    greetings and thanks: a Tatar part that carries content, not a courtesy or a place name."""
    for sentence in SENTENCE.findall(text or ""):
        words = [w for w in words_of(sentence) if w not in COURTESY]
        tatar = sum(1 for w in words if is_tatar_word(w))
        if tatar >= TATAR_CLAUSE_WORDS and tatar * 2 >= len(words):
            return True
    return False


def detect_language(text: str) -> str:
    """'ru', 'tt' or 'mixed' (a mostly-Russian message whose Tatar part carries content)."""
    share = tatar_share(text)
    if share < TATAR_SHARE:
        return MIXED if has_tatar_content(text) else RUSSIAN
    words = [w for w in words_of(text) if w not in COURTESY]
    russian = sum(1 for w in words if w in RUSSIAN_WORDS) / max(len(words), 1)
    if russian >= RUSSIAN_SHARE or share < 0.5:
        return MIXED
    return TATAR
