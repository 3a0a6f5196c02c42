"""The closed list of Tatarstan's 45 municipalities, matched in any case and inflection."""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path

from helpdesk.routing.streets import STREET_TYPES

DATA = Path(__file__).parent / "data" / "tatarstan-municipalities.tsv"

# Adjectives citizens use for the two city districts (they have no "-ский район").
EXTRA_ADJECTIVES = {"Казань": ["казанский"],
                    "Набережные Челны": ["набережночелнинский", "челнинский"]}
# A centre that lies outside its district is not evidence for that district.
SKIP_CENTRES = {"Тукаевский муниципальный район"}

# Words before a mention that make it the place where something is.
PLACE_WORDS = {"в", "во", "из", "у", "около", "возле", "под", "близ", "рядом", "город", "городе",
               "города", "г", "село", "селе", "села", "деревня", "деревне", "деревни", "пгт",
               "поселок", "поселке", "поселка"}
TURN_WORDS = ("поворот", "съезд", "въезд")  # "у поворота на Богатые Сабы"
DASHES = {"—", "–", "-", "−"}
STREET_TYPE_WORD = re.compile("|".join(t[0] for t in STREET_TYPES))

_lock = threading.Lock()
_gazetteer: "Gazetteer | None" = None


@dataclass(frozen=True)
class Municipality:
    name: str      # official name, e.g. "Арский муниципальный район"
    oktmo: str
    centre: str    # administrative centre, e.g. "Арск"
    short: str     # "Арский район" or "Казань"


def load_municipalities(path: Path = DATA) -> list[Municipality]:
    """The municipalities shipped with the package."""
    result = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, oktmo, centre = (line.split("\t") + ["", ""])[:3]
        centre = re.sub(r"\s*\(.*\)$", "", centre).strip()
        short = name.replace(" муниципальный район", " район")
        short = short.replace("городской округ город ", "")
        result.append(Municipality(name.strip(), oktmo.strip(), centre, short))
    return result


def _noun_forms(word: str) -> set[str]:
    """Case forms of a place name by its ending (robust when the dictionary does not know it)."""
    w = word.lower()
    forms = {w}
    if w[-1] in "ыи":  # plural: Бавлы, Тетюши, Челны
        stem = w[:-1]
        forms |= {stem + e for e in ("ах", "ам", "ами", "ов", "ей")}
    elif w[-1] in "ая":  # Елабуга, Бугульма, Атня
        stem = w[:-1]
        soft = w[-1] == "я" or stem[-1] in "гкхжшчщ"
        forms |= {stem + e for e in (("и" if soft else "ы"), "е", "у", "ой", "ою")}
    elif w[-1] in "оеь":  # Апастово, Лаишево, Казань
        stem = w[:-1]
        endings = ("я", "ю", "ем", "е", "и", "ью") if w[-1] == "ь" else ("а", "у", "ом", "е")
        forms |= {stem + e for e in endings}
    elif w[-1] == "й":
        forms |= {w[:-1] + e for e in ("я", "ю", "ем", "е")}
    else:  # consonant: Арск, Мамадыш, Нурлат
        forms |= {w + e for e in ("а", "у", "ом", "е", "ем")}
    return forms


class Gazetteer:
    """Surface forms → municipality, for one-word and multi-word names."""

    def __init__(self, municipalities: list[Municipality], morph) -> None:
        self.municipalities = municipalities
        self.single: dict[str, Municipality] = {}
        self.adjectives: set[str] = set()  # "арской", "казанская": may name a street before its type
        self.phrases: dict[str, list[tuple[list[set[str]], Municipality]]] = {}
        for m in municipalities:
            adjectives = list(EXTRA_ADJECTIVES.get(m.short, []))
            if m.name.endswith("муниципальный район"):
                adjectives.append(m.name.split()[0].lower())
            for adjective in adjectives:
                for form in self._adjective_forms(adjective, morph):
                    self.single.setdefault(form, m)
                    self.adjectives.add(form)
            if m.name in SKIP_CENTRES or not m.centre:
                continue
            words = m.centre.split()
            if len(words) == 1:
                for form in _noun_forms(words[0]) | self._lexeme(words[0], morph):
                    self.single.setdefault(form, m)
            else:
                forms = [self._any_forms(w, morph) for w in words]
                for first in forms[0]:  # indexed by the first word's forms
                    self.phrases.setdefault(first, []).append((forms, m))

    @staticmethod
    def _adjective_forms(adjective: str, morph) -> set[str]:
        forms = {adjective}
        for parse in morph.parse(adjective):
            if "ADJF" in parse.tag:
                forms |= {f.word for f in parse.lexeme if "ADJF" in f.tag}
                break
        return {f.replace("ё", "е") for f in forms}

    @staticmethod
    def _lexeme(word: str, morph) -> set[str]:
        for parse in morph.parse(word.lower()):
            if "Geox" in parse.tag:
                return {f.word.replace("ё", "е") for f in parse.lexeme}
        return set()

    def _any_forms(self, word: str, morph) -> set[str]:
        w = word.lower()
        forms = _noun_forms(w)
        for parse in morph.parse(w):
            if parse.tag.POS in ("ADJF", "NOUN"):
                return forms | {f.word.replace("ё", "е") for f in parse.lexeme}
        return forms

    def best(self, words: list[str]) -> Municipality | None:
        """The municipality the message is about, from its mentions in lowercase words.

        A mention inside a street's name ("улица Чистопольская", "Арская улица") is not one.
        Of the rest the first wins in this order: named with the word "район"; a place where
        something is ("в Казани", "у поворота на Богатые Сабы"); any other; an end of a route
        ("дорога Казань — Оренбург")."""
        ranked = [(_rank(words, start, stop), start, m) for start, stop, m in self.find(words)
                  if not self._in_street_name(words, start, stop)]
        return min(ranked, key=lambda r: r[:2])[2] if ranked else None

    def _in_street_name(self, words: list[str], start: int, stop: int) -> bool:
        """"улице Чистопольской", "ул. Чистопольская", and an adjective before its type word:
        "Арской улице", "Оренбургский тракт" (but "в Казани улица Ленина" is Kazan)."""
        previous = [w for w in words[max(0, start - 2):start] if w != "."]
        if previous and STREET_TYPE_WORD.fullmatch(previous[-1]):
            return True
        return stop - start == 1 and words[start] in self.adjectives and stop < len(words) \
            and STREET_TYPE_WORD.fullmatch(words[stop]) is not None

    def find(self, words: list[str]) -> list[tuple[int, int, Municipality]]:
        """(start, stop, municipality) for every mention in a list of lowercase words."""
        found = []
        for i, word in enumerate(words):
            for forms, m in self.phrases.get(word, ()):
                n = len(forms)
                if all(i + k < len(words) and words[i + k] in forms[k] for k in range(1, n)):
                    found.append((i, i + n, m))
            m = self.single.get(word)
            if m is not None:
                found.append((i, i + 1, m))
        return found

    def centre_of(self, word: str) -> Municipality | None:
        """The municipality whose centre (not adjective) this form names, if any."""
        m = self.single.get(word.lower().replace("ё", "е"))
        return m if m and word.lower().startswith(m.centre.lower()[:4]) else None


def _rank(words: list[str], start: int, stop: int) -> int:
    if stop < len(words) and words[stop].startswith("район"):
        return 0
    if _route_end(words, start, stop):
        return 3
    before = [w for w in words[max(0, start - 3):start] if w.isalpha()]
    return 1 if set(before) & PLACE_WORDS or any(w.startswith(TURN_WORDS) for w in before) else 2


def _route_end(words: list[str], start: int, stop: int) -> bool:
    """"Казань — Оренбург": a name joined to another word by a dash."""
    after = stop + 1 < len(words) and words[stop] in DASHES and words[stop + 1].isalpha()
    before = start >= 2 and words[start - 1] in DASHES and words[start - 2].isalpha()
    return after or before


def get_gazetteer(morph) -> Gazetteer:
    """The process-wide gazetteer (built once, thread-safe)."""
    global _gazetteer
    if _gazetteer is None:
        with _lock:
            if _gazetteer is None:
                _gazetteer = Gazetteer(load_municipalities(), morph)
    return _gazetteer
