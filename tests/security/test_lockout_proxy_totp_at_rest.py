"""The lockout mails the account's owner (once per lockout); behind TRUSTED_PROXY_COUNT proxies the per-address
limit counts the client's address from X-Forwarded-For (and ignores the header without it); TOTP secrets are
stored encrypted under TOTP_KEY and survive a key rotation."""
from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa

from tests.security.test_second_factor import code, enrolled
from tracker import create_app
from tracker.auth import secret_box
from tracker.auth.models import User
from tracker.extensions import db

PASSWORD = "correct horse battery"


def attempt(client, email, password, **environ):
    return client.post("/login", data={"email": email, "password": password}, environ_base=environ)


def test_a_lockout_sends_one_mail_to_the_account_owner(client, make, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", str(tmp_path))
    user = make.user()
    answers = [attempt(client, user.email, f"wrong {n}").status_code for n in range(8)]
    assert answers[:5] == [422] * 5 and set(answers[5:]) == {429}
    mails = list(tmp_path.glob("*.eml"))
    assert len(mails) == 1  # once per lockout, however many refused attempts follow
    message = BytesParser(policy=policy.default).parsebytes(mails[0].read_bytes())
    assert message["To"] == user.email and "gesperrt" in message["Subject"]
    assert "15 Minuten" in message.get_content()
    # An unknown address gets no mail and the same answer.
    for n in range(6):
        unknown = attempt(client, "nobody@example.org", f"wrong {n}")
    assert unknown.status_code == 429 and len(list(tmp_path.glob("*.eml"))) == 1


@pytest.fixture
def proxied_app(database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": None, "SECRET_KEY": "test-secret", "SERVER_NAME": "tracker.test",
                      "RATELIMIT_STORAGE_URI": "memory://", "TRUSTED_PROXY_COUNT": 1,
                      "LOGIN_LIMIT_PER_ADDRESS": "3 per 15 minutes", "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute"})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_behind_a_trusted_proxy_the_address_limit_counts_each_client(app, proxied_app):
    client = proxied_app.test_client()
    nginx = {"REMOTE_ADDR": "127.0.0.1"}
    for n in range(3):
        attempt(client, f"a{n}@example.org", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7", **nginx)
    assert attempt(client, "b@example.org", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7", **nginx).status_code == 429
    # Another client behind the same nginx is not locked out by the first one.
    assert attempt(client, "c@example.org", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.8", **nginx).status_code == 422
    # Only the last entry (set by our nginx) counts: a forged first entry does not reset the count.
    forged = attempt(client, "d@example.org", "wrong", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7", **nginx)
    assert forged.status_code == 429


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ADDRESS", "3 per 15 minutes")
    for n in range(3):
        attempt(client, f"a{n}@example.org", "wrong", REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    blocked = attempt(client, "b@example.org", "wrong", REMOTE_ADDR="192.0.2.5", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert blocked.status_code == 429


def test_the_totp_secret_is_stored_encrypted_and_survives_a_key_rotation(app, make, client, runner, monkeypatch):
    user = make.user(office=make.office())
    secret = enrolled(user)
    stored = db.session.execute(sa.text("SELECT totp_secret FROM users WHERE id = :id"), {"id": user.id}).scalar()
    assert secret not in stored and stored.startswith(secret_box.TOKEN_PREFIX)
    # Rotation: the new key encrypts, the old one still decrypts until `flask totp rotate-key` re-encrypted all.
    old_key = app.config["TOTP_KEY"]
    monkeypatch.setitem(app.config, "TOTP_KEY", "a brand new key")
    monkeypatch.setitem(app.config, "TOTP_OLD_KEYS", (old_key,))
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret
    result = runner.invoke(args=["totp", "rotate-key"])
    assert result.exit_code == 0 and "1 secret(s)" in result.output
    monkeypatch.setitem(app.config, "TOTP_OLD_KEYS", ())
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret
    # The login with the second factor still works under the new key.
    attempt(client, user.email, PASSWORD)
    assert client.post("/login/code", data={"code": code(secret, 1)}).status_code == 302
    # Without the key the secret cannot be read: a clear error, not a wrong code.
    monkeypatch.setitem(app.config, "TOTP_KEY", "yet another key")
    db.session.expire_all()
    with pytest.raises(secret_box.SecretUnreadable):
        db.session.get(User, user.id).totp_secret
