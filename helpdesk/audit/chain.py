"""Pure hash-chain arithmetic for audit rows: hashing and verification.

Each row's hash is an HMAC-SHA-256 under the audit key (AUDIT_KEY, else derived from SECRET_KEY),
over the previous row's hash and the row's canonical JSON. Someone who can write to the database
but does not hold the key cannot recompute the chain after editing a row: the edit stays visible.
"""
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

CHAINED_FIELDS = ("id", "created_at", "user_id", "username", "action", "object_type",
                  "object_id", "result", "ip", "details")


def derive_key(secret: str) -> bytes:
    """The audit key derived from another secret (used when AUDIT_KEY is not set)."""
    return hmac.new(secret.encode("utf-8"), b"helpdesk audit chain v1", hashlib.sha256).digest()


def row_hash(prev_hash: str, fields: dict, key: bytes) -> str:
    """HMAC-SHA-256 under `key` over the previous hash and the canonical JSON of the row."""
    canonical = {k: _plain(fields.get(k)) for k in CHAINED_FIELDS}
    payload = prev_hash + json.dumps(canonical, ensure_ascii=False, sort_keys=True,
                                     separators=(",", ":"))
    return hmac.new(key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def _plain(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


@dataclass(frozen=True)
class ChainBreak:
    """Where and why the chain stops being valid."""

    row_id: int
    reason: str

    def __str__(self) -> str:
        return f"row {self.row_id}: {self.reason}"


def verify_chain(rows: Iterable[dict], key: bytes) -> tuple[int, ChainBreak | None]:
    """Check rows (dicts with CHAINED_FIELDS, prev_hash, hash) in id order; (count, first break)."""
    prev_hash, prev_id, count = "", 0, 0
    for row in rows:
        count += 1
        rid = row["id"]
        if row["prev_hash"] != prev_hash:
            reason = ("previous row missing (deleted)" if rid != prev_id + 1
                      else "does not follow the previous row (inserted or reordered)")
            return count, ChainBreak(rid, reason)
        if rid != prev_id + 1:
            return count, ChainBreak(rid, f"gap in ids after {prev_id} (row deleted)")
        if not hmac.compare_digest(row_hash(prev_hash, row, key), row["hash"]):
            return count, ChainBreak(rid, "content does not match its hash (edited, or written "
                                          "under another audit key)")
        prev_hash, prev_id = row["hash"], rid
    return count, None
