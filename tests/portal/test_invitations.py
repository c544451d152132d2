"""Employer organisations with several users: the clerk invites the first contact once the § 81a agreement is
concluded, the invitee sets a password with a one-time link (stored hashed, expiring), an employer administrator
invites and removes colleagues. Without MAIL_SERVER the mails are .eml files in the outbox directory."""
from __future__ import annotations

import email
import hashlib
import re
from datetime import date
from email import policy

import pytest
import sqlalchemy as sa

from tests.cases.test_transitions import TODAY, SkilledWorker, open_skilled_worker_case, step
from tests.locking import second_request_behind_the_first
from tracker import clock
from tracker.auth.invitations import Invitation
from tracker.auth.models import User
from tracker.extensions import db


@pytest.fixture
def outbox(app, tmp_path):
    previous = app.config["MAIL_OUTBOX_DIR"], app.config["MAIL_SERVER"]
    app.config.update(MAIL_OUTBOX_DIR=str(tmp_path / "outbox"), MAIL_SERVER=None)
    yield tmp_path / "outbox"
    app.config["MAIL_OUTBOX_DIR"], app.config["MAIL_SERVER"] = previous


def mails(outbox) -> list[email.message.EmailMessage]:
    """The invitation mails (the steps around them owe the applicant their own mails, tested in
    tests/notifications)."""
    return [message for message in all_mails(outbox) if message["Subject"].startswith("Einladung")]


def all_mails(outbox) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(outbox.glob("*.eml"))] if outbox.exists() else []


def link_path(message) -> str:
    return re.search(r"https?://[^/\s]+(/invitation/[A-Za-z0-9_-]+)", message.get_content()).group(1)


def invite_first_contact(client, worker, email_address="personal@pflege.example"):
    return client.post(f"/cases/{worker.case.id}/invite-employer", data={
        "version": worker.case.version, "name": "Petra Personal", "email": email_address})


def test_the_clerk_invites_the_first_contact_only_once_the_agreement_is_concluded(client, login, make, outbox):
    worker = open_skilled_worker_case(make)
    login(worker.clerk)

    assert invite_first_contact(client, worker).status_code == 422  # agreement not concluded yet
    assert mails(outbox) == [] and db.session.query(Invitation).count() == 0

    step(worker.case, "conclude_agreement", worker.clerk, date=TODAY, fee_paid_on=TODAY)
    assert invite_first_contact(client, worker).status_code == 302

    (message,) = mails(outbox)
    assert message["To"] == "personal@pflege.example"
    assert worker.employer.name in message.get_content()
    assert "Petra" not in message.get_content()  # the mail names the organisation, not the person
    user = db.session.query(User).filter_by(email="personal@pflege.example").one()
    assert user.role == "employer" and user.employer_id == worker.employer.id and user.employer_admin
    token = link_path(message).rsplit("/", 1)[1]
    (invitation,) = db.session.query(Invitation).all()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest() and token not in invitation.token_hash
    # Not a staff member's name, nor the invitee's, in the timeline an employer may read: the event is internal.
    assert "Arbeitgeber-Kontakt eingeladen" in client.get(f"/cases/{worker.case.id}").get_data(as_text=True)


def invited_on_an_authorised_case(client, login, make) -> SkilledWorker:
    """A § 81a case with its agreement and the employer's authorisation, whose first contact the clerk invited."""
    worker = open_skilled_worker_case(make)
    step(worker.case, "conclude_agreement", worker.clerk, date=TODAY, fee_paid_on=TODAY)
    make.authorisation(worker.case, actor=worker.clerk)
    login(worker.clerk)
    invite_first_contact(client, worker)
    client.post("/logout")
    return worker


def test_the_invitee_sets_a_password_once_through_the_policy_and_lands_on_the_portal(client, login, make, outbox):
    worker = invited_on_an_authorised_case(client, login, make)
    path = link_path(mails(outbox)[0])

    page = client.get(path)
    assert page.status_code == 200
    # The invitee sees whose account it is before choosing a password.
    assert "personal@pflege.example" in page.get_data(as_text=True)
    assert worker.employer.name in page.get_data(as_text=True)
    english = client.get(path, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"the account personal@pflege.example at {worker.employer.name}" in english
    user = db.session.query(User).filter_by(email="personal@pflege.example").one()
    assert user.password_hash.startswith("scrypt:")  # unknown to anyone, and a login attempt costs one scrypt check
    assert client.post("/login", data={"email": "personal@pflege.example", "password": "!"}).status_code == 422
    weak = client.post(path, data={"password": "password1234", "repeat": "password1234"})
    assert weak.status_code == 422
    good = "Lange Wege führen nach Erfurt 7"
    assert client.post(path, data={"password": good, "repeat": good}).location == "/login"
    assert client.get(path).status_code == 404  # used once

    response = client.post("/login", data={"email": "personal@pflege.example", "password": good})
    assert response.status_code == 302
    home = client.get("/", follow_redirects=True)
    assert home.request.path == "/portal" and worker.case.reference in home.get_data(as_text=True)


def test_an_invitation_link_expires_after_seven_days(client, login, make, outbox):
    worker = open_skilled_worker_case(make)
    step(worker.case, "conclude_agreement", worker.clerk, date=TODAY, fee_paid_on=TODAY)
    login(worker.clerk)
    invite_first_contact(client, worker)
    client.post("/logout")
    path = link_path(mails(outbox)[0])

    clock.travel_to(date(2026, 3, 9))  # seven days after Mon 2 Mar, noon: past the moment it was sent
    assert client.get(path).status_code == 404
    assert client.post(path, data={"password": "Lange Wege führen nach Erfurt 7",
                                    "repeat": "Lange Wege führen nach Erfurt 7"}).status_code == 404


def test_an_address_that_already_has_an_account_is_refused(client, login, make, outbox):
    worker = open_skilled_worker_case(make)
    step(worker.case, "conclude_agreement", worker.clerk, date=TODAY, fee_paid_on=TODAY)
    login(worker.clerk)

    response = invite_first_contact(client, worker, email_address=worker.clerk.email.upper())

    assert response.status_code == 422 and mails(outbox) == []


def test_an_employer_administrator_invites_and_removes_colleagues(client, login, make, outbox):
    employer = make.employer()
    admin = make.user(role="employer", employer=employer, name="Ada Admin")
    admin.employer_admin = True
    other_admin = make.user(role="employer", employer=make.employer())
    other_admin.employer_admin = True
    db.session.commit()
    login(admin)

    assert client.post("/portal/team/invite", data={"name": "Kai Kollege", "email": "kai@pflege.example"}
                       ).status_code == 302
    (message,) = mails(outbox)
    colleague = db.session.query(User).filter_by(email="kai@pflege.example").one()
    assert colleague.employer_id == employer.id and not colleague.employer_admin
    team = client.get("/portal/team").get_data(as_text=True)
    assert "Kai Kollege" in team and "(eingeladen)" in team

    # Another organisation's user is no colleague: the answer does not say the account exists.
    assert client.post(f"/portal/team/{other_admin.id}/remove").status_code == 404
    assert client.post(f"/portal/team/{admin.id}/remove").status_code == 404  # not oneself
    assert client.post(f"/portal/team/{colleague.id}/remove").status_code == 200  # first the confirmation
    assert client.post(f"/portal/team/{colleague.id}/remove", data={"confirm": "yes"}).status_code == 302
    db.session.expire_all()
    assert not colleague.active and db.session.get(User, other_admin.id).active
    assert client.get(link_path(message)).status_code == 404  # the removed colleague's link is spent too


def test_an_administrator_cannot_learn_whether_an_address_outside_the_organisation_has_an_account(
        client, login, make, outbox):
    employer = make.employer(name="Pflege Erfurt GmbH")
    admin = make.user(role="employer", employer=employer, name="Ada Admin")
    admin.employer_admin = True
    elsewhere = make.user(role="employer", employer=make.employer())
    elsewhere.email = "bea@andere.example"
    clerk = make.user(role="recognition_clerk")
    db.session.commit()
    users_before = db.session.query(User).count()
    login(admin)

    answers = [client.post("/portal/team/invite", data={"name": "Neu", "email": address}, follow_redirects=True)
               for address in ("neu@pflege.example", "BEA@andere.example", clerk.email)]

    # The same answer for a new address and for two that have accounts elsewhere.
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert all("Einladung an" in answer.get_data(as_text=True) for answer in answers)
    assert db.session.query(User).count() == users_before + 1  # only the new address got an account
    sent = {message["To"]: message.get_content() for message in mails(outbox)}
    assert "/invitation/" in sent["neu@pflege.example"]
    # The owners of the taken addresses learn that their account exists; no link, nothing changed.
    for address in (elsewhere.email, clerk.email):
        assert "schon ein Konto" in sent[address] and "Pflege Erfurt GmbH" in sent[address]
        assert "/invitation/" not in sent[address]
    db.session.expire_all()
    assert db.session.get(User, elsewhere.id).employer_id != employer.id


def test_an_administrator_is_told_when_the_address_is_already_a_colleague(client, login, make, outbox):
    employer = make.employer()
    admin = make.user(role="employer", employer=employer)
    admin.employer_admin = True
    colleague = make.user(role="employer", employer=employer)
    db.session.commit()
    login(admin)

    response = client.post("/portal/team/invite", data={"name": "Kai", "email": colleague.email})

    assert response.status_code == 422
    assert "schon ein Konto" in response.get_data(as_text=True)
    assert mails(outbox) == []


@pytest.mark.parametrize("second_address", ["kollegin@pflege.example", "Kollegin@Pflege.example"])
def test_two_invitations_of_one_address_at_once_make_one_account(app, make, second_address):
    """The second waits for the first one's commit, then finds the account: never a unique-key error (a 500) and
    never a second account for the same address in other capitals."""
    from tracker.auth import invitations

    if db.engine.dialect.name != "postgresql":
        pytest.skip("row and advisory locks are PostgreSQL's (SQLite writes one transaction at a time)")
    employer = make.employer()
    admin = make.user(role="employer", employer=employer)
    admin.employer_admin = True
    db.session.commit()
    admin_id = admin.id
    invitations.invite_colleague(admin, email="kollegin@pflege.example", name="Kollegin")  # flushed, not committed

    second = second_request_behind_the_first(
        app, lambda: invitations.invite_colleague(db.session.get(User, admin_id), email=second_address, name="Kollegin"),
        invitations.AddressTaken)

    assert second == "refused"  # the address is taken
    assert db.session.query(User).filter(sa.func.lower(User.email) == "kollegin@pflege.example").count() == 1


@pytest.fixture
def admin_and_outsider(login, make):
    """A logged-in employer administrator, and a user of another organisation (an address with an account)."""
    admin = make.user(role="employer", employer=make.employer(name="Pflege Erfurt GmbH"))
    admin.employer_admin = True
    outsider = make.user(role="employer", employer=make.employer())
    db.session.commit()
    login(admin)
    return admin, outsider


def test_an_administrator_sends_at_most_the_daily_number_of_invitations(app, client, admin_and_outsider, outbox,
                                                                       monkeypatch):
    """Each invitation mails an address the administrator typed: a bounded number a day, and the refusal says so
    whether the next address has an account or not (the answer does not tell)."""
    monkeypatch.setitem(app.config, "INVITATIONS_PER_DAY", 2)
    _admin, elsewhere = admin_and_outsider

    for address in ("eins@pflege.example", "zwei@pflege.example"):
        assert client.post("/portal/team/invite", data={"name": "Neu", "email": address}).status_code == 302
    for address in ("drei@pflege.example", elsewhere.email):
        refused = client.post("/portal/team/invite", data={"name": "Neu", "email": address})
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert "schon 2 Einladungen verschickt" in page and address in page  # the typed address is kept

    assert sorted(message["To"] for message in mails(outbox)) == ["eins@pflege.example", "zwei@pflege.example"]
    assert db.session.query(User).filter_by(email="drei@pflege.example").count() == 0


def test_the_owner_of_an_existing_account_hears_of_attempts_to_invite_it_once_a_day(client, admin_and_outsider,
                                                                                    outbox):
    _admin, elsewhere = admin_and_outsider

    for _attempt in range(3):
        answer = client.post("/portal/team/invite", data={"name": "Bea", "email": elsewhere.email})
        assert answer.status_code == 302  # the same answer each time: nothing tells that the account exists

    assert [message["To"] for message in mails(outbox)] == [elsewhere.email]


def test_an_invited_colleague_hears_of_the_case_only_once_the_link_has_set_the_password(client, login, make, outbox):
    """Until the invitee has followed the link, the address is only what was typed: a typo would send the case's
    news to a stranger. Once the password is set, the next step's mail reaches them as any colleague."""
    worker = invited_on_an_authorised_case(client, login, make)

    def case_mails_to_invitee():
        return [message for message in all_mails(outbox) if message["To"] == "personal@pflege.example"
                and not message["Subject"].startswith("Einladung")]

    step(worker.case, "start_recognition", worker.clerk, procedure="recognition-bqfg",
         recognition_office=str(worker.body.id))
    assert case_mails_to_invitee() == []

    path = link_path(mails(outbox)[0])
    good = "Lange Wege führen nach Erfurt 7"
    assert client.post(path, data={"password": good, "repeat": good}).location == "/login"
    step(worker.case, "withdraw", worker.clerk, date=TODAY, reason="Die Stelle ist besetzt")
    (news,) = case_mails_to_invitee()
    assert worker.case.reference in news.get_content()
