"""The password policy (NIST SP 800-63B, BSI IT-Grundschutz ORP.4): long enough, not a commonly used password, no
composition rules (they make passwords harder to remember, not to guess). Used wherever a password is set."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from tracker.procedures.definition import LocalText

MIN_LENGTH = 12
#: Hashing a megabyte-long "password" costs the server, not the attacker.
MAX_LENGTH = 256
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, *, email: str = "", name: str = "") -> list[LocalText]:
    """What is wrong with ``password`` (empty: it may be used)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(LocalText(f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein.",
                                  f"The password must be at least {MIN_LENGTH} characters long."))
    elif len(password) > MAX_LENGTH:
        problems.append(LocalText(f"Das Passwort darf höchstens {MAX_LENGTH} Zeichen lang sein.",
                                  f"The password must be at most {MAX_LENGTH} characters long."))
    folded = password.strip().casefold()
    personal = {value.strip().casefold() for value in (email, email.split("@")[0], name) if value.strip()}
    if folded in common_passwords() or folded in personal:
        problems.append(LocalText("Dieses Passwort ist zu verbreitet oder zu leicht zu erraten. Bitte wählen Sie "
                                  "ein anderes, z. B. einen Satz aus mehreren Wörtern.",
                                  "This password is too common or too easy to guess. Please choose another, "
                                  "for example a sentence of several words."))
    if any(ord(char) < 32 or ord(char) == 127 for char in password):
        problems.append(LocalText("Das Passwort enthält Steuerzeichen.", "The password contains control characters."))
    return problems
