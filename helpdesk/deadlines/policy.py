"""Deadline policies for the clocks (a comment runs by the message clock unless set otherwise), as frozen dataclasses (pure, admin-editable data)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from enum import StrEnum


class LastDayRule(StrEnum):
    PRECEDING = "preceding"  # offices' internal control date (the default)
    FOLLOWING = "following"  # the statutory reading (ст. 193 ГК РФ)


LAST_DAY_RULE_LABELS = {
    LastDayRule.PRECEDING: "Предшествующий рабочий день",
    LastDayRule.FOLLOWING: "Следующий рабочий день",
}


def _from_params(cls, params: dict | None):
    # Unknown keys are ignored so that an old stored row never breaks loading.
    known = {f.name for f in fields(cls)}
    obj = cls(**{k: v for k, v in (params or {}).items() if k in known})
    obj.validate()
    return obj


@dataclass(frozen=True)
class MessagePolicy:
    """A social-network message: first answer in working hours, final one in working days."""

    first_response_hours: float = 8
    answer_working_days: int = 7

    def validate(self) -> None:
        """Raise ValueError on values that make no sense."""
        if not 0 < self.first_response_hours <= 24 * 7:
            raise ValueError("first_response_hours must be between 0 and 168")
        if not 0 <= self.answer_working_days <= 60:
            raise ValueError("answer_working_days must be between 0 and 60")

    def to_params(self) -> dict:
        """The JSON stored in the policy table."""
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict | None) -> MessagePolicy:
        """Build from stored JSON; missing keys take the defaults."""
        return _from_params(cls, params)


@dataclass(frozen=True)
class AppealPolicy:
    """A 59-ФЗ appeal: terms in calendar days (ст. 8, 12)."""

    registration_days: int = 3
    answer_days: int = 30
    max_extension_days: int = 30
    forward_days: int = 7
    last_day_rule: str = LastDayRule.PRECEDING

    def validate(self) -> None:
        """Raise ValueError on values that make no sense."""
        for name in ("registration_days", "answer_days", "max_extension_days", "forward_days"):
            if not 0 <= getattr(self, name) <= 366:
                raise ValueError(f"{name} must be between 0 and 366")
        LastDayRule(self.last_day_rule)  # raises ValueError when unknown

    def to_params(self) -> dict:
        """The JSON stored in the policy table."""
        return {**asdict(self), "last_day_rule": str(self.last_day_rule)}

    @classmethod
    def from_params(cls, params: dict | None) -> AppealPolicy:
        """Build from stored JSON; missing keys take the defaults."""
        return _from_params(cls, params)


@dataclass(frozen=True)
class CommentPolicy:
    """A public comment under a post: the message clock by default, or terms of its own."""

    follow_message: bool = True
    first_response_hours: float = 8
    answer_working_days: int = 7

    def validate(self) -> None:
        """Raise ValueError on values that make no sense."""
        if not isinstance(self.follow_message, bool):
            raise ValueError("follow_message must be true or false")
        MessagePolicy(self.first_response_hours, self.answer_working_days).validate()

    def to_params(self) -> dict:
        """The JSON stored in the policy table."""
        return asdict(self)

    @classmethod
    def from_params(cls, params: dict | None) -> CommentPolicy:
        """Build from stored JSON; missing keys take the defaults."""
        return _from_params(cls, params)

    def effective(self, message: MessagePolicy) -> MessagePolicy:
        """The working-time terms comments run by."""
        if self.follow_message:
            return message
        return MessagePolicy(self.first_response_hours, self.answer_working_days)


@dataclass(frozen=True)
class Policies:
    """The policies together, as compute_due takes them."""

    message: MessagePolicy = MessagePolicy()
    appeal: AppealPolicy = AppealPolicy()
    comment: CommentPolicy = CommentPolicy()


POLICY_CLASSES = {"message": MessagePolicy, "appeal": AppealPolicy, "comment": CommentPolicy}
