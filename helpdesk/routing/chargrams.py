"""The classifier's character n-gram TF-IDF, computed word by word with a cache.

scikit-learn's `char_wb` analyser builds every n-gram of every word of every message in Python
(about 800 per message) and looks each up in the vocabulary: the costliest part of classifying.
`char_wb` treats words independently, so a message's n-grams are its words' n-grams put
together; the feature indices of a word are computed once and reused. The result equals the
fitted TfidfVectorizer's transform (the same counts, sublinear tf, idf and norm).
"""
from functools import lru_cache

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.preprocessing import normalize

WORD_CACHE = 200_000


class CharGrams:
    """transform() of a fitted TfidfVectorizer(analyzer="char_wb", lowercase=True)."""

    def __init__(self, vectorizer) -> None:
        if vectorizer.analyzer != "char_wb" or not vectorizer.lowercase:
            raise ValueError("CharGrams reproduces lowercase char_wb vectorizers only")
        self.vectorizer = vectorizer
        self._analyse = vectorizer.build_analyzer()
        self._vocabulary = vectorizer.vocabulary_
        self.word_ids = lru_cache(maxsize=WORD_CACHE)(self._word_ids)

    def _word_ids(self, word: str) -> np.ndarray:
        vocabulary = self._vocabulary
        ids = [j for j in map(vocabulary.get, self._analyse(word)) if j is not None]
        return np.asarray(ids, dtype=np.int32)

    def transform(self, documents: list[str]):
        # Every document's n-gram ids, gathered word by word from the cache; the duplicate
        # (row, column) pairs are summed into counts by the sparse constructor.
        parts, lengths = [], []
        for document in documents:
            before = len(parts)
            parts.extend(self.word_ids(word) for word in document.lower().split())
            lengths.append(sum(len(p) for p in parts[before:]))
        cols = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        rows_ = np.repeat(np.arange(len(documents), dtype=np.int32), lengths)
        v = self.vectorizer
        X = csr_matrix((np.ones(len(cols), dtype=v.dtype), (rows_, cols)),
                       shape=(len(documents), len(self._vocabulary)))
        X.sum_duplicates()  # counts per (document, n-gram), indices sorted
        if v.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        X.data *= v.idf_[X.indices]
        return normalize(X, norm=v.norm, copy=False) if v.norm is not None else X
