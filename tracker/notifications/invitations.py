"""The invitation e-mail: a one-time link to set the first password. In both languages (the invitee has not chosen
one yet); it names the organisation, never the invitee. Sent after the commit that created the invitation."""
from __future__ import annotations

from flask import current_app, url_for

from tracker import clock
from tracker.auth.invitations import open_invitation
from tracker.notifications.mail import send


def send_invitation(user, token: str) -> None:
    invitation = open_invitation(token)
    if invitation is None:  # spent or expired between commit and mail: nothing worth sending
        return
    link = current_app.config["BASE_URL"] + url_for("invitation.accept", token=token)
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
    send(user.email, "Einladung / Invitation – Fallverfolgung Fachkräfteeinwanderung", body)
