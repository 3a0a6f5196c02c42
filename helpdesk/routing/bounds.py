"""How much of a citizen's text the analysis reads: one message must never stall a worker.

Real messages are short (median about 150 characters; the platforms cap theirs at 4,096) and
their words are short (the longest Russian words run to about 35 letters, an account number to
about 25 digits). A hostile one can be a 100,000-letter word, a wall of spaces or a run of
punctuation. The text is cut to MAX_ANALYSED_CHARS and every absurd run is cut to a sane
length before natasha or any pattern sees it: a letter or digit run to MAX_WORD_CHARS, a run of
non-space characters (a URL, an e-mail address) to MAX_RUN_CHARS, a run of spaces to
MAX_SPACE_CHARS. What a real message says is kept whole.

Each cut is one pass with a pattern anchored at the start of its run, so it is linear too.
"""
import re

MAX_ANALYSED_CHARS = 20_000
MAX_WORD_CHARS = 48
MAX_RUN_CHARS = 128
MAX_SPACE_CHARS = 32

_LONG_RUN = re.compile(r"(?<!\S)\S{%d,}" % (MAX_RUN_CHARS + 1))
_LONG_WORD = re.compile(r"(?<!\w)\w{%d,}" % (MAX_WORD_CHARS + 1))
_LONG_SPACE = re.compile(r"(?<!\s)\s{%d,}" % (MAX_SPACE_CHARS + 1))


def bounded_text(text: str | None) -> str:
    """The part of a text that analysis reads: its beginning, absurd runs cut short."""
    text = (text or "")[:MAX_ANALYSED_CHARS]
    text = _LONG_RUN.sub(lambda m: m.group(0)[:MAX_RUN_CHARS], text)
    text = _LONG_WORD.sub(lambda m: m.group(0)[:MAX_WORD_CHARS], text)
    return _LONG_SPACE.sub(_short_space, text)


def _short_space(match: re.Match) -> str:
    """A long run of spaces, cut; a line break in it is kept (lines matter to signatures)."""
    run = match.group(0)
    head = run[:MAX_SPACE_CHARS]
    return head if "\n" in head or "\n" not in run else head[:-1] + "\n"
