"""Admin-edited keyword rules per department, matched on lemmas (pure: rules come in as data)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Rule:
    id: int | None
    department_id: int
    name: str
    keywords: tuple[tuple[str, ...], ...]  # each keyword is a sequence of lemmas
    weight: float = 0.5


@dataclass
class RuleMatch:
    rule_id: int | None
    name: str
    department_id: int
    keywords: list[str] = field(default_factory=list)
    score: float = 0.0

    def as_dict(self) -> dict:
        """JSON-ready form for the routing explanation."""
        return {"rule_id": self.rule_id, "name": self.name, "department_id": self.department_id,
                "keywords": self.keywords, "score": round(self.score, 3)}


def make_rule(id, department_id, name, keywords, weight=0.5) -> Rule:
    """A rule from stored data: keywords as lemma strings ("горячий вода") or lemma lists."""
    parsed = []
    for keyword in keywords or []:
        lemmas = tuple(keyword.lower().replace("ё", "е").split()) if isinstance(keyword, str) \
            else tuple(w.lower().replace("ё", "е") for w in keyword)
        if lemmas:
            parsed.append(lemmas)
    return Rule(id, department_id, name, tuple(parsed), float(weight))


def match_rules(lemmas: list[str], rules: list[Rule]) -> list[RuleMatch]:
    """Rules whose keywords occur in the lemma sequence, strongest first."""
    present = set(lemmas)
    matches = []
    for rule in rules:
        found = [" ".join(k) for k in rule.keywords if _contains(lemmas, present, k)]
        if found:
            score = min(1.0, rule.weight * len(found))
            matches.append(RuleMatch(rule.id, rule.name, rule.department_id, found, score))
    matches.sort(key=lambda m: -m.score)
    return matches


def _contains(lemmas: list[str], present: set[str], keyword: tuple[str, ...]) -> bool:
    if len(keyword) == 1:
        return keyword[0] in present
    if not all(k in present for k in keyword):
        return False
    n = len(keyword)
    return any(tuple(lemmas[i:i + n]) == keyword for i in range(len(lemmas) - n + 1))


def department_scores(matches: list[RuleMatch]) -> dict[int, float]:
    """Combined rule score per department (noisy-or of its matched rules)."""
    scores: dict[int, float] = {}
    for m in matches:
        scores[m.department_id] = 1 - (1 - scores.get(m.department_id, 0.0)) * (1 - m.score)
    return scores
