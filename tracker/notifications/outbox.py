"""Writing the outbox: every e-mail a change owes becomes a row in the transaction of that change.

**Why a session listener, not a call in every verb.** Every change that matters already writes an audit event
(``tracker.audit.service.append_event``), in the same transaction, through whichever verb made it: clerks' steps,
the sweep's breaches and fictions, and the portal's messages, uploads and access codes that other features add.
A listener on the session sees those events at commit and turns them into outbox rows *before* the commit, so the
change and its e-mails are one transaction: both or neither. A verb that forgets to notify cannot exist, and the
layers stay as they are (cases knows nothing of e-mail; this package, above cases, reads the events). Mails that no
event describes (the invitation with its one-time link) are written with ``queue_mail`` inside the verb's unit of
work instead.

The listener hooks (``before_flush``, ``before_commit``, ``after_commit``, ``after_soft_rollback``) are bound once to
``db.session``. Events inside a savepoint that rolled back are no longer persistent and owe nothing. After the
commit the new rows are handed to the dispatcher the app was built with (``tracker.jobs.mail.dispatch``: one RQ job
per row); a dispatcher that fails (Redis down) never fails the request: the rows wait, leased for
``OUTBOX_LEASE_SECONDS``, and the pump enqueues them again when the lease ends."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app
from sqlalchemy import event, inspect

from tracker import clock
from tracker.audit.models import Event
from tracker.db_types import insert_many
from tracker.extensions import db
from tracker.notifications.events import Mail, mails_for_events
from tracker.notifications.mail import message_domain
from tracker.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

_EVENTS = "outbox_events"  # session.info: audit events added in this transaction
_NEW_ROWS = "outbox_new_rows"  # session.info: outbox rows written in this transaction
_NEW_IDS = "outbox_new_ids"  # session.info: their ids, for dispatch after the commit


def install(app: Flask, dispatch: Callable[[list[int]], None]) -> None:
    """Bind the listeners (once per process) and the app's dispatcher (``dispatch(row_ids)`` after a commit)."""
    app.extensions["outbox_dispatch"] = dispatch
    for name, listener in (("before_flush", _collect_events), ("before_commit", _write_rows),
                           ("after_commit", _dispatch_rows), ("after_soft_rollback", _forget)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)


def new_message_id() -> str:
    """Fixed when the row is written and sent unchanged on every attempt: a receiver (or its mail server) that
    sees it twice can drop the second copy."""
    return f"<{uuid.uuid4().hex}.outbox@{message_domain()}>"


def queue_mail(mail: Mail, session=None) -> None:
    """Write one e-mail into the outbox in the current transaction (written by the caller's commit). Use it for
    mails no audit event describes; the row is dispatched after the commit like every other. A mail queued inside
    a savepoint that rolls back is forgotten with it."""
    session = session or db.session()  # the request's session itself, not its scoped proxy
    now = clock.now()
    row = {
        "dedupe_key": mail.key, "kind": mail.kind, "case_id": mail.case_id, "user_id": mail.user_id,
        "address": mail.address, "language": mail.language, "subject": mail.subject, "body": mail.body,
        "secret": mail.secret, "message_id": new_message_id(), "status": OutboxStatus.PENDING, "attempts": 0,
        "next_attempt_at": now, "lease_until": now + timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"]),
        "claim": None, "last_error": "", "created_at": now, "sent_at": None,
    }
    session.info.setdefault(_NEW_ROWS, []).append((session.get_nested_transaction(), row))


def _collect_events(session, flush_context, instances) -> None:
    new = [obj for obj in session.new if isinstance(obj, Event)]
    if new:
        session.info.setdefault(_EVENTS, []).extend(new)


def _write_rows(session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: the outer commit writes the rows
    session.flush()  # events added since the last flush reach _collect_events
    events = [item for item in session.info.pop(_EVENTS, []) if inspect(item).persistent]
    if events:
        with session.no_autoflush:
            mails = mails_for_events(session, events)
        for mail in mails:
            queue_mail(mail, session)
    rows = [row for _, row in session.info.pop(_NEW_ROWS, [])]
    if rows:
        # All in one statement (an ORM flush would send one parameter per value, which the driver parses anew
        # each time), with the ids now: after the commit the session may not touch the database.
        with session.no_autoflush:
            session.info[_NEW_IDS] = [row.id for row in insert_many(OutboxMessage.__table__, rows,
                                                                     returning=(OutboxMessage.id,))]


def _dispatch_rows(session) -> None:
    if session.in_nested_transaction():
        return
    ids = session.info.pop(_NEW_IDS, None)
    if not ids:
        return
    try:
        current_app.extensions["outbox_dispatch"](ids)
    except Exception:  # never fail the committed request: the pump enqueues the leased rows again
        log.exception("outbox: dispatch of %d row(s) failed; the pump will retry", len(ids))


def _forget(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction rolled back: nothing it wrote exists
        for key in (_EVENTS, _NEW_ROWS, _NEW_IDS):
            session.info.pop(key, None)
    elif previous_transaction.nested and session.info.get(_NEW_ROWS):
        # A savepoint rolled back: the mails queued inside it (or inside savepoints within it) are not owed.
        session.info[_NEW_ROWS] = [(queued_in, row) for queued_in, row in session.info[_NEW_ROWS]
                                   if not _within(queued_in, previous_transaction)]


def _within(transaction, savepoint) -> bool:
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False
