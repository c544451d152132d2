"""What typed text may contain, one rule for every door (forms, the edge's path and query check, the API's schemas,
the applicant's messages).

Refused: control characters other than tab and line breaks (NUL above all: PostgreSQL cannot store it in text),
and the bidirectional embedding, override and isolate characters (U+202A–U+202E, U+2066–U+2069). Those draw the
text around them in another order than it is stored ("Trojan Source"): a name or a message could show a clerk
something else than it says. Nobody types them in a name or a letter; the right-to-left text of Arabic or Hebrew
needs none of them (the marks U+200E/U+200F stay allowed)."""
from __future__ import annotations

import re

#: The refused characters as a regular-expression class body: valid for Python's ``re`` and for the ECMA-262
#: patterns of JSON Schema (the API).
REFUSED_CHARACTER_RANGES = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069"

REFUSED_CHARACTERS = re.compile(f"[{REFUSED_CHARACTER_RANGES}]")


def has_refused_characters(value: str) -> bool:
    return REFUSED_CHARACTERS.search(value) is not None
