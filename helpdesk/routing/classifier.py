"""Text → topic with a calibrated confidence; saved with JSON metadata and swapped in atomically."""
from __future__ import annotations

import csv
import json
import os
import tempfile
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from helpdesk.routing.nlp import Analysis, analyse_many, get_pipeline

FORMAT_VERSION = 2  # 2: a second SVM trained with thematic-classifier examples (prior_estimator_)
MIN_CALIBRATION = 200
SOFTMAX_SCALE = 5.0  # SVM margins → probabilities (the calibrator fixes the scale afterwards)
THEMATIC_FILE = Path(__file__).parent / "data" / "thematic-classifier.csv"

# Labels of the shipped data (category_name) → branches of the standard thematic classifier
# that describe them, chosen from the names alone. The nodes' names under these branches become
# extra, short training examples: most useful to categories with a handful of real messages.
# (The source data's artefact labels are cleaned out before training: routing.labels.)
THEMATIC_PRIORS = {
    "Связь": ("0003.0009.0100",),
    "Труд и занятость": ("0002.0006",),
    "Госуслуги / цифровизация": ("0003.0012.0132.0877", "0003.0012.0133.0879",
                                 "0003.0008.0086.0562", "0003.0012.0135"),
    "Физкультура и спорт": ("0002.0014.0144",),
    "Культура": ("0002.0013.0141",),
    "Образование": ("0002.0013.0139",),
    "Здравоохранение": ("0002.0014.0143",),
    "Социальная защита": ("0002.0007",),
    "Торговля": ("0003.0009.0102", "0003.0009.0103", "0003.0009.0104"),
    "Строительство": ("0003.0009.0096", "0003.0009.0097"),
    "Безнадзорные животные": ("0003.0011.0127.0865", "0003.0011.0127.0866",
                              "0003.0011.0127.0868", "0003.0011.0127.0869",
                              "0003.0011.0127.0870"),
    "Общественный транспорт": ("0003.0009.0099.0732", "0003.0009.0099.0733",
                               "0003.0009.0099.0748"),
    "Дороги": ("0003.0009.0099.0738", "0003.0009.0099.0742", "0003.0009.0099.0743",
               "0003.0009.0099.0744"),
    "Экология / природопользование": ("0003.0011.0122", "0003.0011.0123", "0003.0011.0125",
                                      "0003.0011.0126", "0003.0011.0130"),
    "ЖКХ и благоустройство": ("0005.0005.0056",),
}


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


_thematic_lock = threading.Lock()
_thematic: list[tuple[str, Features]] | None = None


def thematic_texts(path: Path = THEMATIC_FILE) -> list[tuple[str, str]]:
    """(label, text) for the thematic classifier's nodes (levels 3–5) under THEMATIC_PRIORS.

    A level-5 node ("массовый спорт") says little alone, so it is read with its parent's name.
    """
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        nodes = list(csv.DictReader(fh))
    names = {n["code"]: n["name"] for n in nodes}
    result = []
    for node in nodes:
        if int(node["level"]) < 3:
            continue
        text = node["name"]
        if int(node["level"]) == 5:
            text = f"{names.get(node['parent_code'], '')} {text}".strip()
        for label, prefixes in THEMATIC_PRIORS.items():
            if node["code"].startswith(prefixes):
                result.append((label, text))
    return result


def thematic_examples(labels) -> tuple[list[Features], list[str]]:
    """Features and labels of the thematic examples for these labels (analysed once a process)."""
    global _thematic
    with _thematic_lock:
        if _thematic is None:
            pairs = thematic_texts()
            analyses = analyse_many([text for _, text in pairs]) if pairs else []
            _thematic = list(zip([label for label, _ in pairs], features_of(analyses),
                                 strict=True))
    wanted = set(labels)
    chosen = [(label, f) for label, f in _thematic if label in wanted]
    return [f for _, f in chosen], [label for label, _ in chosen]


class TopicModel:
    """TF-IDF of lemma 1–2-grams and character 3–5-grams of lemmas, plus word vectors, into
    class-weighted linear SVMs whose scores become probabilities by a softmax.

    Two SVMs share the features: one learns from the real messages only, the other also from the
    thematic classifier's node names for the labels that THEMATIC_PRIORS maps (a prior for rare
    labels). The label is the argmax of their averaged probabilities; the confidence is the
    real-message SVM's probability of that label, mapped to an expected accuracy by isotonic
    regression fitted on out-of-fold predictions. (Node names are not messages: the prior SVM's
    margins rank confidence worse, so they only vote on the label.)

    (A class-weighted LogisticRegression scored the same on the Kursk data within noise but
    trained four times slower; CalibratedClassifierCV cannot handle labels with < 3 examples.)
    """

    def __init__(self, C: float = 0.5, vector_weight: float = 1.0, calibration_folds: int = 3,
                 thematic: bool = True):
        self.C = C
        self.vector_weight = vector_weight
        self.calibration_folds = calibration_folds
        self.thematic = thematic
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
            c = self._char_grams().transform([f.text for f in feats])
        v = csr_matrix(np.vstack([f.vector for f in feats]) * self.vector_weight)
        return hstack([w, c, v]).tocsr()

    def _char_grams(self):
        """The cached word-by-word form of chars_ (built on first use, never pickled)."""
        fast = self.__dict__.get("_chars_fast")
        if fast is None or fast.vectorizer is not self.chars_:
            from helpdesk.routing.chargrams import CharGrams

            fast = self.__dict__["_chars_fast"] = CharGrams(self.chars_)
        return fast

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_chars_fast", None)
        state.pop("oof_", None)
        return state

    def _svm(self, X, y, sample_weight=None, class_weight="balanced"):
        from sklearn.svm import LinearSVC

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            svm = LinearSVC(C=self.C, class_weight=class_weight, random_state=0)
            svm.fit(X, y, sample_weight=sample_weight)
        svm.coef_ = svm.coef_.astype(np.float32)  # half the memory, same decisions
        return svm

    def fit(self, feats: list[Features], labels: list[str]) -> "TopicModel":
        """Fit on features and labels; calibrates confidence on internal out-of-fold predictions."""
        from sklearn.isotonic import IsotonicRegression

        labels = np.asarray(labels, dtype=object)
        extra, extra_labels = thematic_examples(set(labels)) if self.thematic else ([], [])
        X = self._matrix(list(feats) + extra, fit=True)
        n = len(labels)
        self.estimator_ = self._svm(X[:n], labels)
        self.classes_ = self.estimator_.classes_
        self.prior_estimator_ = None
        if extra:
            # Class weights of the real messages ("balanced"), given to the extra rows too.
            classes, counts = np.unique(labels, return_counts=True)
            weight = dict(zip(classes, n / (len(classes) * counts), strict=True))
            y = np.concatenate([labels, np.asarray(extra_labels, dtype=object)])
            self.prior_estimator_ = self._svm(X, y, np.array([weight[c] for c in y]), None)
        conf, correct, idx, P = self._out_of_fold(feats, labels)
        # For the model's recorded scores (category and department); not pickled.
        self.__dict__["oof_"] = (conf, correct, idx, P)
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
            return np.array([]), np.array([]), np.array([], dtype=int), np.zeros((0, 0))
        # Labels seen fewer times than there are folds cannot be stratified: keep them in training.
        keep = np.array([counts[c] >= folds for c in labels])
        idx = np.where(keep)[0]
        conf, correct = np.zeros(len(idx)), np.zeros(len(idx))
        column = {c: j for j, c in enumerate(np.unique(labels))}  # the order of classes_
        P_oof = np.zeros((len(idx), len(column)))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
        for train, test in splitter.split(idx, labels[idx]):
            train_idx = np.concatenate([idx[train], np.where(~keep)[0]])
            inner = TopicModel(self.C, self.vector_weight, calibration_folds=0,
                               thematic=self.thematic)
            inner.fit([feats[i] for i in train_idx], labels[train_idx])
            P, top = inner._scored([feats[i] for i in idx[test]])
            conf[test] = top
            correct[test] = inner.classes_[P.argmax(axis=1)] == labels[idx[test]]
            P_oof[np.ix_(test, [column[c] for c in inner.classes_])] = P
        return conf, correct, idx, P_oof

    # -- prediction --------------------------------------------------------------------------
    @staticmethod
    def _softmax(scores: np.ndarray) -> np.ndarray:
        if scores.ndim == 1:  # two classes: one margin
            scores = np.column_stack([-scores, scores])
        scores = np.asarray(scores, dtype=np.float64) * SOFTMAX_SCALE
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def _scored(self, feats: list[Features]) -> tuple[np.ndarray, np.ndarray]:
        """Label probabilities, and the uncalibrated confidence in their top label."""
        X = self._matrix(feats)
        P = self._softmax(self.estimator_.decision_function(X))
        prior = getattr(self, "prior_estimator_", None)  # format 1 models have none
        if prior is None:
            return P, P.max(axis=1)
        Q = (P + self._softmax(prior.decision_function(X))) / 2
        return Q, P[np.arange(len(P)), Q.argmax(axis=1)]

    def _probabilities(self, feats: list[Features]) -> tuple[np.ndarray, np.ndarray]:
        """(label probabilities, the same rescaled so the top one is the calibrated confidence).

        The others share the rest in proportion to P; when the confidence is low, they are cut
        to their ratio to the top label instead, so the order of P is kept.
        """
        P, conf = self._scored(feats)
        return P, self._rescale(P, conf)

    def _rescale(self, P: np.ndarray, conf: np.ndarray) -> np.ndarray:
        """P with its top label set to the calibrated confidence (see _probabilities)."""
        if getattr(self, "calibrator_", None) is None:
            calibrated = conf
        else:
            # Isotonic steps tie many messages; a touch of the raw score keeps their order.
            calibrated = 0.999 * self.calibrator_.predict(conf) + 0.001 * conf
        calibrated = np.clip(calibrated, 1e-6, 1.0)
        rows, best = np.arange(len(P)), P.argmax(axis=1)
        top = P[rows, best]
        rest = np.clip(1.0 - top, 1e-12, None)
        Q = P * np.minimum((1.0 - calibrated) / rest, calibrated / top)[:, None]
        Q[rows, best] = calibrated
        return Q

    def predict_proba(self, feats: list[Features]) -> np.ndarray:
        """Probabilities per class; the top one is the calibrated confidence."""
        return self._probabilities(feats)[1]

    def candidates(self, feats: list[Features], k: int = 3) -> list[list[tuple[str, float]]]:
        """Top-k (label, confidence) per message, best first."""
        return self._ranked(*self._probabilities(feats), k)

    def oof_candidates(self) -> tuple[np.ndarray, list[list[tuple[str, float]]]]:
        """(row indices, every label with its calibrated probability) of the out-of-fold
        predictions made while fitting: what routing would have seen for unseen messages."""
        conf, _, idx, P = self.__dict__.get("oof_", ((), (), np.array([], dtype=int), None))
        if P is None or not len(idx):
            return np.array([], dtype=int), []
        return idx, self._ranked(P, self._rescale(P, np.asarray(conf)), len(self.classes_))

    def _ranked(self, P, Q, k: int) -> list[list[tuple[str, float]]]:
        order = np.argsort(-P, axis=1, kind="stable")[:, :k]
        return [[(str(self.classes_[j]), float(Q[i, j])) for j in row]
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
