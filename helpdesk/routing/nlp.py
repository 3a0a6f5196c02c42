"""The natasha pipeline: loaded once per process, batched, robust to lowercase and ALL-CAPS text."""
from __future__ import annotations

import gc
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from helpdesk.routing.bounds import bounded_text

# Proper-name grammemes of pymorphy2 (OpenCorpora): first name, surname, patronymic, place.
PROPER_GRAMMEMES = frozenset({"Name", "Surn", "Patr", "Geox"})
CYRILLIC_WORD = re.compile(r"^[А-Яа-яЁёӘәӨөҮүҖҗҢңҺһ]+(?:-[А-Яа-яЁёӘәӨөҮүҖҗҢңҺһ]+)*$")
TATAR_LETTERS = re.compile(r"[ӘәӨөҮүҖҗҢңҺһ]")
BATCH_SIZE = 32
MAX_BATCH_CELLS = 4096  # items × tokens of the longest item, per model call

_lock = threading.Lock()
_pipeline: "Pipeline | None" = None


def _ensure_dict_path() -> None:
    """Point pymorphy2 at its dictionaries without pkg_resources (gone in setuptools>=81)."""
    if os.environ.get("PYMORPHY2_DICT_PATH"):
        return
    try:
        import pymorphy2_dicts_ru
        os.environ["PYMORPHY2_DICT_PATH"] = pymorphy2_dicts_ru.get_path()
    except Exception:  # pragma: no cover - the package ships with natasha
        pass


class Pipeline:
    """The loaded natasha models (about 300 MB): create through get_pipeline() only."""

    def __init__(self) -> None:
        _ensure_dict_path()
        from natasha import (MorphVocab, NewsEmbedding, NewsMorphTagger, NewsNERTagger,
                             Segmenter)

        self.segmenter = Segmenter()
        self.morph_vocab = MorphVocab()
        self.emb = NewsEmbedding()
        self.morph_tagger = NewsMorphTagger(self.emb)
        self.ner_tagger = NewsNERTagger(self.emb)
        self.morph_tagger.batch_size = BATCH_SIZE
        self.ner_tagger.batch_size = BATCH_SIZE
        self.ner_words = WordsNER(self.ner_tagger)
        self._infer_lock = threading.Lock()
        self.is_proper = lru_cache(maxsize=100_000)(self._is_proper)
        self.lemma = lru_cache(maxsize=200_000)(self._lemma)
        self.is_known = lru_cache(maxsize=200_000)(self.morph_vocab.word_is_known)

    def _is_proper(self, word: str) -> bool:
        """True when morphology reads a lowercase word mostly as a name, surname or place."""
        parses = self.morph_vocab.parse(word)
        score = sum(p.score for p in parses if PROPER_GRAMMEMES & p.tag.grammemes)
        return score >= 0.5

    def _lemma(self, word: str, pos: str, feats_key: tuple) -> str:
        return self.morph_vocab.lemmatize(word, pos, dict(feats_key)).replace("ё", "е")


class WordsNER:
    """natasha's NER tagger over words the segmenter has already found.

    Doc.tag_ner hands slovnet the text, and slovnet tokenises it again with the same razdel
    tokenizer that segmentation ran: about a tenth of the whole routing step. This runs the same
    encoder, model and CRF decoding on the segmenter's tokens and yields their BIO tags; spans
    come from slovnet's own bio_spans over the tokens' offsets.
    """

    def __init__(self, tagger) -> None:
        self.infer = tagger.infer
        self.batch_size = tagger.batch_size

    def map(self, items: list[list[str]]):
        infer = self.infer
        return infer.decoder(infer.process(infer.encoder(items)))


def loaded_pipeline() -> "Pipeline | None":
    """The process's pipeline if something has loaded it already (never loads it)."""
    return _pipeline


def get_pipeline() -> Pipeline:
    """The process-wide pipeline, loaded on first use (thread-safe)."""
    global _pipeline
    if _pipeline is None:
        with _lock:
            if _pipeline is None:
                _pipeline = Pipeline()
                _freeze_loaded_objects()
    return _pipeline


def _freeze_loaded_objects() -> None:
    """Leave the models' objects out of the garbage collector's full passes from now on.

    The vocabularies are large lists and dicts that live as long as the process; each full
    collection walked all of them again, which came to about 0.5 ms per routed message (routing
    allocates a great many short-lived tokens) and made its time vary by a fifth from run to run.
    What is garbage now is collected first; frozen objects are never collected, so only what
    exists when the models load (the models, the modules, the app) is kept for good.
    """
    gc.collect()
    gc.freeze()


@dataclass(slots=True)
class Token:
    text: str
    start: int
    stop: int
    pos: str
    feats: dict
    lemma: str


@dataclass
class Span:
    type: str  # PER | LOC | ORG
    start: int
    stop: int
    text: str
    tokens: list[Token] = field(default_factory=list)
    _normal: str | None = field(default=None, repr=False)

    @property
    def normal(self) -> str:
        """The nominative form (computed on first use: inflection is not free)."""
        if self._normal is None:
            self._normal = _normalise(self.tokens, self.type, get_pipeline())
        return self._normal


@dataclass
class Analysis:
    """One message after segmentation, morphology, lemmas and NER."""

    text: str
    restored: str  # same length as text, capitalisation restored for NER
    tokens: list[Token]
    spans: list[Span]

    @property
    def lemmas(self) -> list[str]:
        """Lemmas of the word tokens, lowercase, ё → е."""
        return [t.lemma for t in self.tokens if t.lemma and t.lemma[0].isalnum()]

    def spans_of(self, kind: str) -> list[Span]:
        """NER spans of one type."""
        return [s for s in self.spans if s.type == kind]


def restore_case(text: str, tokens, pipeline: Pipeline) -> str:
    """Lowercase shouted words and capitalise words that morphology reads as proper names.

    A text that already capitalises some word inside a sentence is taken as written with care
    and left alone (morphology on every word is the costly part).
    """
    words = [t for t in tokens if CYRILLIC_WORD.match(t.text)]
    if not words:
        return text
    upper = sum(1 for t in words if t.text.isupper() and len(t.text) > 1)
    shouting = upper / len(words) >= 0.5
    if not shouting and _capitalised_inside(text, words):
        return text
    chars = list(text)
    for t in words:
        word = t.text
        if word.isupper() and shouting:
            word = word.lower()
        if word.islower() and not TATAR_LETTERS.search(word):
            if len(word) > 2 and pipeline.is_proper(word):
                word = "-".join(p[:1].upper() + p[1:] for p in word.split("-"))
        if word != t.text and len(word) == t.stop - t.start:
            chars[t.start:t.stop] = word
    return "".join(chars)


def _capitalised_inside(text: str, words) -> bool:
    """True when a capitalised (not all-caps) word stands inside a sentence."""
    for t in words:
        w = t.text
        if w[:1].isupper() and not w.isupper() and len(w) > 1:
            before = text[max(0, t.start - 3):t.start].rstrip()
            if before and before[-1] not in ".!?:;\n\"«(-—":
                return True
    return False


def analyse_many(texts: list[str], pipeline: Pipeline | None = None) -> list[Analysis]:
    """Analyse a batch of texts (segment, restore case, morphology, lemmas, NER). Each is read
    through bounded_text(): Analysis.text is what was analysed."""
    from natasha import Doc
    from slovnet.bio import bio_spans

    pipe = pipeline or get_pipeline()
    docs = []
    for text in texts:
        text = bounded_text(text)  # natasha and every pattern read at most this (issue 13)
        doc = Doc(text)
        doc.segment(pipe.segmenter)
        restored = restore_case(text, doc.tokens, pipe)
        docs.append((text, restored, doc))
    sentences, owners = [], []
    for index, (_text, restored, doc) in enumerate(docs):
        for sent in doc.sents:
            sentences.append([restored[t.start:t.stop] for t in sent.tokens])
            owners.append((index, sent))
    # The NER tagger fails on a text with no token (IndexError in slovnet's CRF): an empty
    # message, only spaces, a photo without a caption. Such a text has no names to find.
    worded = [i for i, (_, _, doc) in enumerate(docs) if doc.tokens]
    words = [[docs[i][1][t.start:t.stop] for t in docs[i][2].tokens] for i in worded]
    with pipe._infer_lock:  # slovnet models are not documented as re-entrant
        markups = run_batched(pipe.morph_tagger, sentences, [len(s) for s in sentences])
        found = run_batched(pipe.ner_words, words, [len(w) for w in words])
    ner: list = [None] * len(docs)
    for i, tags in zip(worded, found, strict=True):
        ner[i] = tags
    for (_index, sent), markup in zip(owners, markups, strict=True):
        for token, source in zip(sent.tokens, markup.tokens, strict=False):
            token.pos, token.feats = source.pos, source.feats
    results = []
    for (text, restored, doc), tags in zip(docs, ner, strict=True):
        tokens = [_token(t, restored, pipe) for t in doc.tokens]
        spans = [_span(s, restored, tokens, pipe) for s in bio_spans(doc.tokens, tags)
                 if restored.strip()] if tags is not None else []
        results.append(Analysis(text, restored, tokens, [s for s in spans if s]))
    return results


def length_batches(lengths: list[int], max_items: int = BATCH_SIZE,
                   max_cells: int = MAX_BATCH_CELLS) -> list[list[int]]:
    """Indices grouped by similar length, so padding (time and memory) stays small."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    batches, current = [], []
    for i in order:
        longest = max(lengths[i], 1)
        if current and (len(current) >= max_items or (len(current) + 1) * longest > max_cells):
            batches.append(current)
            current = []
        current.append(i)
    if current:
        batches.append(current)
    return batches


def run_batched(tagger, items: list, lengths: list[int]) -> list:
    """A slovnet tagger over items in length-sorted batches; results in the input order."""
    results: list = [None] * len(items)
    for batch in length_batches(lengths):
        tagger.batch_size = len(batch)
        for i, markup in zip(batch, tagger.map([items[i] for i in batch]), strict=False):
            results[i] = markup
    return results


def analyse(text: str) -> Analysis:
    """Analyse one text."""
    return analyse_many([text])[0]


def _token(t, restored: str, pipe: Pipeline) -> Token:
    pos, feats = t.pos or "X", t.feats or {}
    word = restored[t.start:t.stop]
    # The tagger writes a tag's features in one fixed order, so the items serve as the cache key.
    lemma = pipe.lemma(word.lower(), pos, tuple(feats.items())) if word[:1].isalpha() \
        else word.lower()
    return Token(word, t.start, t.stop, pos, feats, lemma)


def _span(span, restored: str, tokens: list[Token], pipe: Pipeline) -> Span | None:
    start, stop, kind = span.start, span.stop, span.type
    text = restored[start:stop]
    if kind == "PER" and TATAR_LETTERS.search(text):
        return None  # "Исәнмесез" is a greeting, not a person
    inside = [t for t in tokens if t.start >= start and t.stop <= stop]
    return Span(kind, start, stop, text, inside)


def _normalise(tokens: list[Token], kind: str, pipe: Pipeline) -> str:
    """The nominative form of a span, through natasha's own normaliser."""
    from natasha.doc import DocToken
    from natasha.norm import normalize

    if not tokens:
        return ""
    doc_tokens = [DocToken(t.start, t.stop, t.text, pos=t.pos, feats=t.feats) for t in tokens]
    try:
        return normalize(pipe.morph_vocab, doc_tokens)
    except Exception:  # natasha's normaliser is best effort
        return " ".join(t.text for t in tokens)
