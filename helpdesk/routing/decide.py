"""The routing decision: a pure function of language, special kind, topics, rules and settings."""
from __future__ import annotations

from dataclasses import dataclass, field

from helpdesk.routing.language import RUSSIAN
from helpdesk.routing.rules import RuleMatch, department_scores
from helpdesk.routing.special import KINDS

RULE_SHARE = 0.5  # at most this share of the confidence comes from keyword rules

# Why a message went where it went (shown on the ticket).
REASON_CONFIDENT = "confident"
REASON_LOW_CONFIDENCE = "low_confidence"
REASON_LANGUAGE = "language"
REASON_SPECIAL = "special_kind"
REASON_NO_MAPPING = "no_mapping"
REASON_NO_MODEL = "no_model"
REASON_AUTO_CLOSED = "auto_closed"
REASON_NO_TEXT = "no_text"

REASON_LABELS = {
    REASON_CONFIDENT: "Уверенная маршрутизация",
    REASON_LOW_CONFIDENCE: "Низкая уверенность — требует разбора",
    REASON_LANGUAGE: "Сообщение на татарском или смешанном языке",
    REASON_SPECIAL: "Особый вид сообщения — решает сотрудник",
    REASON_NO_MAPPING: "Тема не сопоставлена подразделению",
    REASON_NO_MODEL: "Модель не обучена — требует разбора",
    REASON_AUTO_CLOSED: "Особый вид сообщения — закрыто автоматически (так настроил администратор)",
    REASON_NO_TEXT: "Сообщение без текста (например, фото без подписи) — требует разбора",
}


@dataclass(frozen=True)
class RoutingConfig:
    threshold: float = 0.6
    topic_departments: dict = field(default_factory=dict)  # topic label → department id
    topic_codes: dict = field(default_factory=dict)        # topic label → classifier code
    tatar_department_id: int | None = None
    model_version: str | None = None
    auto_close_kinds: tuple[str, ...] = ()  # special kinds an admin lets routing close


# Why a message is in the Tatar queue, in words (shown instead of a confidence).
LANGUAGE_NOTES = {
    "tt": "Сообщение написано на татарском языке: его читает сотрудник, владеющий татарским, "
          "поэтому тема модели (она читает только русский) не определяет подразделение.",
    "mixed": "Сообщение на двух языках, и татарская часть содержит суть обращения: его читает "
             "сотрудник, владеющий татарским; тема модели учитывает только русскую часть.",
}


@dataclass
class Decision:
    department_id: int | None  # None means the triage queue
    to_triage: bool
    confidence: float
    reason: str
    language: str
    special_kind: str | None = None
    topic: str | None = None
    topic_code: str | None = None
    candidates: list[dict] = field(default_factory=list)
    matched_rules: list[dict] = field(default_factory=list)
    model_version: str | None = None
    close: tuple[str, str] | None = None  # (result, ст. 11 reason) when routing closes it

    @property
    def explanation(self) -> dict:
        """What the ticket shows: reason, top candidates with scores, rules, model version."""
        result = {"reason": self.reason,
                  "reason_label": REASON_LABELS.get(self.reason, self.reason),
                  "confidence": round(self.confidence, 3), "candidates": self.candidates,
                  "matched_rules": self.matched_rules, "model_version": self.model_version}
        if self.reason == REASON_LANGUAGE:
            result["language_note"] = LANGUAGE_NOTES.get(self.language, "")
        return result


def _model_evidence(candidates: list[tuple[str, float]], config: RoutingConfig
                    ) -> dict[int | None, float]:
    """The model's probability per department: its topics' probabilities summed through the
    mapping (a topic with no mapping counts for department None)."""
    dept_model: dict[int | None, float] = {}
    for label, p in candidates:
        dept = config.topic_departments.get(label)
        dept_model[dept] = dept_model.get(dept, 0.0) + p
    return dept_model


def yielding_rules(dept_model: dict[int | None, float], rule_matches: list[RuleMatch],
                   config: RoutingConfig) -> list[bool]:
    """Per matched rule: does it yield to the model? A rule for a department that no topic maps
    to yields when the model alone would route the message confidently (its best department at
    or above the threshold): the model cannot propose that department, so the words were
    matched in a message that reads like another department's everyday business («сообщить о
    краже люка» is about a manhole). When the model is unsure, the rule counts as ever; once a
    topic maps to the department (e.g. from staff corrections), its rules no longer yield."""
    if not rule_matches or not dept_model:
        return [False] * len(rule_matches)
    best, p = max(dept_model.items(), key=lambda kv: kv[1])
    if best is None or p < config.threshold:
        return [False] * len(rule_matches)
    mapped = set(config.topic_departments.values())
    return [m.department_id not in mapped for m in rule_matches]


def department_evidence(candidates: list[tuple[str, float]], rule_matches: list[RuleMatch],
                        config: RoutingConfig) -> list[tuple[int | None, float]]:
    """Departments with their combined score (topics through the mapping, plus the keyword rules
    that do not yield to the model), best first. A topic with no mapping counts for
    department None."""
    return _evidence(candidates, rule_matches, config)[0]


def _evidence(candidates: list[tuple[str, float]], rule_matches: list[RuleMatch],
              config: RoutingConfig) -> tuple[list[tuple[int | None, float]], list[bool]]:
    """department_evidence() and, per matched rule, whether it yielded to the model."""
    dept_model = _model_evidence(candidates, config)
    yielded = yielding_rules(dept_model, rule_matches, config)
    rule_scores = department_scores([m for m, y in zip(rule_matches, yielded, strict=True)
                                     if not y])
    combined = dict(dept_model)
    if rule_scores:
        alpha = min(RULE_SHARE, max(rule_scores.values()))
        total = sum(rule_scores.values())
        combined = {d: (1 - alpha) * p for d, p in dept_model.items()}
        for d, s in rule_scores.items():
            combined[d] = combined.get(d, 0.0) + alpha * s / total
    return sorted(combined.items(), key=lambda kv: -kv[1]), yielded


def decide(language: str, special_kind: str | None, candidates: list[tuple[str, float]],
           rule_matches: list[RuleMatch], config: RoutingConfig, has_text: bool = True) -> Decision:
    """Combine the evidence into one department (or triage) with one confidence. A message
    with no text (`has_text` false: empty, only spaces, attachments only) goes to triage.

    `candidates` may hold every topic: all count towards their department, the top three are
    shown."""
    ranked, yielded = _evidence(candidates, rule_matches, config)
    top_label = candidates[0][0] if candidates else None
    shown = [{"label": label, "score": round(p, 3),
              "department_id": config.topic_departments.get(label)} for label, p in candidates[:3]]
    rules_shown = [m.as_dict() | ({"yielded": True} if y else {})
                   for m, y in zip(rule_matches, yielded, strict=True)]
    best, confidence = ranked[0] if ranked else (None, 0.0)
    base = dict(language=language, special_kind=special_kind, topic=top_label,
                topic_code=config.topic_codes.get(top_label) if top_label else None,
                candidates=shown, matched_rules=rules_shown, model_version=config.model_version)
    if not has_text:  # a photo without a caption: a person looks at it
        return Decision(None, True, 0.0, REASON_NO_TEXT, **base)
    if special_kind and special_kind in config.auto_close_kinds:
        spec = KINDS[special_kind]
        return Decision(None, False, confidence, REASON_AUTO_CLOSED, **base,
                        close=(spec.close_result, spec.close_reason))
    if language != RUSSIAN:
        target = config.tatar_department_id
        return Decision(target, target is None, 1.0 if target else 0.0, REASON_LANGUAGE, **base)
    if special_kind:
        return Decision(None, True, confidence, REASON_SPECIAL, **base)
    if not ranked:
        return Decision(None, True, 0.0, REASON_NO_MODEL, **base)
    if best is None:
        return Decision(None, True, confidence, REASON_NO_MAPPING, **base)
    if confidence < config.threshold:
        return Decision(None, True, confidence, REASON_LOW_CONFIDENCE, **base)
    return Decision(best, False, confidence, REASON_CONFIDENT, **base)
