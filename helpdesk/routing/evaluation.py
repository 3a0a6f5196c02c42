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


# -- department level: what routing decides -------------------------------------------------------
def department_scores(model: TopicModel, feats: list[Features], truth: list, rules, config
                      ) -> dict:
    """Department figures of a model on labelled features, decided as live routing decides:
    every topic's probability through the topic → department mapping, plus the keyword rules.

    `truth` holds each message's true department (None: its topic is mapped to none; such
    messages are left out). Returns accuracy, coverage_at_95_precision, the share auto-routed at
    the threshold with the accuracy of those, and the top-3 hit rate."""
    evidence = _fold_evidence(model, feats, rules, config)
    return _join_folds([(range(len(feats)), evidence)], truth, config.threshold)


def _department_metrics(truth, best, conf, top3, threshold: float) -> dict:
    correct = np.asarray([b is not None and b == t for b, t in zip(best, truth, strict=True)])
    conf = np.asarray(conf, float)
    auto = np.asarray([b is not None for b in best]) & (conf >= threshold)
    n = len(truth)
    return {"n": n,
            "accuracy": round(float(correct.mean()) if n else 0.0, 4),
            "coverage_at_95_precision": round(coverage_at_precision(conf, correct), 4),
            "auto_routed_share": round(float(auto.mean()) if n else 0.0, 4),
            "auto_routed_accuracy": round(float(correct[auto].mean()) if auto.any() else 0.0, 4),
            "top3_hit_rate": round(float(np.mean(top3)) if n else 0.0, 4),
            "threshold": threshold}


def cross_validate_departments(texts: list[str], labels: list[str], rules, config,
                               folds: int = 5, seeds=(0, 1, 2),
                               feats: list[Features] | None = None) -> dict:
    """Category and department figures of stratified k-fold cross-validation, repeated over
    several fold seeds: each figure as its mean, its spread (standard deviation) and per seed."""
    from sklearn.model_selection import StratifiedKFold

    labels_arr = np.asarray(labels, dtype=object)
    feats = feats if feats is not None else prepare(texts)
    truth = [config.topic_departments.get(str(label)) for label in labels_arr]
    runs = []
    for seed in seeds:
        pred = np.empty(len(labels_arr), dtype=object)
        conf = np.zeros(len(labels_arr))
        per_fold = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # labels rarer than the fold count
            splitter = StratifiedKFold(folds, shuffle=True, random_state=seed)
            for train, test in splitter.split(np.zeros(len(labels_arr)), labels_arr):
                model = TopicModel().fit([feats[i] for i in train], labels_arr[train])
                test_feats = [feats[i] for i in test]
                pred[test], conf[test] = predict(model, test_feats)
                per_fold.append((test, _fold_evidence(model, test_feats, rules, config)))
        runs.append({"category": metrics(labels_arr, pred, conf),
                     "department": _join_folds(per_fold, truth, config.threshold)})
    return {"folds": folds, "seeds": list(seeds),
            "n_unmapped": sum(1 for t in truth if t is None),
            "category": _summary([r["category"] for r in runs]),
            "department": _summary([r["department"] for r in runs])}


def _fold_evidence(model, feats, rules, config) -> list[list]:
    return _evidence(feats, model.candidates(feats, k=len(model.classes_)), rules, config)


def _evidence(feats, cands, rules, config) -> list[list]:
    from helpdesk.routing.decide import department_evidence
    from helpdesk.routing.rules import match_rules

    return [department_evidence(c, match_rules(f.lemmas.split(), rules), config)
            for f, c in zip(feats, cands, strict=True)]


def department_evidence_scores(feats, cands, truth, rules, config) -> dict:
    """Department figures of given topic candidates (e.g. a fit's out-of-fold predictions)."""
    evidence = _evidence(feats, cands, rules, config)
    return _join_folds([(range(len(feats)), evidence)], truth, config.threshold)


def _join_folds(per_fold, truth, threshold) -> dict:
    kept_truth, best, conf, top3 = [], [], [], []
    for test, ranked_rows in per_fold:
        for i, ranked in zip(test, ranked_rows, strict=True):
            if truth[i] is None:
                continue
            kept_truth.append(truth[i])
            best.append(ranked[0][0] if ranked else None)
            conf.append(ranked[0][1] if ranked else 0.0)
            top3.append(truth[i] in [d for d, _ in ranked[:3]])
    return _department_metrics(kept_truth, best, conf, top3, threshold)


SUMMARY_KEYS = ("accuracy", "macro_f1", "coverage_at_95_precision", "auto_routed_share",
                "auto_routed_accuracy", "top3_hit_rate")


def _summary(runs: list[dict]) -> dict:
    """{figure: {mean, spread, per_seed}} over the seeds' runs, plus n."""
    result = {"n": runs[0]["n"] if runs else 0}
    for key in SUMMARY_KEYS:
        values = [r[key] for r in runs if key in r]
        if values:
            result[key] = {"mean": round(float(np.mean(values)), 4),
                           "spread": round(float(np.std(values)), 4), "per_seed": values}
    return result
