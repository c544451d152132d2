"""Words for the vocabularies, in German and English, spelled once for every page, form, letter and timeline."""
from __future__ import annotations

import re

from .definition import LocalText
from .vocabulary import DocumentStatus, LetterKind, Role

DOCUMENT_STATUS = {
    DocumentStatus.MISSING: LocalText("fehlt", "missing"),
    DocumentStatus.REQUESTED: LocalText("angefordert", "requested"),
    DocumentStatus.RECEIVED: LocalText("eingegangen", "received"),
    DocumentStatus.ACCEPTED: LocalText("anerkannt", "accepted"),
    DocumentStatus.REJECTED: LocalText("abgelehnt", "rejected"),
}

ROLE = {
    Role.IMMIGRATION_CLERK: LocalText("Sachbearbeitung Ausländerbehörde", "Immigration office clerk"),
    Role.RECOGNITION_CLERK: LocalText("Sachbearbeitung Anerkennungsstelle", "Recognition body clerk"),
    Role.TEAM_LEAD: LocalText("Teamleitung", "Team lead"),
    Role.EMPLOYER: LocalText("Arbeitgeber", "Employer"),
    Role.ADVISOR: LocalText("Beratungsstelle", "Advisory service"),
    Role.ADMIN: LocalText("Administration", "Administrator"),
    Role.DATA_PROTECTION: LocalText("Datenschutz", "Data protection"),
    Role.SYSTEM: LocalText("System (automatisch)", "System (automatic)"),
}

LETTER_KIND = {
    LetterKind.RECEIPT: LocalText("Eingangsbestätigung", "Confirmation of receipt"),
    LetterKind.DOCUMENTS_REQUEST: LocalText("Anforderung fehlender Unterlagen", "Request for missing documents"),
    LetterKind.REFUSAL_WARNING: LocalText("Hinweis auf die Ablehnung mangels Mitwirkung",
                                          "Warning of refusal for lack of cooperation"),
    LetterKind.DECISION: LocalText("Bescheid", "Decision"),
    LetterKind.PRE_APPROVAL: LocalText("Vorabzustimmung (§ 81a Abs. 3 Nr. 6 AufenthG)",
                                       "Pre-approval (section 81a(3) no. 6 Residence Act)"),
}


def label(table: dict, value, lang: str) -> str:
    """The word for ``value`` in ``lang``; the raw value for anything the table does not know (old data)."""
    text = table.get(value)
    return text.get(lang) if text else str(value)


#: The words in the definitions' legal bases, for a page in the other language. The definitions cite sections as
#: written and name a few things in words, in one language: LAW.md open point 1's reading note ("mirrors BQFG –
#: verify", on ThürBQFG sections until their wording is checked) in English, the rest in German. A page shows them in
#: its language; the definitions (and so their versions, and the bases events recorded from them) stay as written.
_BASIS_WORDS = (
    LocalText("entspricht BQFG – zu prüfen", "mirrors BQFG – verify"),
    LocalText("Rücknahme des Antrags", "withdrawal of the application"),
    LocalText("(Antragsverfahren, ", "(procedure on application, "),
    LocalText("(Zustimmungsfiktion)", "(deemed approval)"),
    LocalText("(Vereinbarung)", "(agreement)"),
    LocalText("(Gebühr 411 €)", "(fee €411)"),
    LocalText("(Zeugnisbewertung)", "(statement of comparability)"),
    LocalText("(unverzüglich)", "(without undue delay)"),
)


#: A sentence and a number of a section in each language's citation ("S. 2", "Nr. 3" / "s. 2", "no. 3"): the
#: definitions write either, and a German page showed "§ 13(3) s. 3-5".
_CITATION_WORDS = {"de": ((re.compile(r"\bs\. (?=\d)"), "S. "), (re.compile(r"\bno\. (?=\d)"), "Nr. ")),
                   "en": ((re.compile(r"\bS\. (?=\d)"), "s. "), (re.compile(r"\bNr\. (?=\d)"), "no. "))}


def legal_basis(basis: str, lang: str) -> str:
    """A definition's legal basis as a page in ``lang`` shows it: the sections as written, the words in ``lang``."""
    for words in _BASIS_WORDS:
        basis = basis.replace(words.en if lang == "de" else words.de, words.get(lang))
    for pattern, word in _CITATION_WORDS.get(lang, ()):
        basis = pattern.sub(word, basis)
    return basis
