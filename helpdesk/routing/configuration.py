"""What administrators change in routing: the threshold, the Tatar queue, automatic closing of
special kinds, keyword rules, the topic → department mapping and the active model.

Services flush and audit; the view commits.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from helpdesk.audit.log import record
from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.routing import ModelVersion, RoutingRule, TopicMapping, TrainingExample
from helpdesk.models.setting import get_setting, set_setting
from helpdesk.models.types import utcnow
from helpdesk.routing.service import (AUTO_CLOSE_KEY, DEFAULT_THRESHOLD, TATAR_DEPARTMENT_KEY,
                                      THRESHOLD_KEY, auto_close_kinds)
from helpdesk.routing.special import KINDS
from helpdesk.errors import UserError

TRAINING_KEY = "routing.training"  # the state of the latest training asked for in the app
TRAINING_STALE = timedelta(hours=1)  # a training still "running" after this was interrupted
MAX_KEYWORDS = 100
MAX_KEYWORD_LENGTH = 100
CODE = re.compile(r"^\d{4}\.\d{4}\.\d{4}\.\d{4}(\.\d{4})?$")


class RoutingSettingsError(UserError):
    """A routing setting that cannot be saved (a Russian message), and the form field it is about."""


# Words that stand in nearly every message: as a keyword alone they would match everything.
STOP_WORDS = frozenset("""
а без более бы был была были было быть в вам вас весь во вот все всё всего вы где да даже
для до его ее её если есть еще ещё же за здесь и из или им их к как ко когда кто ли либо мы
на над не нет ни но ну о об от по под при про с со так также там то тот у уже хотя чем что
чтобы это этот я мой наш ваш свой который какой такой очень просить прошу помочь помогите
""".split())


@dataclass(frozen=True)
class RoutingSettings:
    threshold: float
    tatar_department_id: int | None
    auto_close: tuple[str, ...]


def current_settings() -> RoutingSettings:
    tatar = get_setting(TATAR_DEPARTMENT_KEY)
    return RoutingSettings(float(get_setting(THRESHOLD_KEY, DEFAULT_THRESHOLD)),
                           int(tatar) if tatar else None, auto_close_kinds())


def save_settings(actor, threshold: float, tatar_department_id: int | None,
                  auto_close: list[str]) -> None:
    """Store the threshold, the Tatar queue and the kinds closed automatically (audited)."""
    if not 0.0 <= threshold <= 1.0:
        raise RoutingSettingsError("Порог уверенности — число от 0 до 1", "threshold")
    if tatar_department_id and _active_department(tatar_department_id) is None:
        raise RoutingSettingsError("Выберите действующее подразделение для татарских сообщений",
                                   "tatar_department_id")
    unknown = set(auto_close) - set(KINDS)
    if unknown:
        raise RoutingSettingsError("Неизвестный вид сообщения")
    before = current_settings()
    after = RoutingSettings(round(threshold, 4), tatar_department_id or None,
                            tuple(k for k in KINDS if k in auto_close))
    set_setting(THRESHOLD_KEY, after.threshold)
    set_setting(TATAR_DEPARTMENT_KEY, after.tatar_department_id)
    set_setting(AUTO_CLOSE_KEY, list(after.auto_close))
    changed = {key: [getattr(before, key), getattr(after, key)] for key in
               ("threshold", "tatar_department_id", "auto_close")
               if getattr(before, key) != getattr(after, key)}
    if changed:
        changed = {k: [list(v) if isinstance(v, tuple) else v for v in pair]
                   for k, pair in changed.items()}
        record("routing_settings_saved", actor=actor, object_type="setting",
               object_id="routing", details={"changed": changed})


def _active_department(department_id: int | None) -> Department | None:
    if not department_id:
        return None
    dept = db.session.get(Department, department_id)
    return dept if dept is not None and dept.active else None


# -- keyword rules ------------------------------------------------------------------------------
def parse_keywords(text: str) -> list[str]:
    """Keywords typed one per line (or separated by commas), as the pipeline's lemma strings."""
    from helpdesk.routing.defaults import lemmatise_keywords

    phrases = [p.strip() for p in re.split(r"[\n,;]+", text or "") if p.strip()]
    if not phrases:
        raise RoutingSettingsError("Укажите хотя бы одно ключевое слово")
    if len(phrases) > MAX_KEYWORDS:
        raise RoutingSettingsError(f"Не больше {MAX_KEYWORDS} ключевых слов в одном правиле")
    long = [p for p in phrases if len(p) > MAX_KEYWORD_LENGTH]
    if long:
        raise RoutingSettingsError(f"Ключевое слово длиннее {MAX_KEYWORD_LENGTH} знаков: "
                                   f"«{long[0][:40]}…»")
    lemmas = list(dict.fromkeys(lemmatise_keywords(phrases)))
    if not lemmas:
        raise RoutingSettingsError("В ключевых словах нет ни одного слова")
    common = [k for k in lemmas if " " not in k and (k in STOP_WORDS or len(k) < 3)]
    if common:
        raise RoutingSettingsError(
            f"Слишком общие слова: {', '.join(common)}. Они есть почти в каждом сообщении; "
            "используйте их только внутри словосочетания («в подъезде» → «подъезд»)")
    return lemmas


def save_rule(rule: RoutingRule | None, actor, name: str, department_id: int,
              keywords_text: str, weight: float, active: bool) -> RoutingRule:
    """Create or update a keyword rule; its keywords are stored as lemmas."""
    name = " ".join(name.split())
    if not name:
        raise RoutingSettingsError("Укажите название правила", "name")
    if _active_department(department_id) is None:
        raise RoutingSettingsError("Выберите действующее подразделение", "department_id")
    if not 0.05 <= weight <= 1.0:
        raise RoutingSettingsError("Вес правила — число от 0,05 до 1", "weight")
    keywords = parse_keywords(keywords_text)
    created = rule is None
    if rule is None:
        rule = RoutingRule()
        db.session.add(rule)
    rule.name, rule.department_id, rule.keywords = name[:200], department_id, keywords
    rule.weight, rule.active = round(weight, 3), active
    db.session.flush()
    record("routing_rule_created" if created else "routing_rule_saved", actor=actor,
           object_type="routing_rule", object_id=str(rule.id),
           details={"name": rule.name, "department": department_id, "keywords": keywords,
                    "weight": rule.weight, "active": active})
    return rule


def toggle_rule(rule: RoutingRule, actor) -> None:
    rule.active = not rule.active
    db.session.flush()
    record("routing_rule_activated" if rule.active else "routing_rule_deactivated", actor=actor,
           object_type="routing_rule", object_id=str(rule.id), details={"name": rule.name})


# -- topic → department -------------------------------------------------------------------------
def save_mapping(mapping: TopicMapping | None, actor, topic: str, department_id: int,
                 topic_code: str) -> TopicMapping:
    """Create or update which department answers a topic (topics are unique)."""
    topic, topic_code = " ".join(topic.split())[:300], (topic_code or "").strip()
    if not topic:
        raise RoutingSettingsError("Укажите тему", "topic")
    if _active_department(department_id) is None:
        raise RoutingSettingsError("Выберите действующее подразделение", "department_id")
    if topic_code and not CODE.match(topic_code):
        raise RoutingSettingsError("Код классификатора — как 0003.0009.0099.0742", "topic_code")
    # Compared in Python, case-free: SQLite's lower() folds only ASCII, the topics are Cyrillic.
    wanted = topic.casefold()
    clash = next((m for m in db.session.scalars(select(TopicMapping))
                  if m.topic.casefold() == wanted and m is not mapping), None)
    if clash is not None:
        raise RoutingSettingsError(f"Тема «{clash.topic}» уже сопоставлена: измените её строку",
                                   "topic")
    created = mapping is None
    if mapping is None:
        mapping = TopicMapping()
        db.session.add(mapping)
    previous = mapping.department_id
    mapping.topic, mapping.department_id = topic, department_id
    mapping.topic_code = topic_code or None
    db.session.flush()
    record("topic_mapping_saved", actor=actor, object_type="topic_mapping",
           object_id=str(mapping.id),
           details={"topic": mapping.topic, "department": department_id,
                    **({} if created else {"previous": previous}),
                    "code": mapping.topic_code})
    return mapping


def delete_mapping(mapping: TopicMapping, actor) -> None:
    """Forget a topic's department: messages of that topic then go to triage."""
    details = {"topic": mapping.topic, "previous": mapping.department_id}
    object_id = str(mapping.id)
    db.session.delete(mapping)
    db.session.flush()
    record("topic_mapping_deleted", actor=actor, object_type="topic_mapping",
           object_id=object_id, details=details)


def known_topics() -> list[str]:
    """Topics the active model can predict, for the mapping form's suggestions."""
    from helpdesk.routing.service import active_model

    _, meta = active_model()
    return [str(label) for label in meta.get("labels", [])]


# -- models ------------------------------------------------------------------------------------
def activate_model(row: ModelVersion, actor) -> None:
    """Make a trained version the one live routing uses."""
    if not Path(row.path).exists():
        raise RoutingSettingsError("Файл этой модели не найден: обучите модель заново")
    for other in db.session.scalars(select(ModelVersion).where(ModelVersion.active.is_(True))):
        other.active = False
    row.active = True
    db.session.flush()
    record("model_activated", actor=actor, object_type="model_version", object_id=str(row.id),
           details={"version": row.version})


def training_state() -> dict:
    """{state: queued|running|done|failed, at, by, version?, error?} of the latest training.

    A training queued or running for longer than TRAINING_STALE was interrupted (a restart, or no
    worker took it): it is reported as failed, and a new one may be asked for.
    """
    state = dict(get_setting(TRAINING_KEY) or {})
    if state.get("state") in ("queued", "running"):
        try:
            since = datetime.fromisoformat(state.get("started") or state.get("at") or "")
        except ValueError:
            since = None
        if since is None or utcnow() - since > TRAINING_STALE:
            state.update(state="failed", error="обучение прервано (перезапуск или нет обработчика)")
    return state


def request_training(actor) -> None:
    """Queue a retraining from the shipped data and the stored corrections."""
    from helpdesk.background.tasks import dispatch

    if training_state().get("state") in ("queued", "running"):
        raise RoutingSettingsError("Модель уже обучается: дождитесь окончания")
    set_setting(TRAINING_KEY, {"state": "queued", "at": utcnow().isoformat(),
                               "by": getattr(actor, "username", None)})
    record("model_training_requested", actor=actor, object_type="model_version",
           details={"corrections": stored_example_count()})
    dispatch("routing.train")


def stored_example_count() -> int:
    return db.session.scalar(select(db.func.count()).select_from(TrainingExample)) or 0


def model_history(limit: int) -> list[dict]:
    """The latest model versions, newest first, each with its category and department figures,
    the staff corrections it learnt from, and the department figures of the version trained
    before it (what the retraining changed)."""
    rows = db.session.scalars(select(ModelVersion).order_by(ModelVersion.id.desc())
                              .limit(limit + 1)).all()
    history = []
    for row, before in zip(rows, [*rows[1:], None]):
        scores = row.scores or {}
        history.append({"model": row, "scores": scores,
                        "department": scores.get("department") or {},
                        "corrections": scores.get("corrections"),
                        "before": ((before.scores or {}).get("department") or {})
                        if before is not None else {}})
    return history[:limit]
