"""Where a link may send a person back to: only a path on this site (no open redirects)."""
from urllib.parse import urlsplit


def safe_next(target: str | None) -> str | None:
    """Accept only a relative path on this site as the place to go after sign-in."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
