"""Russian word normalisation for the SQLite full-text index: Snowball stems, as PostgreSQL uses."""
import re
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"[0-9a-zа-я]+", re.IGNORECASE)
_stemmer = snowballstemmer.stemmer("russian")
MAX_QUERY_TERMS = 12


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball Russian stem of one lower-cased word ("дорогами" → "дорог")."""
    return _stemmer.stemWord(word)


def words(text: str | None) -> list[str]:
    """Lower-cased words of a text, ё read as е (as the Snowball stemmer expects)."""
    return _WORD.findall((text or "").lower().replace("ё", "е"))


def normalise(text: str | None) -> str:
    """A text as its stems separated by spaces: what the FTS5 index stores."""
    return " ".join(stem(w) for w in words(text))


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
        terms.append(alternatives)
    return terms


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
