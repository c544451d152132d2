"""Notifications by e-mail through an outbox: a message row is written in the same transaction as the change it
reports, and a job delivers it and marks it sent, so nothing is lost or sent twice.

``models`` (the table), ``events`` (what an audit event owes, to whom), ``texts`` (German and English),
``outbox`` (the session listener that writes the rows), ``delivery`` (claim, send, mark sent; the pump),
``digest`` (the staff's daily digest), ``invitations`` (the one-time link), ``mail`` (the transport)."""
from tracker.notifications.outbox import install

__all__ = ["install"]
