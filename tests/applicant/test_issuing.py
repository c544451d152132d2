"""The clerk issues and renews the code from the case file; the receipt letter carries it only on the copy printed
for dispatch (the kept letter holds a mark where the code goes: it is kept hashed only); the e-mail carries the code
and a signed link. Only staff of the office holding the case may issue it."""
from __future__ import annotations

import email
import re
import socket

from sqlalchemy import select

from tests.applicant.conftest import enter, fresh, step, text
from tracker.applicant.models import AccessCode
from tracker import clock
from tracker.extensions import db
from tracker.jobs.mail import pump_outbox
from tracker.letters.content import ACCESS_CODE_MARK
from tracker.letters.models import LetterRecord
from tracker.notifications.models import OutboxMessage, OutboxStatus

CODE = re.compile(r"\b[ACDEFGHJKMNPQRTUVWXY34679]{5}-[ACDEFGHJKMNPQRTUVWXY34679]{5}\b")


def test_the_clerk_issues_the_code_sees_it_once_and_the_applicant_gets_it_by_mail(client, login, case, clerk, outbox):
    login(clerk)
    show = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Zugangscode ausstellen" in show and "Noch kein Zugangscode ausgestellt." in show

    response = client.post(f"/cases/{case.id}/access-code", data={"version": str(case.version)})
    assert response.status_code == 200
    code = CODE.search(text(response)).group(0)
    assert "per E-Mail" in text(response)
    assert "Zugangscode ausgestellt am" in client.get(f"/cases/{case.id}").get_data(as_text=True)

    mails = list(outbox.glob("*.eml"))
    assert len(mails) == 1
    message = email.message_from_bytes(mails[0].read_bytes())
    body = message.get_payload(decode=True).decode()
    assert message["To"] == "anh@example.org" and case.reference in message["Subject"]
    assert code in body and body.startswith("Guten Tag,\n") and "Thị" not in body and "Nguyễn" not in body
    link = re.search(r"http://\S+/status/link\?t=\S+", body).group(0)
    assert code.replace("-", "") not in link

    client.post("/logout")
    assert enter(client, case.reference, code).status_code == 302
    client.post("/status/leave")
    assert client.get(link.split("tracker.test", 1)[-1].replace("http://127.0.0.1:5000", "")).status_code == 302
    assert "so steht Ihr Verfahren" in text(client.get("/status"))


def test_renewing_in_the_case_file_ends_the_old_code(client, login, case, clerk, outbox):
    login(clerk)
    first = CODE.search(text(client.post(f"/cases/{case.id}/access-code"))).group(0)
    renewed = client.post(f"/cases/{case.id}/access-code")
    second = CODE.search(text(renewed)).group(0)
    assert "Der bisherige Code und die bisherigen Links gelten nicht mehr." in text(renewed)
    client.post("/logout")
    assert enter(client, case.reference, first).status_code == 422
    assert enter(client, case.reference, second).status_code == 302


def test_a_stale_case_file_is_a_conflict_and_issues_nothing(client, login, case, clerk, outbox):
    login(clerk)
    response = client.post(f"/cases/{case.id}/access-code", data={"version": str(case.version - 1)})
    assert response.status_code == 409
    assert db.session.scalar(select(AccessCode).where(AccessCode.case_id == case.id)) is None
    assert not list(outbox.glob("*.eml"))


def test_only_staff_of_the_office_holding_the_case_issue_codes(client, login, case, make, outbox):
    other_office = make.office(name="Anerkennungsstelle Gera")
    login(make.user(office=other_office))
    assert client.post(f"/cases/{case.id}/access-code").status_code == 404  # not even that it exists
    client.post("/logout")
    employer = make.employer()
    login(make.user(role="employer", employer=employer))
    assert client.post(f"/cases/{case.id}/access-code").status_code == 403
    client.post("/logout")
    anonymous = client.post(f"/cases/{case.id}/access-code")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert db.session.scalar(select(AccessCode).where(AccessCode.case_id == case.id)) is None


def test_the_receipt_letter_carries_the_code_only_on_the_copy_printed_for_dispatch(client, login, case, clerk,
                                                                                   outbox):
    step(fresh(case), "confirm_receipt_incomplete", clerk, documents="diploma")
    record = db.session.scalar(select(LetterRecord).where(LetterRecord.case_id == case.id))
    assert ACCESS_CODE_MARK in str(record.content)  # kept with the mark, never with a code
    login(clerk)

    kept = text(client.get(f"/cases/{case.id}/letters/{record.id}"))
    assert "Statusseite" in kept and "steht nur auf dem versandten Original" in kept
    assert ACCESS_CODE_MARK not in kept and not CODE.search(kept)
    show = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Zum Versand drucken (mit neuem Zugangscode)" in show

    printed = client.post(f"/cases/{case.id}/access-code/letters/{record.id}")
    assert printed.status_code == 200
    # No link to the kept copy's PDF or other language: they hold the placeholder, not this code.
    assert f"/letters/{record.id}.pdf" not in printed.get_data(as_text=True)
    assert "Nur dieser Ausdruck enthält den neuen Zugangscode" in text(printed)
    code = CODE.search(text(printed)).group(0)
    assert f"Aktenzeichen {case.reference} und diesen Zugangscode ein: {code}" in text(printed)
    db.session.expire_all()
    assert code not in str(db.session.get(LetterRecord, record.id).content)  # still kept as it was
    english = client.post(f"/cases/{case.id}/access-code/letters/{record.id}?lang=en")
    assert "this access code there:" in text(english)

    client.post("/logout")
    assert enter(client, case.reference, code).status_code == 422  # the English print renewed it again
    assert enter(client, case.reference, CODE.search(text(english)).group(0)).status_code == 302


def test_only_the_first_receipt_letter_has_the_place_for_the_code(make, office, clerk, case):
    step(fresh(case), "confirm_receipt_incomplete", clerk, documents="diploma")
    for document in fresh(case).documents:
        document.status = "received"
    db.session.commit()
    step(fresh(case), "confirm_documents_complete", clerk)
    receipts = list(db.session.scalars(select(LetterRecord).where(LetterRecord.case_id == case.id,
                                                                  LetterRecord.kind == "receipt")
                                       .order_by(LetterRecord.number)))
    assert len(receipts) == 2
    assert ACCESS_CODE_MARK in str(receipts[0].content) and ACCESS_CODE_MARK not in str(receipts[1].content)


def test_when_the_mail_server_is_down_the_code_waits_in_the_outbox(client, login, case, clerk, app, outbox):
    """The mail with the code is written into the outbox with the code's issue: a mail server that refuses
    connections delays it, the code stands, and the next attempt delivers it once."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.close()  # nothing listens there now: the connection is refused
    app.config["MAIL_SERVER"], app.config["MAIL_PORT"] = "127.0.0.1", port
    try:
        login(clerk)
        response = client.post(f"/cases/{case.id}/access-code")
    finally:
        app.config["MAIL_SERVER"] = None  # the outbox fixture's .eml files from now on
    assert response.status_code == 200
    code = CODE.search(text(response)).group(0)
    (row,) = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "access_code")).all()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1) and not list(outbox.glob("*.eml"))
    clock.advance(seconds=app.config["OUTBOX_RETRY_SECONDS"] + 1)
    assert pump_outbox() == 1
    (mail,) = outbox.glob("*.eml")
    assert code in email.message_from_bytes(mail.read_bytes()).get_payload(decode=True).decode()
    client.post("/logout")
    assert enter(client, case.reference, code).status_code == 302  # the code stands


def test_a_letter_without_the_place_for_a_code_is_not_printed_with_one(client, login, case, clerk):
    step(fresh(case), "confirm_receipt_incomplete", clerk, documents="diploma")
    step(fresh(case), "request_missing_documents", clerk, due_date="2026-03-31", documents="diploma")
    request = db.session.scalar(select(LetterRecord).where(LetterRecord.case_id == case.id,
                                                           LetterRecord.kind == "documents_request"))
    login(clerk)
    assert client.post(f"/cases/{case.id}/access-code/letters/{request.id}").status_code == 404
    assert db.session.scalar(select(AccessCode).where(AccessCode.case_id == case.id)) is None
