"""The invitation e-mail: a one-time link to set the first password. In both languages (the invitee has not chosen
one yet); it names the organisation, never the invitee.

Written into the outbox in the transaction that creates the invitation (``with_invitation_mail`` wraps the
inviting verb inside the unit of work): a refused invitation writes nothing, a committed one is delivered even if
Redis or the mail server is down right now. The link holds the token, which the database otherwise keeps only as a
hash: the row is marked ``secret`` and its body is emptied once the mail is sent."""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from tracker import clock
from tracker.auth.invitations import AddressTaken, invite_colleague, is_colleague, open_invitation
from tracker.extensions import db
from tracker.notifications.events import Mail
from tracker.notifications.models import OutboxMessage
from tracker.notifications.outbox import queue_mail

SUBJECT = "Einladung / Invitation – Fallverfolgung Fachkräfteeinwanderung"


def with_invitation_mail(verb: Callable, *args, **kwargs):
    """Run an inviting verb (returning ``(user, token)``) and write its mail into the same transaction."""
    user, token = verb(*args, **kwargs)
    queue_invitation(user, token)
    return user, token


def invite_colleague_quietly(admin, *, email: str, name: str):
    """An employer administrator's invitation (``invite_colleague``) that does not tell whether an address outside
    the organisation has an account: for such an address the answer is the same as for a new one, and the owner of
    the address gets a mail saying their account exists (no link; nothing changes). Returns ``(user, token)``, or
    ``(None, None)`` when the address belonged to such an account. A colleague's address is refused openly: the
    team page lists the colleagues anyway."""
    try:
        return with_invitation_mail(invite_colleague, admin, email=email, name=name)
    except AddressTaken as taken:
        if is_colleague(admin, taken.account):
            raise
        if not _told_lately(taken.account):
            queue_account_exists(taken.account, admin.employer.name if admin.employer else "")
        return None, None


def _told_lately(account) -> bool:
    """The owner of an existing account hears of attempts to invite it at most once a day: invitations of
    addresses that have an account make no invitation row, so the administrator's daily limit does not count
    them."""
    return db.session.scalar(select(OutboxMessage.id).where(
        OutboxMessage.dedupe_key.startswith(f"account-exists:{account.id}:", autoescape=True),
        OutboxMessage.created_at > clock.now() - timedelta(days=1)).limit(1)) is not None


def queue_account_exists(account, organisation: str) -> None:
    """Tell the owner of an address that an organisation tried to invite it, and that it has an account already."""
    body = (
        f"Guten Tag,\n\n{organisation} wollte Sie in das Fallverfolgungssystem Fachkräfteeinwanderung Thüringen "
        "einladen. Für Ihre E-Mail-Adresse gibt es dort schon ein Konto: Sie melden sich damit an wie bisher; an "
        "Ihrem Konto ändert die Einladung nichts. Ein Konto gehört zu einer Organisation. Sollen Sie die Fälle von "
        f"{organisation} verfolgen, wenden Sie sich bitte an die Person, die Sie eingeladen hat.\n\n"
        "Wenn Sie diese Nachricht nicht erwartet haben, ignorieren Sie diese E-Mail.\n\n"
        "---\n\n"
        f"Hello,\n\n{organisation} tried to invite you to the Thuringian skilled immigration case tracker. Your "
        "e-mail address already has an account there: you log in with it as before; the invitation changes nothing "
        "about it. An account belongs to one organisation. If you are to follow the cases of "
        f"{organisation}, please contact the person who invited you.\n\n"
        "If you did not expect this message, ignore this e-mail.\n"
    )
    queue_mail(Mail(key=f"account-exists:{account.id}:{secrets.token_hex(8)}", kind="invitation",
                    address=account.email, language=account.locale or "de", subject=SUBJECT, body=body,
                    user_id=account.id))


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
