"""Search queries in Russian: Snowball stems (helpdesk.util.text, as the index and PostgreSQL use)
and the other forms of a word a query should also find."""
import os
import re
from functools import lru_cache

from helpdesk.util.text import stem, words

MAX_QUERY_TERMS = 12


# Snowball reads a surname's nominative "-ов/-ев/-ин" as an ending ("гарипов" → "гарип") but
# keeps it in other cases ("гарипова" → "гарипов"): a query term with that tail also tries
# the shorter stem, so "Гарипова" finds "Гарипов" on both databases.
_SURNAME_TAIL = ("ов", "ев", "ин", "ын")


def query_terms(query: str) -> list[list[str]]:
    """The query's words, each with its alternatives (the word itself first), duplicates dropped."""
    terms, seen = [], set()
    for w in words(query)[:MAX_QUERY_TERMS]:
        s = stem(w)
        if not s or s in seen:
            continue
        seen.add(s)
        alternatives = [w]
        if len(s) >= 5 and s.endswith(_SURNAME_TAIL) and stem(s[:-2]) != s:
            alternatives.append(s[:-2])
        alternatives += other_stem_forms(w)
        terms.append(alternatives)
    return terms


MAX_FORM_ALTERNATIVES = 3


def _morph():
    """The dictionary for paradigms: the routing pipeline's when this process has loaded it
    (a worker that routes), else a dictionary of its own (a web process: about 15 MB, not the
    300 MB of natasha's models)."""
    from helpdesk.routing.nlp import loaded_pipeline

    pipeline = loaded_pipeline()
    return pipeline.morph_vocab if pipeline is not None else _own_morph()


@lru_cache(maxsize=1)
def _own_morph():
    from natasha import MorphVocab  # pymorphy2 with natasha's Python 3.11 fixes

    return MorphVocab()


@lru_cache(maxsize=20_000)
def other_stem_forms(word: str) -> tuple[str, ...]:
    """Forms of the word whose Snowball stem differs from the word's own only in its tail.

    Snowball cuts the same noun's forms differently ("траншея" → "транше", "траншеи" → "транш";
    "свалка" → "свалк", "свалок" → "свалок"), so a query in one case missed texts in another.
    The dictionary's paradigm of the word gives one form per such stem; stems sharing too short
    a beginning (another word) are not taken.
    """
    if not word.isalpha() or not re.fullmatch(r"[а-я]+", word):
        return ()
    own = stem(word)
    parses = _morph().parse(word)
    if not parses:
        return ()
    found: dict[str, str] = {}
    for form in parses[0].lexeme:
        candidate = form.word.replace("ё", "е")
        other = stem(candidate)
        if other == own or other in found or len(other) < 4:
            continue
        shared = len(os.path.commonprefix([own, other]))
        if other.startswith(own) or shared >= max(4, min(len(own), len(other)) - 1):
            found[other] = candidate
        if len(found) >= MAX_FORM_ALTERNATIVES:
            break
    return tuple(found.values())


def fts5_query(query: str) -> str:
    """An FTS5 MATCH expression: every term (or one of its alternatives) must occur."""
    groups = []
    for alternatives in query_terms(query):
        stems = list(dict.fromkeys(stem(a) for a in alternatives))
        groups.append("(" + " OR ".join(f'"{s}"' for s in stems) + ")")
    return " AND ".join(groups)


def pg_tsquery_text(query: str) -> str:
    """Text for PostgreSQL to_tsquery('russian', ...): words only, so no syntax can be injected."""
    return " & ".join("(" + " | ".join(alts) + ")" for alts in query_terms(query))
