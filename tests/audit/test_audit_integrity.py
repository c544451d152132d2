"""Audit integrity beyond the chain itself: TRUNCATE is refused by the database (PostgreSQL), a case whose state
was changed behind the application's back is reported, and the chain is keyed: hashes recomputed by someone with
database access but without ``AUDIT_KEY`` do not verify; old unkeyed events stay verifiable; keys rotate."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.audit.test_audit_chain import tamper, verify, walk_recognition
from tracker.audit.chain import GENESIS, Keyring, event_hash
from tracker.audit.service import audit_keyring, case_events
from tracker.cases.models import Case
from tracker.extensions import db


def rewrite_chain(case_id: int, *, key: bytes | None, reason: str | None = None) -> None:
    """What a database administrator without the audit key can do: change an event and recompute every hash of the
    case's chain (with a key of their own, or unkeyed as before 0010), and the case's head, consistently."""
    events = case_events(case_id)
    previous = GENESIS
    for event in events:
        if reason is not None and event.subject == "refuse":
            event.stored_reason = reason
        event.prev_hash = previous
        event.key_id = Keyring.of(key.decode()).current_id if key is not None else None
        event.hash = event_hash(event, key)
        previous = event.hash
    rows = [{"id": e.id, "reason": e.stored_reason, "prev_hash": e.prev_hash, "key_id": e.key_id, "hash": e.hash}
            for e in events]
    db.session.rollback()
    for row in rows:
        tamper("UPDATE events SET reason = :reason, prev_hash = :prev_hash, key_id = :key_id, hash = :hash "
               "WHERE id = :id", **row)
    tamper("UPDATE cases SET audit_head = :head WHERE id = :id", head=previous, id=case_id)


def test_truncate_of_the_events_table_is_refused(make, app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE FROM events is refused row by row (test_audit_chain)")
    case = make.case("recognition-bqfg")
    db.session.commit()

    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("TRUNCATE events CASCADE"))
    db.session.rollback()
    assert len(case_events(case.id)) >= 1


def test_verify_reports_a_case_state_changed_behind_the_applications_back(make, runner):
    case = walk_recognition(make)
    case_id, state = case.id, case.state
    assert verify(runner).exit_code == 0

    tamper("UPDATE cases SET state = 'equivalence_granted' WHERE id = :id", id=case_id)
    result = verify(runner)

    assert result.exit_code != 0
    assert f"case {case_id}: end of chain" in result.output
    assert f"the case's state 'equivalence_granted' is not the state its audit trail ends in ('{state}')" \
        in result.output


def test_new_events_are_sealed_with_the_audit_key(make):
    case = make.case("recognition-bqfg")
    keyring = audit_keyring()
    for event in case_events(case.id):
        assert event.key_id == keyring.current_id
        assert event.hash == event_hash(event, keyring.current_key)
        assert event.hash != event_hash(event)  # not the plain SHA-256 anyone could compute


@pytest.mark.parametrize("key", [None, b"a key the attacker made up"], ids=["unkeyed", "other-key"])
def test_hashes_recomputed_without_the_audit_key_are_detected(make, runner, key):
    case = walk_recognition(make)
    case_id = case.id

    rewrite_chain(case_id, key=key, reason="Fully equivalent.")
    result = verify(runner)

    assert result.exit_code != 0
    expected = "not sealed with the audit key" if key is None else "sealed with an unknown audit key"
    assert f"case {case_id}: event " in result.output and expected in result.output


def test_unkeyed_events_from_before_keying_stay_verifiable_up_to_the_named_id(app, make, runner, monkeypatch):
    case = walk_recognition(make)
    case_id = case.id
    rewrite_chain(case_id, key=None)  # as migration 0010 finds an old installation's events
    newest = case_events(case_id)[-1].id

    monkeypatch.setitem(app.config, "AUDIT_UNKEYED_UNTIL", newest)
    accepted = verify(runner)
    assert accepted.exit_code == 0, accepted.output
    assert "event(s) without the audit key" in accepted.output

    monkeypatch.setitem(app.config, "AUDIT_UNKEYED_UNTIL", newest - 1)
    assert "not sealed with the audit key" in verify(runner).output


def test_a_rotated_key_still_verifies_the_events_it_sealed(app, make, runner, monkeypatch):
    old_key = app.config["AUDIT_KEY"]
    case = walk_recognition(make)
    case_id = case.id
    monkeypatch.setitem(app.config, "AUDIT_KEY", "the new audit key")

    monkeypatch.setitem(app.config, "AUDIT_OLD_KEYS", (old_key,))
    result = verify(runner)
    assert result.exit_code == 0, result.output

    monkeypatch.setitem(app.config, "AUDIT_OLD_KEYS", ())
    result = verify(runner)
    assert result.exit_code != 0 and f"case {case_id}: event " in result.output
    assert "sealed with an unknown audit key" in result.output
    assert db.session.get(Case, case_id) is not None
