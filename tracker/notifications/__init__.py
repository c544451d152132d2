"""Notifications by e-mail through an outbox: a message row is written in the same transaction as the change it
reports, and a job delivers it and marks it sent, so nothing is lost or sent twice."""
