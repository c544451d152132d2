"""The password policy: at least 12 characters, not on the shipped list of common passwords, no composition rules.
Every place that sets a password (create-user, set-password) applies it."""
from __future__ import annotations

import pytest

from tracker.auth.models import User
from tracker.auth.passwords import common_passwords, password_problems
from tracker.auth import tokens
from tracker.extensions import db


@pytest.mark.parametrize("password", ["kurz", "elf Zeichen", "Passwort1234", "123456789012", "qwertzuiopasdf",
                                      "passwordpassword", "aaaaaaaaaaaaaaa"])
def test_short_or_common_passwords_are_refused(password):
    assert password_problems(password)


@pytest.mark.parametrize("password", ["correct horse battery", "zwölf zeichen", "nurkleinbuchstabenaberlang"])
def test_long_uncommon_passwords_need_no_digits_or_symbols(password):
    assert password_problems(password) == []


def test_the_list_ships_in_the_repository_and_is_not_trivial():
    assert len(common_passwords()) > 1000
    assert "passwort1234" in common_passwords()


def test_the_own_address_is_not_a_password():
    assert password_problems("clara.clerk@example.org", email="clara.clerk@example.org")


def test_create_user_refuses_a_common_password(app, runner):
    result = runner.invoke(args=["create-user", "--email", "new@example.org", "--name", "New", "--role", "admin",
                                 "--password", "Passwort12345"])

    assert result.exit_code != 0 and "too common" in result.output
    assert db.session.scalar(db.select(User).where(User.email == "new@example.org")) is None


def test_create_user_accepts_a_long_uncommon_password(app, runner):
    result = runner.invoke(args=["create-user", "--email", "new@example.org", "--name", "New", "--role", "admin",
                                 "--password", "drei Tassen Tee am Morgen"])

    assert result.exit_code == 0, result.output


def test_create_user_refuses_an_address_that_has_an_account_in_other_capitals(app, runner, make):
    existing = make.user(office=make.office())
    typed = existing.email.upper()

    result = runner.invoke(args=["create-user", "--email", typed, "--name", "New", "--role", "admin",
                                 "--password", "drei Tassen Tee am Morgen"])

    assert result.exit_code != 0 and "exists already" in result.output
    assert db.session.scalar(db.select(db.func.count(User.id)).where(db.func.lower(User.email) == typed.lower())) == 1


def test_set_password_applies_the_policy_and_ends_the_sessions_and_api_tokens(app, runner, client, login, make):
    user = login(make.user(office=make.office()))
    _row, secret = tokens.issue(user, name="Fachverfahren", scopes="read,write")
    db.session.commit()
    api = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/v1/cases", headers=api).status_code == 200

    refused = runner.invoke(args=["set-password", "--email", user.email, "--password", "short"])
    assert refused.exit_code != 0 and client.get("/cases").status_code == 200

    accepted = runner.invoke(args=["set-password", "--email", user.email, "--password", "a brand new passphrase"])
    assert accepted.exit_code == 0, accepted.output
    assert client.get("/cases").status_code == 302
    # Recovery from a stolen password: a token made with it no longer acts either.
    assert app.test_client().get("/api/v1/cases", headers=api).status_code == 401


def test_deactivate_user_ends_the_sessions(app, runner, client, login, make):
    user = login(make.user(office=make.office()))

    assert runner.invoke(args=["deactivate-user", "--email", user.email]).exit_code == 0

    assert client.get("/cases").status_code == 302
