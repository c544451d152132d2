"""The session clock a page carries, so that a session never ends unannounced (WCAG 2.1 success criterion 2.2.1,
*Timing Adjustable*, required by BITV 2.0: the user is warned before a time limit ends and can extend it with one
action, with at least 20 seconds to do so).

Every door that opens a session (the staff login in ``tracker.web``, the applicant's status session in
``tracker.applicant``) registers a *provider*: a function that tells, for the current request, how long its session
lasts without a request and how long until it ends whatever happens; None when the request holds no such session.
``base.html`` renders the first clock a provider gives into the page, and ``static/session-clock.js`` counts it
down in the browser: it warns two minutes before the end, renews the session from a button (and quietly while the
user types into a form), and when the session has ended anyway it keeps what was typed in this browser tab and puts
it back on the same page after the new login."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlsplit

from flask import Flask, current_app, request

#: The warning comes this long before the session ends (shorter for sessions of a few minutes, in tests).
WARN_BEFORE_SECONDS = 120
#: While the user types, the session is renewed at most this often (less for short sessions).
RENEW_WHILE_TYPING_SECONDS = 300


@dataclass(frozen=True)
class SessionClock:
    #: "staff" for every login (clerks, employers, advisors), "applicant" for the status page's session
    kind: str
    #: seconds a session lasts without a request (what a renewal gives)
    idle: int
    #: seconds left, now, before the session ends for lack of requests
    idle_left: int
    #: seconds left before the session ends whatever happens (cannot be extended)
    hard_left: int
    #: the session's longest life, in minutes, for the page to say so
    hard_minutes: int
    #: POST here (with the CSRF token) renews the session
    renew_url: str
    #: where to start a new session, coming back to this page
    again_url: str
    #: the address that shows this page again (``page_address``): what was typed is put back there
    page: str | None
    #: whose session it is (a user's or an applicant session's id): what was typed is given back only to them
    owner: str

    @property
    def warn_before(self) -> int:
        return min(WARN_BEFORE_SECONDS, max(self.idle // 3, 1))

    @property
    def renew_every(self) -> int:
        return min(RENEW_WHILE_TYPING_SECONDS, max(self.idle // 3, 1))


Provider = Callable[[], "SessionClock | None"]


def register(app: Flask, provider: Provider, *, first: bool = False) -> None:
    """Add a door's clock; the first provider that finds its session for a request is the page's clock. ``first``:
    asked before the others (the applicant's session on its own pages, where a staff login in the same browser
    is not what the page uses)."""
    providers = app.extensions.setdefault("session_clock_providers", [])
    providers.insert(0, provider) if first else providers.append(provider)
    app.jinja_env.globals["session_clock"] = page_clock


def page_clock() -> SessionClock | None:
    for provider in current_app.extensions.get("session_clock_providers", ()):
        found = provider()
        if found is not None:
            return found
    return None


def page_address() -> str | None:
    """The local address (path and query) that shows this page again: the request's own for a GET; for a form
    answered on the address it was sent to (a refusal), the page it was sent from, when the referrer is ours."""
    if request.method == "GET":
        return request.full_path.removesuffix("?")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or not referrer.path.startswith("/"):
        return None
    return referrer.path + (f"?{referrer.query}" if referrer.query else "")
