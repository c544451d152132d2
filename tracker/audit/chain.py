"""Hash chain over each case's events: altering, deleting or reordering a row breaks it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timezone

GENESIS = "0" * 64

_HASHED_FIELDS = ("case_id", "seq", "actor_id", "actor_role", "kind", "subject", "from_state", "to_state",
                  "reason", "basis", "data", "prev_hash")


def event_hash(event) -> str:
    """SHA-256 over the event's content and its predecessor's hash, in a canonical JSON form."""
    content = {name: getattr(event, name) for name in _HASHED_FIELDS}
    content["occurred_at"] = event.occurred_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    event_id: int | None
    seq: int
    problem: str


def verify_events(events) -> ChainBreak | None:
    """Check one case's events (ordered by seq); return the first break or None."""
    previous = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(event.case_id, event.id, expected_seq, f"event #{expected_seq} is missing")
        if event.prev_hash != previous:
            return ChainBreak(event.case_id, event.id, event.seq, "does not follow the previous event's hash")
        if event_hash(event) != event.hash:
            return ChainBreak(event.case_id, event.id, event.seq, "content altered after it was written")
        previous = event.hash
        expected_seq += 1
    return None
