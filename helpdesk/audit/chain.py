"""Pure hash-chain arithmetic for audit rows."""
import hashlib
import json
from datetime import datetime

CHAINED_FIELDS = ("id", "created_at", "user_id", "username", "action", "object_type",
                  "object_id", "result", "ip", "details")


def row_hash(prev_hash: str, fields: dict) -> str:
    """SHA-256 over the previous hash and the canonical JSON of the row's fields."""
    canonical = {k: _plain(fields.get(k)) for k in CHAINED_FIELDS}
    payload = prev_hash + json.dumps(canonical, ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _plain(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value
