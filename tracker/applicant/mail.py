"""The e-mail with the access code and the signed link: the one place this feature sends mail. Written into the
outbox in the unit of work that issues the code (a refused or rolled-back issue sends nothing; a committed one is
delivered even if the mail server is down at that moment), marked secret so the body is emptied once sent. In the
applicant's language; names the first name and the reference, nothing else about the person or the case."""
from __future__ import annotations

from flask import current_app, url_for

from tracker.applicant.codes import Issued, grouped, link_token
from tracker.notifications.events import Mail
from tracker.notifications.outbox import queue_mail


def queue_access_code_mail(issued: Issued) -> bool:
    """Queue the code and a signed link for the applicant, if an address is on file. Returns whether it was."""
    person = issued.case.applicant
    if not (person.email or "").strip():
        return False
    link = current_app.config["BASE_URL"] + url_for(
        "applicant.link", t=link_token(issued.case.id, issued.generation))
    days = current_app.config["STATUS_LINK_DAYS"]
    reference, code = issued.case.reference, grouped(issued.code)
    if person.preferred_language == "en":
        subject = f"Your case {reference}: access to the status page"
        body = ("Hello,\n\n"
                "you can see where your case stands at any time on our status page.\n\n"
                f"Open this link (valid for {days} days):\n{link}\n\n"
                f"Or go to {current_app.config['BASE_URL']}/status and enter\n"
                f"  Reference: {reference}\n  Access code: {code}\n\n"
                "If we send you a new code, this one stops working.\n"
                "Please do not pass the code on. If you did not expect this e-mail, ignore it.\n")
    else:
        subject = f"Ihr Verfahren {reference}: Zugang zur Statusseite"
        body = ("Guten Tag,\n\n"
                "auf unserer Statusseite sehen Sie jederzeit, wie weit Ihr Verfahren ist.\n\n"
                f"Öffnen Sie diesen Link (gültig für {days} Tage):\n{link}\n\n"
                f"Oder gehen Sie auf {current_app.config['BASE_URL']}/status und geben Sie ein:\n"
                f"  Aktenzeichen: {reference}\n  Zugangscode: {code}\n\n"
                "Wenn wir Ihnen einen neuen Code schicken, gilt dieser nicht mehr.\n"
                "Bitte geben Sie den Code nicht weiter. Wenn Sie diese E-Mail nicht erwartet haben, ignorieren "
                "Sie sie.\n")
    language = "en" if person.preferred_language == "en" else "de"
    queue_mail(Mail(key=f"access-code:{issued.case.id}:{issued.generation}", kind="access_code",
                    address=person.email.strip(), language=language, subject=subject, body=body,
                    case_id=issued.case.id, secret=True))
    return True
