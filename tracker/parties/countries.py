"""One name per state for nationality and the country of training, so that the reports and the official statistics
(§ 17 BQFG) count "Türkei", "türkei", "TR" and the English "Türkiye" as one state.

The names come from the CLDR data that Babel ships (nothing is loaded from the network): the ISO 3166 states and
territories, plus Kosovo, which German authorities list as a state. Stored is the German name, the files' language;
typed may be the German or the English name or the two-letter ISO code, in any case and spacing. A nationality may
also be "staatenlos" (stateless) or "ungeklärt" (undetermined), as the German registers record them."""
from __future__ import annotations

import functools
import unicodedata

from babel import Locale

#: CLDR regions that are no state or territory of their own (and Babel's pseudo-locales).
NOT_STATES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})
STATELESS = "staatenlos"
UNDETERMINED = "ungeklärt"
#: What a nationality may be besides a state, with the words accepted for each in both languages.
NATIONALITY_ONLY = {STATELESS: ("staatenlos", "stateless"),
                    UNDETERMINED: ("ungeklärt", "ungeklaert", "undetermined", "unknown", "unbekannt")}
NATIONALITY_ONLY_EN = {STATELESS: "stateless", UNDETERMINED: "undetermined"}


@functools.cache
def _territories(lang: str) -> dict[str, str]:
    """CLDR's region names in German ("de") or English ("en")."""
    return Locale(lang).territories


@functools.cache
def _codes() -> tuple[str, ...]:
    return tuple(code for code in _territories("de") if len(code) == 2 and code.isalpha() and code.isupper()
                 and code not in NOT_STATES)


def _key(text: str) -> str:
    """How a typed name is compared: case, accents, spacing, hyphens and the apostrophe's form do not matter."""
    folded = unicodedata.normalize("NFKD", text.replace("’", "'")).casefold()
    return " ".join("".join(char for char in folded if not unicodedata.combining(char)).replace("-", " ").split())


@functools.cache
def _canonical_by_key() -> dict[str, str]:
    german, english = _territories("de"), _territories("en")
    found: dict[str, str] = {}
    for code in _codes():
        for spelling in (code, german[code], english[code]):
            found.setdefault(_key(spelling), german[code])
    return found


def state(typed: str | None) -> str | None:
    """The stored (German) name of the state ``typed`` names, or None when it names none."""
    return _canonical_by_key().get(_key(typed or "")) if (typed or "").strip() else None


@functools.cache
def _nationality_only_by_key() -> dict[str, str]:
    return {_key(word): stored for stored, words in NATIONALITY_ONLY.items() for word in words}


def nationality(typed: str | None) -> str | None:
    """As ``state``, and "staatenlos" or "ungeklärt" (either language)."""
    return _nationality_only_by_key().get(_key(typed or "")) or state(typed)


@functools.cache
def names(lang: str, *, for_nationality: bool = False) -> tuple[str, ...]:
    """The names offered while typing, in the page's language, in alphabetical order (umlauts with their vowel)."""
    territories = _territories("en" if lang == "en" else "de")
    offered = [territories[code] for code in _codes()]
    if for_nationality:
        offered += [NATIONALITY_ONLY_EN[word] if lang == "en" else word for word in NATIONALITY_ONLY]
    return tuple(sorted(offered, key=_key))


@functools.cache
def _code_by_german_name() -> dict[str, str]:
    german = _territories("de")
    return {german[code]: code for code in _codes()}


def display_name(stored: str | None, lang: str) -> str:
    """A stored name as the page's language writes it ("Türkei" on an English page: "Türkiye"); a value from before
    the list (migration 0028 left what names no state) as it was typed."""
    stored = stored or ""
    if lang != "en":
        return stored
    if stored in NATIONALITY_ONLY_EN:
        return NATIONALITY_ONLY_EN[stored]
    code = _code_by_german_name().get(stored)
    return _territories("en")[code] if code else stored
