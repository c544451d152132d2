"""Sessions end on the server's word: logout, password change and deactivation end every session of the user;
login starts a fresh session (new CSRF token); idle and absolute timeouts; no remember-me; ``__Host-`` cookie."""
from __future__ import annotations

import re
import time

import pytest

from tracker import create_app
from tracker.auth.models import User
from tracker.extensions import db

PASSWORD = "correct horse battery"
DOMAIN = "tracker.test"  # SERVER_NAME of the test app


@pytest.fixture
def staff(make):
    return make.user(office=make.office())


def copy_session(source, target) -> None:
    """Give ``target`` the very session cookie ``source`` holds now (an attacker who copied it)."""
    target.set_cookie("session", source.get_cookie("session", domain=DOMAIN).value, domain=DOMAIN)


def test_a_session_cookie_copied_before_logout_opens_nothing_afterwards(app, client, login, staff):
    login(staff)
    thief = app.test_client()
    copy_session(client, thief)
    assert thief.get("/cases").status_code == 200

    client.post("/logout")

    assert thief.get("/cases").status_code == 302
    assert client.get("/cases").status_code == 302


def test_logout_ends_the_sessions_on_other_devices_too(app, client, login, staff):
    other_device = app.test_client()
    other_device.post("/login", data={"email": staff.email, "password": PASSWORD})
    login(staff)

    client.post("/logout")

    assert other_device.get("/cases").status_code == 302


def test_a_password_change_ends_every_session(client, login, staff):
    login(staff)
    user = db.session.get(User, staff.id)
    user.set_password("a new and long passphrase")
    db.session.commit()

    assert client.get("/cases").status_code == 302


def test_deactivation_ends_every_session(client, login, staff):
    login(staff)
    user = db.session.get(User, staff.id)
    user.active = False
    db.session.commit()

    assert client.get("/cases").status_code == 302


def csrf_token(response) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.fixture
def csrf_app(base_app):
    """The test app with CSRF protection switched on (the shared one leaves it off for brevity)."""
    base_app.config["WTF_CSRF_ENABLED"] = True
    yield base_app
    base_app.config["WTF_CSRF_ENABLED"] = False


def test_the_csrf_token_from_before_login_is_refused_after_login(csrf_app, client, staff):
    token_before = csrf_token(client.get("/login"))
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": token_before})
    assert response.status_code == 302
    token_after = csrf_token(client.get("/cases/new"))
    assert token_after != token_before

    stale = client.post("/language", data={"lang": "en", "csrf_token": token_before})
    fresh = client.post("/language", data={"lang": "en", "csrf_token": token_after})

    assert stale.status_code == 400
    assert fresh.status_code == 302


def test_the_session_cookie_changes_at_login(client, staff):
    client.get("/login")
    client.post("/language", data={"lang": "en"})
    before = client.get_cookie("session", domain=DOMAIN).value

    client.post("/login", data={"email": staff.email, "password": PASSWORD})

    assert client.get_cookie("session", domain=DOMAIN).value != before
    with client.session_transaction() as session:
        assert session["lang"] == "en"  # the language chosen before login is kept


def idle_past_the_end(app, client) -> None:
    """The session's last request lies longer back than a session may stay idle."""
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - app.config["SESSION_IDLE_MINUTES"] * 60 - 5


def test_an_idle_session_ends(app, client, login, staff):
    login(staff)
    idle_past_the_end(app, client)

    response = client.get("/cases")

    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/cases").status_code == 302  # and stays ended


def test_a_busy_session_still_ends_after_the_absolute_limit(app, client, login, staff):
    login(staff)
    with client.session_transaction() as session:
        session["login_at"] = int(time.time()) - app.config["SESSION_MAX_HOURS"] * 3600 - 5

    assert client.get("/cases").status_code == 302


def test_an_active_session_within_the_limits_goes_on(client, login, staff):
    login(staff)
    assert client.get("/cases").status_code == 200
    assert client.get("/cases").status_code == 200


def test_login_sets_no_remember_me_cookie(client, staff):
    response = client.post("/login", data={"email": staff.email, "password": PASSWORD, "remember": "y"})

    assert response.status_code == 302
    assert client.get_cookie("remember_token", domain=DOMAIN) is None
    assert not any("remember_token" in header for header in response.headers.getlist("Set-Cookie"))


def test_production_uses_a_host_only_secure_cookie(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("AUDIT_KEY", "y" * 32)
    monkeypatch.setenv("TOTP_KEY", "z" * 32)
    monkeypatch.setenv("BASE_URL", "https://tracker.example")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    app = create_app({"TESTING": True, "SERVER_NAME": "tracker.test"})

    assert app.config["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_PATH"] == "/"
    assert not app.config.get("SESSION_COOKIE_DOMAIN")
    with app.test_request_context("/login", base_url="https://tracker.test"):
        response = app.make_response("")
        app.session_interface.save_session(app, _dirty_session(app), response)
        cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie


def _dirty_session(app):
    session = app.session_interface.open_session(app, __import__("flask").request)
    session["x"] = 1
    return session
