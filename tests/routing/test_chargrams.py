"""The cached character n-gram features equal scikit-learn's own transform."""
import csv
from pathlib import Path

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from helpdesk.routing.chargrams import CharGrams

DATA = Path(__file__).resolve().parents[2] / "helpdesk" / "routing" / "data" / "kursk-appeals-train.csv"


def texts() -> list[str]:
    with open(DATA, encoding="utf-8") as fh:
        return [row["text"] for row in csv.DictReader(fh)]


@pytest.mark.parametrize("sublinear", [True, False])
def test_equals_sklearn_transform(sublinear):
    corpus = texts()
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=sublinear,
                                 min_df=2, max_features=150_000, dtype=np.float32)
    vectorizer.fit(corpus[:1500])
    unseen = corpus[1500:] + ["", "   ", "Я\tв  ДОМЕ\nКазань", "ы", "аб вг", "ёлка Ёлка"]
    fast = CharGrams(vectorizer)
    expected, got = vectorizer.transform(unseen), fast.transform(unseen)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert abs(got - expected).max() < 1e-6
    again = fast.transform(unseen)  # from the word cache now
    assert abs(again - expected).max() < 1e-6


def test_refuses_other_analysers():
    with pytest.raises(ValueError):
        CharGrams(TfidfVectorizer(analyzer="word").fit(["a b"]))
