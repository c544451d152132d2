"""The applicant's short session: one case, no account, apart from the staff login.

Kept in the signed session cookie under its own key (``APPLICANT_KEY``): the case id, the code's generation and
two times. It ends after ``STATUS_SESSION_MINUTES`` without a request, after ``MAX_MINUTES`` in any case, when the
applicant leaves (on this device and every other: leaving bumps the code's ``session_generation``), and when the
clerk renews the code (the generation no longer matches). A staff login in the same
browser is neither used nor touched by it."""
from __future__ import annotations

from flask import current_app, g, session

from tracker import clock
from tracker.applicant.codes import code_of
from tracker.applicant.models import AccessCode

APPLICANT_KEY = "applicant_case"
#: However active, a status session ends this long after entry.
MAX_MINUTES = 120
#: Only write the last-seen time back (and so a new cookie) when it moved by at least this many seconds.
SEEN_RESOLUTION = 30


def enter(record: AccessCode) -> None:
    now = int(clock.now().timestamp())
    session[APPLICANT_KEY] = {"case": record.case_id, "generation": record.generation,
                              "sessions": record.session_generation, "since": now, "seen": now}
    g.pop("applicant_case_id", None)


def leave() -> None:
    """Drop this browser's session (one that has ended anyway, or a clerk's renewal ended)."""
    session.pop(APPLICANT_KEY, None)
    g.pop("applicant_case_id", None)


def leave_everywhere() -> None:
    """The applicant leaves: this session and every copy of it end (the caller commits)."""
    case_id = current_case_id()
    record = code_of(case_id) if case_id is not None else None
    if record is not None:
        record.session_generation += 1
    leave()


def current_case_id() -> int | None:
    """The case this browser's applicant session opens now, or None (and the stale session is dropped). Checked
    once per request (the view and the page's session clock both ask)."""
    if "applicant_case_id" not in g:
        g.applicant_case_id = _checked_case_id()
    return g.applicant_case_id


def _checked_case_id() -> int | None:
    held = session.get(APPLICANT_KEY)
    if not isinstance(held, dict):
        return None
    case_id, generation, sessions, since, seen = (held.get(key) for key in ("case", "generation", "sessions", "since",
                                                                             "seen"))
    if not all(isinstance(value, int) for value in (case_id, generation, sessions, since, seen)):
        leave()
        return None
    now = int(clock.now().timestamp())
    idle = idle_seconds()
    if now - seen > idle or now - since > MAX_MINUTES * 60:
        leave()
        return None
    record = code_of(case_id)
    if record is None or record.generation != generation:  # renewed since: the old code's sessions end
        leave()
        return None
    if record.session_generation != sessions:  # the applicant left since (here or on another device)
        leave()
        return None
    if now - seen >= SEEN_RESOLUTION:
        session[APPLICANT_KEY] = {**held, "seen": now}
    return case_id


def idle_seconds() -> int:
    """How long a status session lasts without a request."""
    return int(current_app.config["STATUS_SESSION_MINUTES"] * 60)


def renew() -> int:
    """The applicant asked to stay (the page's session clock): the idle time starts again; the two hours since
    entry do not. Returns the idle time's length."""
    held = session.get(APPLICANT_KEY)
    if isinstance(held, dict):
        session[APPLICANT_KEY] = {**held, "seen": int(clock.now().timestamp())}
    return idle_seconds()


def time_left() -> tuple[int, int, int] | None:
    """(idle period, seconds left of it, seconds left before the session ends in any case) of this browser's valid
    session, or None."""
    if current_case_id() is None:
        return None
    held = session[APPLICANT_KEY]
    now = int(clock.now().timestamp())
    idle = idle_seconds()
    return idle, max(idle - (now - held["seen"]), 0), max(MAX_MINUTES * 60 - (now - held["since"]), 0)


def held() -> bool:
    """Whether this browser holds an applicant session, valid or not (to say that it ended)."""
    return APPLICANT_KEY in session
