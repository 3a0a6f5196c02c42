"""Metrics and cross-validation, through the same analysis and model code as live routing."""
from __future__ import annotations

import warnings

import numpy as np

from helpdesk.routing.classifier import Features, TopicModel, features_of
from helpdesk.routing.nlp import analyse_many

TARGET_PRECISION = 0.95
BATCH = 64


def prepare(texts: list[str]) -> list[Features]:
    """Analyse texts in batches and turn them into classifier features."""
    feats: list[Features] = []
    for i in range(0, len(texts), BATCH):
        feats.extend(features_of(analyse_many(texts[i:i + BATCH])))
    return feats


def coverage_at_precision(confidence, correct, precision: float = TARGET_PRECISION) -> float:
    """Largest share of messages, taken by falling confidence, whose accuracy is ≥ precision."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    if not len(correct):
        return 0.0
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.where(running >= precision - 1e-12)[0]
    return float((ok.max() + 1) / len(order)) if len(ok) else 0.0


def metrics(y_true, y_pred, confidence) -> dict:
    """{n, accuracy, macro_f1, coverage_at_95_precision, per_label}."""
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    correct = y_true == y_pred
    labels = sorted(set(y_true) | set(y_pred))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                                     zero_division=0)
        macro = f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    per_label = {str(label): {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                              "f1": round(float(f[i]), 4), "support": int(s[i])}
                 for i, label in enumerate(labels)}
    return {
        "n": int(len(y_true)),
        "accuracy": round(float(correct.mean()) if len(correct) else 0.0, 4),
        "macro_f1": round(float(macro), 4),
        "coverage_at_95_precision": round(coverage_at_precision(confidence, correct), 4),
        "per_label": per_label,
    }


def predict(model: TopicModel, feats: list[Features]) -> tuple[list[str], list[float]]:
    """Top label and its confidence per message (what live routing uses)."""
    tops = [c[0] for c in model.candidates(feats, k=1)]
    return [label for label, _ in tops], [p for _, p in tops]


def evaluate_model(model: TopicModel, texts: list[str], labels: list[str]) -> dict:
    """Metrics of a trained model on labelled texts."""
    pred, conf = predict(model, prepare(texts))
    return metrics(labels, pred, conf)


def grouped(model: TopicModel, feats: list[Features], groups: dict) -> tuple[list, list]:
    """Predicted group (e.g. department) and its summed probability, as routing decides."""
    P = model.predict_proba(feats)
    names = sorted({groups.get(str(c)) for c in model.classes_}, key=str)
    G = np.zeros((len(feats), len(names)))
    for j, c in enumerate(model.classes_):
        G[:, names.index(groups.get(str(c)))] += P[:, j]
    best = G.argmax(axis=1)
    return [names[b] for b in best], list(G[np.arange(len(feats)), best])


def cross_validate(texts: list[str], labels: list[str], folds: int = 5, seed: int = 0,
                   model_factory=TopicModel, feats: list[Features] | None = None,
                   groups: dict | None = None) -> dict:
    """Stratified k-fold cross-validation of the routing classifier.

    With `groups` (label → department), also scores the department that routing would pick.
    """
    from sklearn.model_selection import StratifiedKFold

    labels_arr = np.asarray(labels, dtype=object)
    feats = feats if feats is not None else prepare(texts)
    pred = np.empty(len(labels_arr), dtype=object)
    conf = np.zeros(len(labels_arr))
    gpred, gconf = np.empty(len(labels_arr), dtype=object), np.zeros(len(labels_arr))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # labels rarer than the fold count
        splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
        for train, test in splitter.split(np.zeros(len(labels_arr)), labels_arr):
            model = model_factory().fit([feats[i] for i in train], labels_arr[train])
            test_feats = [feats[i] for i in test]
            pred[test], conf[test] = predict(model, test_feats)
            if groups is not None:
                gpred[test], gconf[test] = grouped(model, test_feats, groups)
    result = metrics(labels_arr, pred, conf)
    result["folds"] = folds
    if groups is not None:
        truth = [groups.get(str(label)) for label in labels_arr]
        result["by_group"] = metrics([str(t) for t in truth], [str(g) for g in gpred], gconf)
    return result
