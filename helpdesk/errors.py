"""The one kind of error a person causes and must correct: a Russian message, maybe a field."""


class UserError(ValueError):
    """A refusal shown to the person (the request or command is rolled back, nothing is kept).

    `field` names the form field the message belongs to, when there is one. A ValueError, so
    WTForms fields and filters that collect ValueErrors show it as any other typing mistake."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
