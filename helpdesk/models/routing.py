"""Routing data: keyword rules, topic → department mapping, training examples, models, decisions."""
from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from helpdesk.extensions import db
from helpdesk.models.department import Department
from helpdesk.models.types import UTCDateTime, utcnow


class RoutingRule(db.Model):
    """Admin-edited keywords (stored as lemmas) that point a message at a department."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # Each keyword is a string of space-separated lemmas, e.g. "горячий вода".
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    weight: Mapped[float] = mapped_column(Float, default=0.5)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()

    def __repr__(self) -> str:
        return f"<RoutingRule {self.id} {self.name!r} → {self.department_id}>"


class TopicMapping(db.Model):
    """Which department answers a topic of the classifier (edited by an administrator)."""

    __tablename__ = "topic_mappings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic: Mapped[str] = mapped_column(String(300), unique=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    # The standard thematic classifier's full code, when the topic has one.
    topic_code: Mapped[str | None] = mapped_column(String(32))

    department: Mapped[Department] = relationship()

    def __repr__(self) -> str:
        return f"<TopicMapping {self.topic!r} → {self.department_id}>"


class TrainingExample(db.Model):
    """A labelled text: a staff correction of routing, or an imported example."""

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    label: Mapped[str | None] = mapped_column(String(300))  # a topic, when known
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    source: Mapped[str] = mapped_column(String(32), default="correction")  # correction | import
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    def __repr__(self) -> str:
        return f"<TrainingExample {self.id} {self.label!r}>"


class ModelVersion(db.Model):
    """A trained routing model on disk, with its training data size and scores."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    n_examples: Mapped[int] = mapped_column(Integer, default=0)
    scores: Mapped[dict] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    def __repr__(self) -> str:
        return f"<ModelVersion {self.version} active={self.active}>"


class RoutingDecision(db.Model):
    """Why a message was routed where it was: the explanation shown on the ticket."""

    __tablename__ = "routing_decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    language: Mapped[str] = mapped_column(String(8), default="ru")
    special_kind: Mapped[str | None] = mapped_column(String(32))
    candidates: Mapped[list] = mapped_column(JSON, default=list)
    matched_rules: Mapped[list] = mapped_column(JSON, default=list)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    to_triage: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    model_version: Mapped[str | None] = mapped_column(String(64))
    extracted: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()

    def __repr__(self) -> str:
        return f"<RoutingDecision {self.id} ticket={self.ticket_id} triage={self.to_triage}>"
