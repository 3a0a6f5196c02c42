"""Text → topic with a calibrated confidence; saved with JSON metadata and swapped in atomically."""
from __future__ import annotations

import json
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from helpdesk.routing.nlp import Analysis, get_pipeline

FORMAT_VERSION = 1
MIN_CALIBRATION = 200
SOFTMAX_SCALE = 5.0  # SVM margins → probabilities (the calibrator fixes the scale afterwards)


@dataclass(frozen=True)
class Features:
    """What the classifier reads of a message: text for character n-grams, lemmas, word vector.

    Character n-grams are taken from the lemma string: as good as raw text on the Kursk data
    (slightly better coverage) and cheaper, since lemmas are shorter and case-free.
    """

    text: str
    lemmas: str
    vector: np.ndarray


def features_of(analyses: list[Analysis]) -> list[Features]:
    """Classifier features from pipeline analyses (navec vectors of natasha's own embedding)."""
    emb = get_pipeline().emb
    word_ids, pq = emb.vocab.word_ids, emb.pq
    result = []
    for a in analyses:
        ids = [i for i in (word_ids.get(t.text.lower()) for t in a.tokens) if i is not None]
        if ids:  # decode the product-quantised vectors of all words at once
            parts = pq.codes[pq.qdims, pq.indexes[ids]]  # words × qdim × subdim
            vector = parts.reshape(len(ids), pq.dim).mean(axis=0)
        else:
            vector = np.zeros(pq.dim, dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        lemmas = " ".join(a.lemmas)
        result.append(Features(lemmas, lemmas, (vector / norm if norm else vector)
                               .astype(np.float32)))
    return result


class TopicModel:
    """TF-IDF of lemma 1–2-grams and character 3–5-grams of lemmas, plus word vectors, into a class-weighted
    linear SVM whose scores are turned into probabilities by a softmax; the top probability is
    mapped to an expected accuracy by isotonic regression fitted on out-of-fold predictions.

    (A class-weighted LogisticRegression scored the same on the Kursk data within noise but
    trained four times slower; CalibratedClassifierCV cannot handle labels with < 3 examples.)
    """

    def __init__(self, C: float = 0.5, vector_weight: float = 1.0, calibration_folds: int = 3):
        self.C = C
        self.vector_weight = vector_weight
        self.calibration_folds = calibration_folds
        self.classes_: np.ndarray | None = None

    # -- fitting -----------------------------------------------------------------------------
    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                                token_pattern=r"(?u)\b\w+\b", dtype=np.float32)
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                min_df=2, max_features=150_000, dtype=np.float32)
        return words, chars

    def _matrix(self, feats: list[Features], fit: bool = False):
        from scipy.sparse import csr_matrix, hstack

        if fit:
            self.words_, self.chars_ = self._vectorizers()
            w = self.words_.fit_transform([f.lemmas for f in feats])
            c = self.chars_.fit_transform([f.text for f in feats])
            # The pruned terms are kept only for introspection; they are most of the pickle.
            self.words_.stop_words_ = self.chars_.stop_words_ = None
        else:
            w = self.words_.transform([f.lemmas for f in feats])
            c = self.chars_.transform([f.text for f in feats])
        v = csr_matrix(np.vstack([f.vector for f in feats]) * self.vector_weight)
        return hstack([w, c, v]).tocsr()

    def _estimator(self):
        from sklearn.svm import LinearSVC

        return LinearSVC(C=self.C, class_weight="balanced", random_state=0)

    def fit(self, feats: list[Features], labels: list[str]) -> "TopicModel":
        """Fit on features and labels; calibrates confidence on internal out-of-fold predictions."""
        from sklearn.isotonic import IsotonicRegression

        labels = np.asarray(labels, dtype=object)
        X = self._matrix(feats, fit=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.estimator_ = self._estimator().fit(X, labels)
        self.classes_ = self.estimator_.classes_
        conf, correct = self._out_of_fold(feats, labels)
        self.calibrator_ = None
        # Isotonic steps need enough out-of-fold points; with fewer, raw probabilities are kept.
        if len(conf) >= MIN_CALIBRATION and 0 < correct.sum() < len(correct):
            self.calibrator_ = IsotonicRegression(y_min=0.0, y_max=0.995, out_of_bounds="clip")
            self.calibrator_.fit(conf, correct)
        return self

    def _out_of_fold(self, feats, labels):
        from sklearn.model_selection import StratifiedKFold

        counts = {c: int((labels == c).sum()) for c in set(labels)}
        folds = min(self.calibration_folds, max(counts.values()))
        if folds < 2 or len(labels) < MIN_CALIBRATION:
            return np.array([]), np.array([])
        # Labels seen fewer times than there are folds cannot be stratified: keep them in training.
        keep = np.array([counts[c] >= folds for c in labels])
        idx = np.where(keep)[0]
        conf, correct = np.zeros(len(idx)), np.zeros(len(idx))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
        for train, test in splitter.split(idx, labels[idx]):
            train_idx = np.concatenate([idx[train], np.where(~keep)[0]])
            inner = TopicModel(self.C, self.vector_weight, calibration_folds=0)
            inner.fit([feats[i] for i in train_idx], labels[train_idx])
            P = inner._raw_proba([feats[i] for i in idx[test]])
            conf[test] = P.max(axis=1)
            correct[test] = inner.classes_[P.argmax(axis=1)] == labels[idx[test]]
        return conf, correct

    # -- prediction --------------------------------------------------------------------------
    def _raw_proba(self, feats: list[Features]) -> np.ndarray:
        scores = self.estimator_.decision_function(self._matrix(feats))
        if scores.ndim == 1:  # two classes: one margin
            scores = np.column_stack([-scores, scores])
        scores = scores * SOFTMAX_SCALE
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict_proba(self, feats: list[Features]) -> np.ndarray:
        """Probabilities per class, rescaled so the top one is the calibrated confidence."""
        P = self._raw_proba(feats)
        if getattr(self, "calibrator_", None) is None:
            return P
        top = P.max(axis=1)
        # Isotonic steps tie many messages; a touch of the raw score keeps their order.
        calibrated = np.clip(0.999 * self.calibrator_.predict(top) + 0.001 * top, 1e-6, 1.0)
        rest = np.clip(1.0 - top, 1e-12, None)
        Q = P * ((1.0 - calibrated) / rest)[:, None]
        Q[np.arange(len(P)), P.argmax(axis=1)] = calibrated
        return Q

    def candidates(self, feats: list[Features], k: int = 3) -> list[list[tuple[str, float]]]:
        """Top-k (label, confidence) per message, best first."""
        P = self.predict_proba(feats)
        order = np.argsort(-P, axis=1, kind="stable")[:, :k]
        return [[(str(self.classes_[j]), float(P[i, j])) for j in row]
                for i, row in enumerate(order)]


# -- persistence ---------------------------------------------------------------------------------
def new_version() -> str:
    """A sortable version string for a newly trained model."""
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-%f")


def save_model(model: TopicModel, path: str | Path, metadata: dict) -> dict:
    """Write model and metadata next to each other, each by temp file + os.replace (atomic)."""
    import joblib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT_VERSION, "labels": [str(c) for c in model.classes_], **metadata}
    meta.setdefault("version", new_version())
    meta.setdefault("trained_at", datetime.now(timezone.utc).isoformat())
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".joblib")
    os.close(fd)
    try:
        joblib.dump(model, tmp, compress=3)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _atomic_write(meta_path(path), json.dumps(meta, ensure_ascii=False, indent=2))
    return meta


def meta_path(path: str | Path) -> Path:
    """Where a model's JSON metadata lives."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, TopicModel, dict]] = {}


def load_model(path: str | Path) -> tuple[TopicModel, dict]:
    """Load a model and its metadata, cached per process until the file changes."""
    import joblib

    path = Path(path)
    mtime = path.stat().st_mtime
    with _cache_lock:
        hit = _cache.get(str(path))
        if hit and hit[0] == mtime:
            return hit[1], hit[2]
        model = joblib.load(path)
        meta_file = meta_path(path)
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.exists() else {}
        _cache[str(path)] = (mtime, model, meta)
        return model, meta
