"""Hash chain over each case's events: altering, deleting or reordering a row breaks it.

Since migration 0010 the chain is *keyed*: each event's hash is an HMAC-SHA256 under the audit key
(``AUDIT_KEY``), which lives outside the database, and the event records which key (``key_id``, a digest of the key,
never the key). Whoever can write the database but does not hold the key cannot recompute a valid hash. Events
written before keying have ``key_id`` NULL and a plain SHA-256: they stay verifiable up to the event id the
operator names in ``AUDIT_UNKEYED_UNTIL`` (the newest event from before the upgrade); any other unkeyed event is a
break, so rewriting a keyed chain as an unkeyed one (a downgrade) does not pass either.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import timezone

GENESIS = "0" * 64

_HASHED_FIELDS = ("case_id", "seq", "actor_id", "actor_role", "kind", "subject", "from_state", "to_state",
                  "reason", "basis", "data", "prev_hash")


def personal_digest(salt: str, content: dict) -> str:
    """The digest of an event's erasable part that the chain holds instead of the content (salted SHA-256)."""
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{salt}\x00{canonical}".encode("utf-8")).hexdigest()


def _hashed(event, name: str):
    # A database event keeps the hashed reason in ``stored_reason`` (its ``reason`` reads the erasable part).
    if name == "reason" and hasattr(event, "stored_reason"):
        return event.stored_reason
    return getattr(event, name)


def key_id(key: bytes) -> str:
    """A short public name of a key (a digest of it): which key sealed an event, without revealing the key."""
    return hashlib.sha256(b"tracker-audit-key-id\x00" + key).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    """The audit key new events are sealed with, and the earlier keys old events were sealed with."""

    current_id: str
    keys: Mapping[str, bytes] = field(default_factory=dict)

    @classmethod
    def of(cls, current: str, earlier: Iterable[str] = ()) -> Keyring:
        current_key = current.encode("utf-8")
        keys = {key_id(secret.encode("utf-8")): secret.encode("utf-8") for secret in earlier if secret}
        keys[key_id(current_key)] = current_key
        return cls(current_id=key_id(current_key), keys=keys)

    @property
    def current_key(self) -> bytes:
        return self.keys[self.current_id]


def event_hash(event, key: bytes | None = None) -> str:
    """The event's hash over its content and its predecessor's hash, in a canonical JSON form: HMAC-SHA256 under
    ``key`` (the key id is part of the content), or plain SHA-256 for events from before keying (``key`` None)."""
    content = {name: _hashed(event, name) for name in _HASHED_FIELDS}
    content["occurred_at"] = event.occurred_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if key is not None:
        content["key_id"] = key_id(key)
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    if key is None:
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def seal(event, keyring: Keyring) -> str:
    """Set the event's ``key_id`` and ``hash`` under the current key; returns the hash (the new chain head)."""
    event.key_id = keyring.current_id
    event.hash = event_hash(event, keyring.current_key)
    return event.hash


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    event_id: int | None
    seq: int
    problem: str


def verify_events(events, keyring: Keyring, *, unkeyed_until: int = 0) -> ChainBreak | None:
    """Check one case's events (ordered by seq); return the first break or None. Unkeyed events are accepted only
    with ids up to ``unkeyed_until`` and never after a keyed one."""
    previous = GENESIS
    expected_seq = 1
    keyed_seen = False
    for event in events:
        if event.seq != expected_seq:
            return ChainBreak(event.case_id, event.id, expected_seq, f"event #{expected_seq} is missing")
        if event.prev_hash != previous:
            return ChainBreak(event.case_id, event.id, event.seq, "does not follow the previous event's hash")
        if event.key_id is None:
            if keyed_seen or event.id is None or event.id > unkeyed_until:
                return ChainBreak(event.case_id, event.id, event.seq, "not sealed with the audit key")
            key = None
        else:
            key = keyring.keys.get(event.key_id)
            if key is None:
                return ChainBreak(event.case_id, event.id, event.seq,
                                  f"sealed with an unknown audit key ({event.key_id})")
            keyed_seen = True
        if not hmac.compare_digest(event_hash(event, key), event.hash or ""):
            return ChainBreak(event.case_id, event.id, event.seq, "content altered after it was written")
        problem = _personal_problem(event)
        if problem:
            return ChainBreak(event.case_id, event.id, event.seq, problem)
        previous = event.hash
        expected_seq += 1
    return None


def _personal_problem(event) -> str | None:
    """The erasable part must match the digest the chain holds, unless it was erased (and says so)."""
    digest = (getattr(event, "data", None) or {}).get("personal_digest")
    if digest is None:
        return None
    personal = getattr(event, "personal", None)
    if personal is None:
        return "its personal part is missing (deleted, not erased)"
    if personal.erased_at is not None:
        return None
    if not hmac.compare_digest(personal_digest(personal.salt, personal.content or {}), digest):
        return "its personal part was altered after it was written"
    return None


def last_state(events) -> str | None:
    """The state the chain says the case is in: the ``to_state`` of its newest event that has one."""
    state = None
    for event in events:
        if event.to_state is not None:
            state = event.to_state
    return state
