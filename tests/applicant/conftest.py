"""Fixtures of the applicant's status page: a recognition case of an applicant with an e-mail address, at an office
with its contact, and a way to issue its access code as the clerk does (through the service verb)."""
from __future__ import annotations

import re

import pytest

from tests.addressed import applicant, case, office  # noqa: F401  (fixtures)
from tests.test_i18n import compiled_catalog  # noqa: F401  (autouse: the English texts compiled, as `make test` does)
from tracker.applicant import codes
from tracker.cases import service
from tracker.cases.models import Case
from tracker.extensions import db

REFUSED = "Aktenzeichen oder Zugangscode stimmen nicht. Bitte prüfen Sie beide Angaben."


def step(case, transition_id, actor, **inputs):
    service.apply_transition(case, transition_id, actor, inputs)
    db.session.commit()


def fresh(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def issue(case, clerk) -> codes.Issued:
    issued = codes.issue_code(fresh(case), clerk)
    db.session.commit()
    return issued


def enter(client, reference, code, **kwargs):
    return client.post("/status", data={"reference": reference, "code": code}, **kwargs)


def text(response) -> str:
    body = response.get_data(as_text=True)
    body = body.split('<main id="main" tabindex="-1">')[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


@pytest.fixture
def outbox(app, tmp_path):
    """Mails written as .eml files (no MAIL_SERVER): the folder, emptied for the test."""
    before = app.config["MAIL_OUTBOX_DIR"], app.config.get("MAIL_SERVER")
    app.config["MAIL_OUTBOX_DIR"], app.config["MAIL_SERVER"] = str(tmp_path / "outbox"), None
    yield tmp_path / "outbox"
    app.config["MAIL_OUTBOX_DIR"], app.config["MAIL_SERVER"] = before
