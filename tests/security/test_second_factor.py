"""The second factor (TOTP): enrolment shown once and confirmed by a code, the code step after the password
(throttled like the password, each code used once), required for staff by configuration, recovery by an admin
command, and sessions still ended by logout."""
from __future__ import annotations

import re
import time

import pyotp
import pytest

from tracker.auth.models import User
from tracker.auth import tokens
from tracker.extensions import db

PASSWORD = "correct horse battery"
DOMAIN = "tracker.test"


@pytest.fixture
def staff(make):
    return make.user(office=make.office())


def code(secret: str, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` periods of 30 seconds later)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrolled(user: User, steps_ahead: int = 0) -> str:
    """``user`` with an active second factor; returns the secret. The code used to confirm is spent."""
    user = db.session.get(User, user.id)
    secret = user.start_totp_enrolment()
    assert user.confirm_totp(code(secret, steps_ahead))
    db.session.commit()
    return secret


def shown_secret(response) -> str:
    return re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', response.get_data(as_text=True)).group(1)


def test_enrolment_shows_a_secret_that_takes_effect_only_after_a_code(client, login, staff, caplog):
    login(staff)
    page = client.get("/account/second-factor")
    assert page.status_code == 200
    secret = shown_secret(page).replace(" ", "")
    assert "otpauth://totp/" in page.get_data(as_text=True)
    assert not db.session.get(User, staff.id).totp_active  # shown, not yet effective

    wrong = client.post("/account/second-factor", data={"code": "000000" if code(secret) != "000000" else "111111"})
    assert wrong.status_code == 422
    assert not db.session.get(User, staff.id).totp_active

    right = client.post("/account/second-factor", data={"code": code(secret)})
    assert right.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, staff.id).totp_active
    again = client.get("/account/second-factor").get_data(as_text=True)
    assert secret not in again.replace(" ", "") and "otpauth://" not in again  # shown once only
    assert secret not in caplog.text


def test_login_asks_for_the_code_after_the_password(app, client, staff):
    secret = enrolled(staff)

    after_password = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert after_password.status_code == 302 and "/login/code" in after_password.headers["Location"]
    assert client.get("/cases").status_code == 302  # the password alone opens nothing

    assert client.post("/login/code", data={"code": "12345x"}).status_code == 422
    assert client.post("/login/code", data={"code": code(secret, 1)}).status_code == 302
    assert client.get("/cases").status_code == 200


def test_a_code_works_once(app, client, staff):
    secret = enrolled(staff)
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    used = code(secret, 1)
    assert client.post("/login/code", data={"code": used}).status_code == 302
    client.post("/logout")

    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert client.post("/login/code", data={"code": used}).status_code == 422


def test_the_code_step_needs_the_password_step_first(client, staff):
    secret = enrolled(staff)
    response = client.post("/login/code", data={"code": code(secret, 1)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/cases").status_code == 302


def test_wrong_codes_are_throttled_like_passwords(app, client, staff):
    secret = enrolled(staff)
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    wrong = "000000" if code(secret, 1) != "000000" else "111111"
    for _attempt in range(5):
        assert client.post("/login/code", data={"code": wrong}).status_code == 422

    locked = client.post("/login/code", data={"code": code(secret, 1)})
    assert locked.status_code == 429
    assert client.get("/cases").status_code == 302


def test_staff_must_enrol_when_required(app, client, login, staff, monkeypatch):
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_FOR_STAFF", True)
    login(staff)

    response = client.get("/cases")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/second-factor")
    secret = shown_secret(client.get("/account/second-factor")).replace(" ", "")
    client.post("/account/second-factor", data={"code": code(secret)})
    assert client.get("/cases").status_code == 200


def test_employer_users_are_not_forced_to_enrol(app, client, login, make, monkeypatch):
    monkeypatch.setitem(app.config, "TOTP_REQUIRED_FOR_STAFF", True)
    employer_user = make.user(role="employer", employer=make.employer())
    login(employer_user)
    assert client.get("/procedures/").status_code == 200


def test_logout_still_ends_a_copied_session_after_the_code(app, client, staff):
    secret = enrolled(staff)
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    client.post("/login/code", data={"code": code(secret, 1)})
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session", domain=DOMAIN).value, domain=DOMAIN)
    assert thief.get("/cases").status_code == 200

    client.post("/logout")

    assert thief.get("/cases").status_code == 302


def test_a_pending_login_ends_with_a_password_change(app, client, staff):
    secret = enrolled(staff)
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    user = db.session.get(User, staff.id)
    user.set_password("a new and long passphrase")
    db.session.commit()

    assert client.post("/login/code", data={"code": code(secret, 1)}).status_code == 302
    assert client.get("/cases").status_code == 302


def test_reset_totp_removes_the_second_factor_and_ends_sessions(app, client, runner, staff):
    secret = enrolled(staff)
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    client.post("/login/code", data={"code": code(secret, 1)})
    _row, token = tokens.issue(staff, name="Fachverfahren", scopes="read")
    db.session.commit()

    result = runner.invoke(args=["reset-totp", "--email", staff.email.upper()])

    assert result.exit_code == 0, result.output
    assert app.test_client().get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    db.session.expire_all()
    user = db.session.get(User, staff.id)
    assert not user.totp_active and user.totp_secret is None
    assert client.get("/cases").status_code == 302
    after_password = client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert "/login/code" not in after_password.headers["Location"]  # password only again, until they enrol anew
    assert client.get("/cases").status_code == 200


def test_a_password_only_session_from_before_the_enrolment_ends(app, client, login, staff):
    other_device = app.test_client()
    other_device.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert other_device.get("/cases").status_code == 200

    login(staff)
    secret = shown_secret(client.get("/account/second-factor")).replace(" ", "")
    client.post("/account/second-factor", data={"code": code(secret)})

    assert client.get("/cases").status_code == 200  # the device that enrolled keeps its session
    response = other_device.get("/cases")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert other_device.get("/cases").status_code == 302


def test_opening_the_enrolment_page_again_keeps_the_pending_secret(client, login, staff):
    """A GET must not replace the secret the user is typing into their app: any page could trigger one."""
    login(staff)
    first = shown_secret(client.get("/account/second-factor")).replace(" ", "")
    second = shown_secret(client.get("/account/second-factor")).replace(" ", "")
    assert second == first

    confirmed = client.post("/account/second-factor", data={"code": code(first)})
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, staff.id).totp_active
