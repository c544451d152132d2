"""The e-mail with the access code and the signed link: the one place this feature sends mail (the outbox will
route it). Called after the commit that issued the code; in the applicant's language; names the first name and
the reference, nothing else about the person or the case."""
from __future__ import annotations

from flask import current_app, url_for

from tracker.applicant.codes import Issued, grouped, link_token
from tracker.applicant.page import first_name
from tracker.notifications.mail import send


def send_access_code(issued: Issued) -> bool:
    """Mail the code and a signed link to the applicant, if an address is on file. Returns whether it was sent."""
    person = issued.case.applicant
    if not (person.email or "").strip():
        return False
    link = current_app.config["BASE_URL"] + url_for(
        "applicant.link", t=link_token(issued.case.id, issued.generation))
    days = current_app.config["STATUS_LINK_DAYS"]
    name, reference, code = first_name(person.given_names), issued.case.reference, grouped(issued.code)
    if person.preferred_language == "en":
        subject = f"Your case {reference}: access to the status page"
        body = (f"Hello {name},\n\nyou can see where your case stands at any time on our status page.\n\n"
                f"Open this link (valid for {days} days):\n{link}\n\n"
                f"Or go to {current_app.config['BASE_URL']}/status and enter\n"
                f"  Reference: {reference}\n  Access code: {code}\n\n"
                "If we send you a new code, this one stops working.\n"
                "Please do not pass the code on. If you did not expect this e-mail, ignore it.\n")
    else:
        subject = f"Ihr Verfahren {reference}: Zugang zur Statusseite"
        body = (f"Guten Tag {name},\n\nauf unserer Statusseite sehen Sie jederzeit, wie weit Ihr Verfahren ist.\n\n"
                f"Öffnen Sie diesen Link (gültig für {days} Tage):\n{link}\n\n"
                f"Oder gehen Sie auf {current_app.config['BASE_URL']}/status und geben Sie ein:\n"
                f"  Aktenzeichen: {reference}\n  Zugangscode: {code}\n\n"
                "Wenn wir Ihnen einen neuen Code schicken, gilt dieser nicht mehr.\n"
                "Bitte geben Sie den Code nicht weiter. Wenn Sie diese E-Mail nicht erwartet haben, ignorieren "
                "Sie sie.\n")
    send(person.email.strip(), subject, body)
    return True
