"""One unit of work per request. A view parses its input, calls one service verb through ``perform`` and renders:
the verb checks access, applies the change, writes its audit event and flushes; ``perform`` commits once. A refusal,
a missing right or a colleague's concurrent change rolls everything back and reaches the view as a ``CaseError``,
which it shows with the user's form kept (HTTP 409 for a conflict). Error pages roll back before they render, so a
failed flush never breaks the page that reports it."""
from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from tracker.cases.service import conflicts_refused
from tracker.extensions import db

T = TypeVar("T")


def perform(verb: Callable[..., T], *args, **kwargs) -> T:
    """Run one service verb and commit. Raises ``CaseError`` (refused, denied, conflict) after rolling back."""
    try:
        with conflicts_refused():  # a concurrent writer may surface only at commit
            result = verb(*args, **kwargs)
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return result


def install(app: Flask) -> None:
    @app.teardown_request
    def roll_back_unfinished(error: BaseException | None) -> None:
        # A request that failed half-way leaves nothing behind for the next one on this session.
        if error is not None:
            db.session.rollback()


def roll_back_quietly() -> None:
    """Before an error page renders: the session may be in a failed transaction (PendingRollbackError)."""
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection itself is gone; the page must still render
        db.session.remove()
