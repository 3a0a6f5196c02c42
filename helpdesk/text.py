"""What counts as typed text: a field of only spaces and invisible marks is empty."""

# Characters that show nothing: zero-width spaces and joiners, the BOM, soft hyphens, bidi marks.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f"), None)


def is_blank(value: str | None) -> bool:
    """Whether a typed text shows nothing: only spaces, NULs and invisible marks."""
    return not (value or "").replace("\x00", "").translate(_INVISIBLE).strip()
