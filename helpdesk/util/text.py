"""Typed text: what counts as empty (only spaces and invisible marks), and Russian words as
Snowball stems, the form the full-text index stores (as PostgreSQL's 'russian' config does)."""
import re
from functools import lru_cache

import snowballstemmer

# Characters that show nothing: zero-width spaces and joiners, the BOM, soft hyphens, bidi marks.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)


def is_blank(value: str | None) -> bool:
    """Whether a typed text shows nothing: only spaces, NULs and invisible marks."""
    return not (value or "").replace("\x00", "").translate(_INVISIBLE).strip()


_WORD = re.compile(r"[0-9a-zа-я]+", re.IGNORECASE)
_stemmer = snowballstemmer.stemmer("russian")


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Snowball Russian stem of one lower-cased word ("дорогами" → "дорог")."""
    return _stemmer.stemWord(word)


# A word longer than this is cut before stemming (the index and the query alike): real words end
# well before it, and Snowball on a 100,000-letter word took 0.1 s of a worker's time.
MAX_WORD_CHARS = 48


def words(text: str | None) -> list[str]:
    """Lower-cased words of a text, ё read as е (as the Snowball stemmer expects), each cut to
    MAX_WORD_CHARS."""
    return [w[:MAX_WORD_CHARS] for w in _WORD.findall((text or "").lower().replace("ё", "е"))]


def normalise(text: str | None) -> str:
    """A text as its stems separated by spaces: what the SQLite FTS5 index stores."""
    return " ".join(stem(w) for w in words(text))
