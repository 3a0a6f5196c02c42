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

    def _word_ids(self, word: str) -> tuple[int, ...]:
        vocabulary = self._vocabulary
        return tuple(j for j in map(vocabulary.get, self._analyse(word)) if j is not None)

    def transform(self, documents: list[str]):
        indptr, indices, counts = [0], [], []
        for document in documents:
            seen: dict[int, int] = {}
            for word in document.lower().split():
                for j in self.word_ids(word):
                    seen[j] = seen.get(j, 0) + 1
            for j in sorted(seen):
                indices.append(j)
                counts.append(seen[j])
            indptr.append(len(indices))
        v = self.vectorizer
        X = csr_matrix((np.asarray(counts, dtype=v.dtype), np.asarray(indices, dtype=np.int32),
                        np.asarray(indptr, dtype=np.int32)),
                       shape=(len(documents), len(self._vocabulary)))
        if v.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        X.data *= v.idf_[X.indices]
        return normalize(X, norm=v.norm, copy=False) if v.norm is not None else X
