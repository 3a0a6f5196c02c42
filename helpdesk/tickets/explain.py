"""What the ticket page shows about routing and extraction, computed here, formatted by templates."""
from dataclasses import dataclass, field

from sqlalchemy import select

from helpdesk.extensions import db
from helpdesk.models.audit import AuditEvent
from helpdesk.models.department import Department
from helpdesk.models.user import User
from helpdesk.routing.decide import LANGUAGE_NOTES, REASON_LANGUAGE, REASON_LABELS
from helpdesk.routing.language import LANGUAGE_LABELS
from helpdesk.routing.special import KINDS

MISSING_LABELS = {"surname": "фамилия", "name": "имя",
                  "email_or_postal_address": "e-mail или почтовый адрес"}


@dataclass
class RoutingView:
    confidence_percent: int
    to_triage: bool
    reason: str
    language: str
    special_kind: str | None
    model_version: str
    candidates: list[dict] = field(default_factory=list)  # label, percent, department
    rules: list[dict] = field(default_factory=list)  # name, department, percent, yielded
    now_with: str | None = None  # where a person re-routed the ticket after the decision
    moved_by: str | None = None  # who did
    language_note: str | None = None  # why it is in the Tatar queue (then no confidence shown)


def close_proposal(special_kind: str | None) -> tuple[str, str] | None:
    """(result, ст. 11 reason) proposed for closing a special kind of message, or None."""
    spec = KINDS.get(special_kind) if special_kind else None
    return (spec.close_result, spec.close_reason) if spec else None


def routing_view(decision, current_department_id: int | None = None) -> RoutingView | None:
    """The routing decision in words: reason, language, top topics and rules with departments,
    and the staff re-route made since, if any (an automatic triage is not a person's move)."""
    if decision is None:
        return None
    names = _department_names()
    candidates = [{"label": c.get("label") or "—", "percent": _percent(c.get("score")),
                   "department": names.get(c.get("department_id"), "не сопоставлена")}
                  for c in (decision.candidates or [])[:5]
                  if isinstance(c, dict) and _percent(c.get("score")) > 0]  # a 0 % topic says nothing
    rules = [{"name": r.get("name") or "—", "percent": _percent(r.get("score")),
              "department": names.get(r.get("department_id"), "—"),
              "yielded": bool(r.get("yielded"))}
             for r in (decision.matched_rules or []) if isinstance(r, dict)]
    special = KINDS.get(decision.special_kind) if decision.special_kind else None
    move = _staff_move(decision)
    moved_to = move[0] if move and move[0] in names else None
    if current_department_id is not None and moved_to != current_department_id:
        moved_to = None  # the ticket has left the department it was moved to
    return RoutingView(
        confidence_percent=_percent(decision.confidence), to_triage=bool(decision.to_triage),
        reason=REASON_LABELS.get(decision.reason or "", decision.reason or ""),
        language=LANGUAGE_LABELS.get(decision.language, decision.language or "—"),
        special_kind=special.label if special else decision.special_kind,
        model_version=decision.model_version or "только правила",
        candidates=candidates, rules=rules,
        now_with=names[moved_to] if moved_to is not None else None,
        moved_by=move[1] if moved_to is not None else None,
        language_note=LANGUAGE_NOTES.get(decision.language)
        if decision.reason == REASON_LANGUAGE else None)


def _staff_move(decision) -> tuple[int | None, str] | None:
    """(department, who) of the latest re-route a person made after the decision, or None."""
    ticket_id = getattr(decision, "ticket_id", None)
    if ticket_id is None:
        return None
    query = (select(AuditEvent.details, AuditEvent.username, User.full_name)
             .outerjoin(User, User.id == AuditEvent.user_id)
             .where(AuditEvent.action == "ticket_rerouted", AuditEvent.object_type == "ticket",
                    AuditEvent.object_id == str(ticket_id), AuditEvent.result == "ok")
             .order_by(AuditEvent.id.desc()).limit(1))
    decided_at = getattr(decision, "created_at", None)
    if decided_at is not None:  # a later automatic decision replaces an earlier move
        query = query.where(AuditEvent.created_at >= decided_at)
    row = db.session.execute(query).first()
    if row is None:
        return None
    details = row.details if isinstance(row.details, dict) else {}
    return details.get("department"), row.full_name or row.username or "сотрудник"


def extraction_rows(extracted: dict | None, registered: bool = False
                    ) -> tuple[list[tuple[str, str]], str | None]:
    """(label, value) rows of what was found in the text, and the 59-ФЗ registration hint.

    The hint is about registering, so an already registered appeal gets none."""
    data = extracted or {}
    person = data.get("person") or {}
    rows = [("Район", data.get("district")), ("Населённый пункт", data.get("settlement")),
            ("Улица, проспект", data.get("street")), ("ФИО", person.get("full_name")),
            ("Телефон", ", ".join(data.get("phones") or [])),
            ("E-mail", ", ".join(data.get("emails") or [])),
            ("Почтовый адрес", data.get("postal_address"))]
    rows = [(label, str(value)) for label, value in rows if value]
    appeal = data.get("appeal")
    hint = None
    if isinstance(appeal, dict) and not registered:
        if appeal.get("can_register"):
            hint = "Есть всё для регистрации обращения по 59-ФЗ: ФИО и адрес для ответа."
        else:
            missing = ", ".join(MISSING_LABELS.get(m, m) for m in appeal.get("missing", []))
            hint = f"Для регистрации по 59-ФЗ не хватает: {missing}." if missing else None
    return rows, hint


def _percent(value) -> int:
    try:
        return round(float(value) * 100)
    except (TypeError, ValueError):
        return 0


def _department_names() -> dict[int, str]:
    return dict(db.session.execute(select(Department.id, Department.name)).all())
