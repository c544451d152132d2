"""The invitation e-mail: a one-time link to set the first password. In both languages (the invitee has not chosen
one yet); it names the organisation, never the invitee.

Written into the outbox in the transaction that creates the invitation (``with_invitation_mail`` wraps the
inviting verb inside the unit of work): a refused invitation writes nothing, a committed one is delivered even if
Redis or the mail server is down right now. The link holds the token, which the database otherwise keeps only as a
hash: the row is marked ``secret`` and its body is emptied once the mail is sent."""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from tracker import clock
from tracker.auth.invitations import open_invitation
from tracker.notifications.events import Mail
from tracker.notifications.outbox import queue_mail

SUBJECT = "Einladung / Invitation – Fallverfolgung Fachkräfteeinwanderung"


def with_invitation_mail(verb: Callable, *args, **kwargs):
    """Run an inviting verb (returning ``(user, token)``) and write its mail into the same transaction."""
    user, token = verb(*args, **kwargs)
    queue_invitation(user, token)
    return user, token


def queue_invitation(user, token: str) -> None:
    invitation = open_invitation(token)
    if invitation is None:  # cannot happen inside the inviting transaction; nothing worth sending otherwise
        return
    link = current_app.config["BASE_URL"] + f"/invitation/{token}"
    until = clock.berlin_date(invitation.expires_at)
    organisation = user.employer.name if user.employer else ""
    body = (
        f"Guten Tag,\n\nSie wurden eingeladen, die Fälle von {organisation} im Fallverfolgungssystem "
        f"Fachkräfteeinwanderung Thüringen zu verfolgen. Bitte legen Sie über diesen Link Ihr Passwort fest "
        f"(gültig bis {until:%d.%m.%Y}, nur einmal verwendbar):\n\n{link}\n\n"
        "Wenn Sie diese Einladung nicht erwartet haben, ignorieren Sie diese E-Mail.\n\n"
        "---\n\n"
        f"Hello,\n\nyou have been invited to follow the cases of {organisation} in the Thuringian skilled "
        f"immigration case tracker. Please set your password with this link (valid until {until:%-d %b %Y}, "
        f"usable once):\n\n{link}\n\nIf you did not expect this invitation, ignore this e-mail.\n"
    )
    queue_mail(Mail(key=f"invitation:{invitation.id}", kind="invitation", address=user.email,
                    language=user.locale or "de", subject=SUBJECT, body=body, user_id=user.id, secret=True))
