"""Brute force: failed logins are counted per account and per source address; past the limit even the right
password is refused for a while, with the same words for known and unknown addresses. Every answer costs exactly
one password hash check."""
from __future__ import annotations

import re

import pytest

from tracker.extensions import db
from tracker.web.login import views as login_views

PASSWORD = "correct horse battery"
LOCKOUT = "Zu viele fehlgeschlagene Anmeldeversuche."


def attempt(client, email, password, address="192.0.2.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_fifty_wrong_passwords_then_the_right_one_does_not_log_in(client, make):
    user = make.user()
    answers = [attempt(client, user.email, f"wrong guess {n}").status_code for n in range(50)]

    final = attempt(client, user.email, PASSWORD)

    assert answers[:5] == [422] * 5 and set(answers[5:]) == {429}
    assert final.status_code == 429
    assert LOCKOUT in final.get_data(as_text=True)
    assert client.get("/cases").status_code == 302  # not logged in


def test_the_lockout_reads_the_same_for_an_unknown_address(client, make):
    user = make.user()
    for n in range(6):
        known = attempt(client, user.email, f"wrong {n}")
        unknown = attempt(client, "nobody@example.org", f"wrong {n}")

    assert known.status_code == unknown.status_code == 429
    message = re.compile(r'<p class="error-message" id="password-error">([^<]*)</p>')
    assert message.search(known.get_data(as_text=True)).group(1) == message.search(
        unknown.get_data(as_text=True)).group(1)


def test_a_locked_account_is_locked_from_every_address(client, make):
    user = make.user()
    for n in range(5):
        attempt(client, user.email, f"wrong {n}", address=f"198.51.100.{n}")

    assert attempt(client, user.email, PASSWORD, address="203.0.113.9").status_code == 429


def test_one_address_trying_many_accounts_is_throttled(app, client, make):
    per_address = int(app.config["LOGIN_LIMIT_PER_ADDRESS"].split()[0])
    for n in range(per_address):
        assert attempt(client, f"someone{n}@example.org", "wrong").status_code == 422

    assert attempt(client, "one-more@example.org", "wrong").status_code == 429
    assert attempt(client, "one-more@example.org", "wrong", address="192.0.2.77").status_code == 422


def test_successful_logins_do_not_count_towards_the_lockout(client, make):
    user = make.user()
    for _ in range(8):
        assert attempt(client, user.email, PASSWORD).status_code == 302
        client.post("/logout")


@pytest.mark.parametrize("case", ["unknown", "deactivated", "wrong password", "right password"])
def test_every_login_answer_runs_exactly_one_password_hash_check(client, make, monkeypatch, case):
    user = make.user()
    if case == "deactivated":
        user.active = False
        db.session.commit()
    checks = []
    real_check = login_views.check_password_hash
    monkeypatch.setattr(login_views, "check_password_hash", lambda *a: checks.append(1) or real_check(*a))
    from tracker.auth import models
    monkeypatch.setattr(models, "check_password_hash", lambda *a: checks.append(1) or real_check(*a))

    email = "nobody@example.org" if case == "unknown" else user.email
    attempt(client, email, "wrong horse battery" if case == "wrong password" else PASSWORD)

    assert len(checks) == 1


@pytest.mark.parametrize("email, password", [("a\x00b@example.org", "wrong"), ("user@example.org\x00", "x\x00y"),
                                             ("\x00", "\x00")])
def test_a_nul_byte_in_the_login_is_refused_and_locks_out_cleanly(client, make, email, password):
    # PostgreSQL refuses NUL in text: the lockout's look-up of the typed address must not send it (it was a 500).
    make.user()
    answers = [attempt(client, email, password).status_code for _ in range(7)]

    assert answers[:5] == [422] * 5 and set(answers[5:]) == {429}
    assert LOCKOUT in attempt(client, email, password).get_data(as_text=True)
