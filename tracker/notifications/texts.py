"""The e-mail texts, German and English side by side (``LocalText``): each recipient gets one language, German
unless they chose English (employer users: their account's language; applicants: ``preferred_language``, where
any language other than German gets English, the structure being ready for more).

What a message may name: the recipient's first name, the case reference, the procedure's own words (state, timer
and document titles from the definition) and dates. Never another person's name, never the content of a message
or document: the link leads to the page that shows them after login (or the status page for applicants)."""
from __future__ import annotations

from tracker.procedures.definition import LocalText

FOOTER = LocalText(
    "\n\nDiese Nachricht wurde automatisch vom Fallverfolgungssystem Fachkräfteeinwanderung Thüringen versandt. "
    "Bitte antworten Sie nicht auf diese E-Mail.",
    "\n\nThis message was sent automatically by the Thuringian skilled immigration case tracker. Please do not "
    "reply to this e-mail.")

#: Formal address as an authority writes it without a known form of address ("Frau", "Herr"): "Guten Tag" and the
#: full name, never the first given name alone (too familiar, and often not the name a person is called by).
GREETING = LocalText("Guten Tag {name},\n\n", "Hello {name},\n\n")
GREETING_PLAIN = LocalText("Guten Tag,\n\n", "Hello,\n\n")

STATE_CHANGED = (
    LocalText("Ihr Verfahren {reference}: neuer Stand", "Your case {reference}: new status"),
    LocalText("der Stand des Verfahrens {reference} hat sich geändert: {state}.\n\n{text}Einzelheiten finden Sie "
              "hier:\n{link}",
              "the status of case {reference} has changed: {state}.\n\n{text}You find the details here:\n{link}"),
)
DOCUMENTS_REQUESTED = (
    LocalText("Ihr Verfahren {reference}: Unterlagen benötigt", "Your case {reference}: documents needed"),
    LocalText("für das Verfahren {reference} benötigen wir noch: {documents}.{until}\n\nEinzelheiten und die "
              "Möglichkeit zum Hochladen finden Sie hier:\n{link}",
              "for case {reference} we still need: {documents}.{until}\n\nYou find the details and can upload "
              "them here:\n{link}"),
)
NEEDED = LocalText("Wir benötigen noch: {documents}.{until}\n\n", "We still need: {documents}.{until}\n\n")
UNTIL = LocalText(" Bitte reichen Sie sie bis zum {date} ein.", " Please send them by {date}.")
DEADLINE_REMINDER = (
    LocalText("Erinnerung: Frist im Verfahren {reference}", "Reminder: deadline in case {reference}"),
    LocalText("im Verfahren {reference} endet bald eine Frist, die Sie betrifft: {timer}, bis zum {date}.\n\n"
              "Einzelheiten finden Sie hier:\n{link}",
              "a deadline in case {reference} that concerns you ends soon: {timer}, by {date}.\n\nYou find the "
              "details here:\n{link}"),
)
NEW_MESSAGE = (
    LocalText("Ihr Verfahren {reference}: neue Nachricht", "Your case {reference}: new message"),
    LocalText("im Verfahren {reference} gibt es eine neue Nachricht für Sie. Sie können sie hier lesen:\n{link}",
              "there is a new message for you in case {reference}. You can read it here:\n{link}"),
)
GENERIC = (
    LocalText("Ihr Verfahren {reference}: Neuigkeiten", "Your case {reference}: news"),
    LocalText("im Verfahren {reference} gibt es Neuigkeiten. Einzelheiten finden Sie hier:\n{link}",
              "there is news in case {reference}. You find the details here:\n{link}"),
)

# For staff.
CLERK_WARNING = (
    LocalText("[{reference}] Frist bald fällig: {timer} ({date})", "[{reference}] Deadline due soon: {timer} ({date})"),
    LocalText("im Fall {reference} endet die Frist „{timer}“ am {date}.\n\n{link}",
              "in case {reference} the deadline \"{timer}\" ends on {date}.\n\n{link}"),
)
CLERK_BREACH = (
    LocalText("[{reference}] Frist überschritten: {timer} ({date})",
              "[{reference}] Deadline breached: {timer} ({date})"),
    LocalText("im Fall {reference} ist die Frist „{timer}“ am {date} abgelaufen, ohne dass der Schritt erfasst "
              "wurde.\n\n{link}",
              "in case {reference} the deadline \"{timer}\" ended on {date} without the step being recorded.\n\n"
              "{link}"),
)
CLERK_FICTION = (
    LocalText("[{reference}] Fiktion eingetreten: {state}", "[{reference}] Legal fiction took effect: {state}"),
    LocalText("im Fall {reference} ist die gesetzliche Fiktion eingetreten; der Fall steht jetzt auf „{state}“."
              "\n\n{link}",
              "in case {reference} the legal fiction took effect; the case is now \"{state}\".\n\n{link}"),
)
CLERK_PORTAL_REQUEST = (
    LocalText("[{reference}] Neuer Antrag über das Portal: beschleunigtes Fachkräfteverfahren",
              "[{reference}] New request through the portal: accelerated skilled-worker procedure"),
    LocalText("{employer} hat über das Portal das beschleunigte Fachkräfteverfahren (§ 81a AufenthG) beantragt. Der "
              "Fall {reference} ist angelegt und noch niemandem zugewiesen; die Vollmacht der Fachkraft hat der "
              "Arbeitgeber erklärt, bitte prüfen Sie sie mit der Vereinbarung.\n\n{link}",
              "{employer} has requested the accelerated skilled-worker procedure (section 81a AufenthG) through the "
              "portal. Case {reference} is open and not yet assigned; the employer declared the worker's power of "
              "attorney, please check it with the agreement.\n\n{link}"),
)
CLERK_PARENT_ENDED = (
    LocalText("[{reference}] Fachkräfteverfahren {parent} beendet: {ended_as}",
              "[{reference}] Skilled-worker procedure {parent} ended: {ended_as}"),
    LocalText("das beschleunigte Fachkräfteverfahren {parent} (§ 81a AufenthG), in dem die Ausländerbehörde die "
              "Anerkennung {reference} eingeleitet hat, ist seit dem {date} beendet: {ended_as}. Die Beschleunigung nach "
              "§ 14a BQFG gilt nur in diesem Verfahren. Bitte klären Sie mit der antragstellenden Person, ob der "
              "Antrag auf Anerkennung weiterlaufen soll.\n\n{link}",
              "the accelerated skilled-worker procedure {parent} (section 81a AufenthG), in which the immigration "
              "office started the recognition {reference}, ended on {date}: {ended_as}. The acceleration under "
              "section 14a BQFG applies only within that procedure. Please clarify with the applicant whether the "
              "application for recognition is to go on.\n\n{link}"),
)

DIGEST = (
    LocalText("Tagesübersicht {day}: {office}", "Daily digest {day}: {office}"),
    LocalText("Ihre Übersicht für {office} vom {day}:\n\n{sections}", "Your digest for {office} of {day}:\n\n"
                                                                      "{sections}"),
)
DIGEST_SECTIONS = {
    "timer_breached": LocalText("Fristüberschreitungen", "Deadlines breached"),
    "timer_warning": LocalText("Fristen bald fällig", "Deadlines due soon"),
    "document_uploaded": LocalText("Neue Unterlagen", "New documents"),
    "message": LocalText("Neue Nachrichten", "New messages"),
}


def date_text(day, language: str) -> str:
    return f"{day:%d.%m.%Y}" if language != "en" else f"{day:%-d %b %Y}"
