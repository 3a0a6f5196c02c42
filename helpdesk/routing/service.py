"""Routing with the database: decide where a message goes (the ticket side carries the decision
out: helpdesk.tickets.routed), record decisions and corrections, train and activate models.

Services flush; the caller (view, CLI, worker) commits.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.routing import (ModelVersion, RoutingDecision, RoutingRule, TopicMapping,
                                     TrainingExample)
from helpdesk.models.setting import get_setting
from helpdesk.routing.bounds import bounded_text
from helpdesk.routing.classifier import TopicModel, features_of, load_model, new_version, save_model
from helpdesk.routing.collective import is_collective
from helpdesk.routing.decide import Decision, RoutingConfig, decide
from helpdesk.routing.extraction import appeal_suggestion, extract
from helpdesk.routing.labels import clean_label
from helpdesk.routing.language import RUSSIAN, detect_language
from helpdesk.routing.nlp import analyse_many, get_pipeline
from helpdesk.routing.rules import Rule, make_rule, match_rules
from helpdesk.routing.special import KINDS, detect_special, known_share
from helpdesk.routing.special_tt import detect_special_tatar
from helpdesk.util.text import is_blank

THRESHOLD_KEY = "routing.threshold"
TATAR_DEPARTMENT_KEY = "routing.tatar_department_id"
AUTO_CLOSE_KEY = "routing.auto_close_kinds"  # special kinds closed without a person (admin's)
DEFAULT_THRESHOLD = 0.6
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_DATA = DATA_DIR / "kursk-appeals-train.csv"
DEFAULT_LABEL_COLUMN = "category_name"


@dataclass
class Routed:
    """The outcome of routing one text: what the ticket side carries out (nothing is written)."""

    decision: Decision
    extracted: dict
    district: str | None
    collective: bool = False


def route_texts(texts: list[str], rules: list[Rule], config: RoutingConfig,
                model: TopicModel | None) -> list[Routed]:
    """Analyse, extract, classify and decide for a batch of texts (no database)."""
    pipe = get_pipeline()
    analyses = analyse_many(texts)
    # Every topic counts towards its department; the explanation shows the top three.
    candidates = model.candidates(features_of(analyses), k=len(model.classes_)) \
        if model is not None else [[] for _ in analyses]
    result = []
    for analysis, cands in zip(analyses, candidates, strict=False):
        lemmas = analysis.lemmas
        language = detect_language(analysis.text)
        has_text = not is_blank(analysis.text)
        special = None
        if has_text and language == RUSSIAN:  # no text is not "text without meaning"
            special = detect_special(analysis.text, lemmas, known_share(lemmas, pipe.is_known))
        elif has_text:
            special = detect_special_tatar(analysis.text)
        extracted = extract(analysis, pipe, language)
        extracted["appeal"] = appeal_suggestion(extracted)
        decision = decide(language, special, cands, match_rules(lemmas, rules), config, has_text)
        result.append(Routed(decision, extracted, extracted.get("district"),
                             is_collective(bounded_text(analysis.text))))
    return result


def route_message(text: str) -> Routed:
    """Route one citizen's text with the live model, rules, mapping and settings (reads only)."""
    model, meta = active_model()
    config = routing_config(meta.get("version"))
    return route_texts([text or ""], load_rules(), config, model)[0]


def record_decision(ticket_id: int, message_id: int | None, routed: Routed) -> RoutingDecision:
    """Keep the decision with its evidence (flushes)."""
    d = routed.decision
    row = RoutingDecision(
        ticket_id=ticket_id, message_id=message_id, language=d.language,
        special_kind=d.special_kind, candidates=d.candidates, matched_rules=d.matched_rules,
        confidence=round(d.confidence, 4), department_id=d.department_id, to_triage=d.to_triage,
        reason=d.reason, model_version=d.model_version, extracted=routed.extracted)
    db.session.add(row)
    db.session.flush()
    return row


def load_rules() -> list[Rule]:
    """Active keyword rules of active departments."""
    rows = db.session.scalars(select(RoutingRule).join(Department).where(
        RoutingRule.active.is_(True), Department.active.is_(True)))
    return [make_rule(r.id, r.department_id, r.name, r.keywords, r.weight) for r in rows]


def active_model() -> tuple[TopicModel | None, dict]:
    """The active model and its metadata, or (None, {}) when none is trained."""
    row = db.session.scalar(select(ModelVersion).where(ModelVersion.active.is_(True))
                            .order_by(ModelVersion.id.desc()).limit(1))
    if row is None or not Path(row.path).exists():
        return None, {}
    model, meta = load_model(row.path)
    return model, {**meta, "version": row.version}


def routing_config(model_version: str | None = None) -> RoutingConfig:
    """Threshold, topic mapping and Tatar queue from the database."""
    mappings = db.session.scalars(select(TopicMapping).join(Department).where(
        Department.active.is_(True))).all()
    tatar = get_setting(TATAR_DEPARTMENT_KEY)
    return RoutingConfig(
        threshold=float(get_setting(THRESHOLD_KEY, DEFAULT_THRESHOLD)),
        topic_departments={m.topic: m.department_id for m in mappings},
        topic_codes={m.topic: m.topic_code for m in mappings if m.topic_code},
        tatar_department_id=int(tatar) if tatar else None,
        model_version=model_version, auto_close_kinds=auto_close_kinds())


def triage_department() -> Department | None:
    """The press service's triage department."""
    return db.session.scalar(select(Department).where(Department.is_triage.is_(True),
                                                      Department.active.is_(True)).limit(1))


def auto_close_kinds() -> tuple[str, ...]:
    """Special kinds an administrator lets the helpdesk close without a person (none by default)."""
    stored = get_setting(AUTO_CLOSE_KEY) or []
    return tuple(kind for kind in KINDS if kind in stored)


def record_correction(ticket_id: int, topic: str | None, text: str, new_department: Department,
                      user=None, label: str | None = None) -> TrainingExample:
    """Keep a staff re-route as a labelled training example (the ticket side moves the ticket).

    The label is the routed topic when the new department is that topic's, else a
    department-level topic mapped to the department itself."""
    if label is None:
        mapped = db.session.scalar(select(TopicMapping).where(TopicMapping.topic == topic))
        if topic and mapped is not None and mapped.department_id == new_department.id:
            label = topic
        else:
            label = new_department.name
            ensure_mapping(label, new_department.id)
    example = TrainingExample(text=text, label=label, department_id=new_department.id,
                              ticket_id=ticket_id, source="correction",
                              created_by_id=getattr(user, "id", None))
    db.session.add(example)
    db.session.flush()
    return example


def ensure_mapping(topic: str, department_id: int, topic_code: str | None = None) -> TopicMapping:
    """The mapping of a topic, created when missing (an existing one is kept)."""
    row = db.session.scalar(select(TopicMapping).where(TopicMapping.topic == topic))
    if row is None:
        row = TopicMapping(topic=topic, department_id=department_id, topic_code=topic_code)
        db.session.add(row)
        db.session.flush()
    return row


# -- training ------------------------------------------------------------------------------------
def read_csv(path: str | Path, text_column: str = "text",
             label_column: str = DEFAULT_LABEL_COLUMN, clean: bool = True
             ) -> tuple[list[str], list[str]]:
    """Texts and labels of a CSV file (rows with an empty text or label are skipped); `clean`
    maps or drops the source data's artefact labels (routing.labels)."""
    texts, labels = [], []
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {text_column, label_column} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"no column(s) {sorted(missing)} in {path}")
        for row in reader:
            text, label = (row.get(text_column) or "").strip(), (row.get(label_column) or "").strip()
            if clean and label:
                label = clean_label(label, row.get("topic") or "")
            if text and label:
                texts.append(text)
                labels.append(label)
    return texts, labels


def stored_examples() -> tuple[list[str], list[str]]:
    """Texts and labels of the stored training examples (corrections and imports)."""
    texts, labels = [], []
    for ex in db.session.scalars(select(TrainingExample).order_by(TrainingExample.id)):
        label = ex.label
        if not label and ex.department_id:
            dept = db.session.get(Department, ex.department_id)
            label = dept.name if dept else None
        if ex.text and label:
            texts.append(ex.text)
            labels.append(label)
    return texts, labels


def fit_and_save(texts: list[str], labels: list[str], out: str | Path, cv: int = 0,
                 source: str = "", version: str | None = None, routing=None,
                 corrections: int | None = None) -> dict:
    """Train a model, optionally cross-validate it, save it atomically; returns its metadata.

    `routing` — (rules, RoutingConfig) — adds the department figures live routing would reach;
    `corrections` — how many staff corrections the training data holds."""
    from helpdesk.routing.evaluation import cross_validate, prepare

    if len(set(labels)) < 2:
        raise ValueError("training needs at least two different labels")
    feats = prepare(texts)
    scores = {}
    if cv and cv >= 2:
        scores = cross_validate(texts, labels, folds=cv, feats=feats)
    model = TopicModel().fit(feats, labels)
    if not scores:  # no cross-validation asked: the calibration's own out-of-fold figures
        scores = _calibration_scores(model)
    if routing is not None:
        department = _department_scores(model, feats, labels, *routing)
        if department:
            scores["department"] = department
    if corrections is not None:
        scores["corrections"] = corrections
    return save_model(model, out, {"version": version or new_version(), "n_examples": len(texts),
                                   "cv_scores": scores, "source": source})


def _calibration_scores(model: TopicModel) -> dict:
    """Accuracy and coverage of the out-of-fold predictions the confidence was calibrated on."""
    from helpdesk.routing.evaluation import coverage_at_precision

    conf, correct = model.__dict__.get("oof_", ((), ()))[:2]
    if not len(correct):
        return {}
    return {"n": int(len(correct)), "accuracy": round(float(correct.mean()), 4),
            "coverage_at_95_precision": round(coverage_at_precision(conf, correct), 4),
            "method": f"{model.calibration_folds}-fold"}


def _department_scores(model: TopicModel, feats, labels, rules, config) -> dict | None:
    """Department figures of the fit's out-of-fold predictions, decided as live routing does."""
    from helpdesk.routing.evaluation import department_evidence_scores

    idx, cands = model.oof_candidates()
    if not len(idx):
        return None
    return department_evidence_scores([feats[i] for i in idx], cands,
                                      [config.topic_departments.get(labels[i]) for i in idx],
                                      rules, config)


def models_dir() -> Path:
    """Where trained models live: the instance folder, never the source tree."""
    return Path(current_app.config.get("INSTANCE_DIR") or current_app.instance_path) / "models"


def register_model(path: str | Path, meta: dict, activate: bool = True) -> ModelVersion:
    """Record a saved model and make it the active one (flushes)."""
    from datetime import datetime

    row = ModelVersion(version=meta["version"], path=str(Path(path).resolve()),
                       trained_at=datetime.fromisoformat(meta["trained_at"]),
                       n_examples=int(meta.get("n_examples", 0)),
                       scores=meta.get("cv_scores") or {}, active=False)
    db.session.add(row)
    if activate:
        for other in db.session.scalars(select(ModelVersion).where(ModelVersion.active.is_(True))):
            other.active = False
        row.active = True
    db.session.flush()
    return row


def train_default(cv: int = 0, include_examples: bool = True) -> ModelVersion:
    """Train from the shipped data plus stored examples, save under instance/, activate.

    The new version records its department figures and how many staff corrections it learnt
    from, so the routing page shows what each retraining changed."""
    texts, labels = read_csv(DEFAULT_DATA, "text", DEFAULT_LABEL_COLUMN)
    corrections = 0
    if include_examples:
        more_texts, more_labels = stored_examples()
        texts, labels = texts + more_texts, labels + more_labels
        corrections = correction_count()
    version = new_version()
    path = models_dir() / f"routing-{version}.joblib"
    meta = fit_and_save(texts, labels, path, cv=cv, version=version,
                        source="shipped+examples" if include_examples else "shipped",
                        routing=(load_rules(), routing_config()), corrections=corrections)
    return register_model(path, meta)


def correction_count() -> int:
    """Stored training examples that are staff corrections."""
    return db.session.scalar(select(db.func.count()).select_from(TrainingExample).where(
        TrainingExample.source == "correction")) or 0


def default_setup(train: bool = True) -> dict:
    """Seed shipped rules and topic mapping and train the default model (see defaults.py)."""
    from helpdesk.routing.defaults import default_setup as run

    return run(train=train)
