"""Access codes and signed links: how an applicant without an account reaches their one case.

The code is made with ``secrets`` and kept only as a salted slow hash (``AccessCode``); the clear code exists in the
request that issued it and nowhere else: on the letter printed in that request and in the e-mail sent after its
commit. The signed link carries the case id and the code's generation, signed with ``SECRET_KEY`` and dated, never
the code. Renewing the code bumps the generation: the old code, its links and the sessions opened with them stop
working together."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from functools import lru_cache

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker import clock
from tracker.applicant.models import AccessCode
from tracker.audit.models import EventKind
from tracker.audit.service import append_event
from tracker.cases.access import can_act_on_case
from tracker.cases.models import Case
from tracker.cases.service import (
    ACCESS_MESSAGE,
    AccessDenied,
    check_version,
    flush_or_conflict,
    require_not_erased,
)
from tracker.extensions import db

#: No letters or digits that read alike on paper (0/O, 1/I/L, 5/S, 2/Z, 8/B).
ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
#: 10 characters of 25: about 46 bits, far beyond what the throttled form lets anyone try, and a slow hash besides.
LENGTH = 10
GROUP = 5
LINK_SALT = "applicant-status-link"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def grouped(code: str) -> str:
    """ABCDE-FGHJK: easier to read out and to type from paper."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def normalise_code(typed: str) -> str:
    """What the applicant typed, as the code is kept: capitals, without the spaces and dashes of the grouping."""
    return "".join(char for char in (typed or "").upper() if char.isalnum())[:64]


def normalise_reference(typed: str) -> str:
    return "".join((typed or "").split()).upper()[:40]


@dataclass
class Issued:
    """A freshly issued code: ``code`` is in clear only in this object, for the letter and the e-mail."""

    case: Case
    code: str
    generation: int


def issue_code(case: Case, actor, *, expected_version: int | None = None) -> Issued:
    """Issue (or renew) the case's access code. Staff of the office holding the case only. The audit event names
    the generation, never the code; the previous code stops working with this unit of work's commit."""
    check_version(case, expected_version)
    if not actor.is_staff or not can_act_on_case(actor, case):
        raise AccessDenied([ACCESS_MESSAGE])
    require_not_erased(case)
    code = new_code()
    record = db.session.scalar(select(AccessCode).where(AccessCode.case_id == case.id).with_for_update())
    if record is None:
        record = AccessCode(case_id=case.id, generation=1)
        db.session.add(record)
        renewed = False
    else:
        record.generation += 1
        renewed = True
    record.code_hash = generate_password_hash(code)
    record.issued_at = clock.now()
    record.issued_by_id = actor.id
    append_event(case, EventKind.ACCESS_CODE_ISSUED, actor,
                 data={"generation": record.generation, "renewed": renewed})
    flush_or_conflict()
    return Issued(case, code, record.generation)


def code_of(case_id: int) -> AccessCode | None:
    return db.session.scalar(select(AccessCode).where(AccessCode.case_id == case_id))


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash(new_code())


def admit(reference: str, typed_code: str) -> AccessCode | None:
    """The access code row when ``reference`` names a case whose current code is ``typed_code``; else None. One
    slow hash check whatever was wrong (unknown reference, no code issued, wrong code): the time says nothing."""
    reference, code = normalise_reference(reference), normalise_code(typed_code)
    record = db.session.execute(
        select(AccessCode).join(Case, Case.id == AccessCode.case_id).where(Case.reference == reference)
    ).scalar_one_or_none()
    if record is None:
        check_password_hash(_dummy_hash(), code)
        return None
    return record if check_password_hash(record.code_hash, code) else None


# --- signed links -------------------------------------------------------------------------------------------

class _ClockSigner(TimestampSigner):
    """Dates links by the tracker's clock (``tracker.clock``), like every other date of the app."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT, signer=_ClockSigner)


def link_token(case_id: int, generation: int) -> str:
    return _serializer().dumps({"case": case_id, "generation": generation})


def admit_link(token: str) -> AccessCode | None:
    """The access code row a signed link opens: signature right, not older than ``STATUS_LINK_DAYS``, and made for
    the case's current code (a renewal ends older links)."""
    try:
        data = _serializer().loads(token or "", max_age=current_app.config["STATUS_LINK_DAYS"] * 86400)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("case"), int) or not isinstance(
            data.get("generation"), int):
        return None
    record = code_of(data["case"])
    return record if record is not None and record.generation == data["generation"] else None


def pseudonym(text: str) -> str:
    """A short keyed digest to log instead of a typed reference: the same reference reads the same in the logs
    (guessing shows), but the log does not say which case (references follow a guessable pattern)."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, normalise_reference(text).encode("utf-8", "replace"), hashlib.sha256).hexdigest()[:12]
