"""Tokens are created and revoked on the account page (staff and employers alike) and with
``flask --app tracker create-token``; shown once, stored hashed, usable at once through the API."""
from __future__ import annotations

import re

import pytest

from sqlalchemy import func, select

from tests.api.conftest import bearer
from tracker.auth import tokens
from tracker.extensions import db

TOKEN = re.compile(r"trk_[A-Za-z0-9_-]{40,}")


def test_the_cli_prints_the_token_on_its_last_line(runner, client, clerk):
    result = runner.invoke(args=["create-token", "--email", clerk.email.upper(), "--scopes", "read,write",
                                 "--days", "7"])

    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert TOKEN.fullmatch(token)
    row = db.session.scalar(select(tokens.ApiToken))
    assert row.token_hash == tokens.digest(token) and row.scope_set == {tokens.Scope.READ, tokens.Scope.WRITE}
    assert (row.expires_at - row.created_at).days == 7
    assert client.get("/api/v1/cases", headers=bearer(token)).status_code == 200


def test_the_cli_refuses_unknown_scopes_and_users(runner, clerk):
    assert runner.invoke(args=["create-token", "--email", clerk.email, "--scopes", "admin"]).exit_code != 0
    assert runner.invoke(args=["create-token", "--email", "nobody@example.org"]).exit_code != 0
    assert db.session.scalar(select(tokens.ApiToken)) is None


def test_a_clerk_creates_a_token_sees_it_once_and_revokes_it(client, login, clerk):
    login(clerk)
    page = client.get("/account/tokens")
    assert page.status_code == 200 and "API" in page.get_data(as_text=True)

    created = client.post("/account/tokens", data={"name": "Landesportal", "scopes": ["read"], "days": "30"})
    assert created.status_code == 201 and created.headers["Cache-Control"] == "no-store"
    token = TOKEN.search(created.get_data(as_text=True)).group(0)
    assert token not in client.get("/account/tokens").get_data(as_text=True)  # shown once
    # The API answers the token, not the browser's session.
    api = client.application.test_client()
    assert api.get("/api/v1/cases", headers=bearer(token)).status_code == 200

    row = db.session.scalar(select(tokens.ApiToken))
    revoked = client.post(f"/account/tokens/{row.id}/revoke")
    assert revoked.status_code == 302
    assert api.get("/api/v1/cases", headers=bearer(token)).status_code == 401


def test_the_same_form_sent_twice_makes_one_token(client, login, clerk):
    """Browser review: a reload of the answer (or a double click) sent the form again and made a second token."""
    login(clerk)
    page = client.get("/account/tokens").get_data(as_text=True)
    key = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page).group(1)
    form = {"name": "Landesportal", "scopes": ["read"], "days": "30", "form_key": key}

    assert client.post("/account/tokens", data=form).status_code == 201
    again = client.post("/account/tokens", data=form)

    assert again.status_code == 303
    assert "bereits erstellt und nur einmal angezeigt" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(tokens.ApiToken)) == 1


def test_the_same_form_sent_from_two_tabs_at_once_makes_one_token(app, client, login, clerk):
    """Both requests leave with the session of before (neither has seen the other's answer): the key kept on the
    token, checked under the user's row lock, refuses the second."""
    from tests.security.test_sessions import copy_session

    login(clerk)
    page = client.get("/account/tokens").get_data(as_text=True)
    key = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page).group(1)
    form = {"name": "Landesportal", "scopes": ["read"], "days": "30", "form_key": key}
    other_tab = app.test_client()
    copy_session(client, other_tab)  # the cookie as it was when both requests left

    assert client.post("/account/tokens", data=form).status_code == 201
    second = other_tab.post("/account/tokens", data=form)

    assert second.status_code == 303
    assert "bereits erstellt und nur einmal angezeigt" in other_tab.get(second.headers["Location"]).get_data(
        as_text=True)
    assert db.session.scalar(select(func.count()).select_from(tokens.ApiToken)) == 1


def test_an_employer_user_reaches_the_same_page(client, login, make):
    employer_user = make.user(role="employer", employer=make.employer())
    login(employer_user)

    assert client.get("/account/tokens").status_code == 200
    assert client.post("/account/tokens", data={"name": "HR-System", "scopes": ["read", "write"],
                                                "days": "90"}).status_code == 201


def test_bad_input_is_shown_again_with_a_message(client, login, clerk):
    login(clerk)
    response = client.post("/account/tokens", data={"name": "", "days": "9999"})

    assert response.status_code == 422
    assert db.session.scalar(select(tokens.ApiToken)) is None


def test_the_rights_are_a_group_of_checkboxes_named_by_its_legend(client, login, clerk):
    """No label points at the list; the group's name is its legend, each box has its own label, and the error
    summary's link leads to the group."""
    login(clerk)
    page = client.get("/account/tokens").get_data(as_text=True)

    assert 'for="token-scopes"' not in page
    group = re.search(r'<fieldset id="token-scopes"[^>]*>\s*<legend>Rechte.*?</fieldset>', page, re.S)
    assert group and group.group(0).count('type="checkbox"') == 2
    assert all(f'for="{box}"' in group.group(0) for box in re.findall(r'type="checkbox"[^>]*id="([^"]+)"',
                                                                      group.group(0)))

    refused = client.post("/account/tokens", data={"name": "Landesportal", "days": "30"}).get_data(as_text=True)
    assert '<a href="#token-scopes">' in refused
    assert re.search(r'<fieldset id="token-scopes" aria-describedby="token-scopes-error">', refused)


def test_nobody_revokes_someone_elses_token(client, login, make, clerk, token_for):
    token = token_for(make.user())
    row = db.session.scalar(select(tokens.ApiToken))
    login(clerk)

    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 404
    assert client.application.test_client().get("/api/v1/cases", headers=bearer(token)).status_code == 200


def test_the_account_page_needs_a_login(client):
    assert client.get("/account/tokens").status_code == 302


def test_a_user_holds_at_most_the_configured_number_of_usable_tokens(app, client, login, clerk, monkeypatch):
    monkeypatch.setitem(app.config, "API_TOKENS_PER_USER", 3)
    login(clerk)
    answers = [client.post("/account/tokens", data={"name": f"System {n}", "scopes": ["read"], "days": "30"})
               for n in range(4)]

    assert [answer.status_code for answer in answers] == [201, 201, 201, 422]
    assert "Sie haben bereits 3 gültige Zugänge, die Höchstzahl." in answers[-1].get_data(as_text=True)
    assert db.session.query(tokens.ApiToken).count() == 3
    # A revoked token makes room again; so does one that expired.
    first = db.session.scalar(select(tokens.ApiToken).order_by(tokens.ApiToken.id))
    client.post(f"/account/tokens/{first.id}/revoke")
    assert client.post("/account/tokens", data={"name": "System 5", "scopes": ["read"], "days": "30"}
                       ).status_code == 201
    with pytest.raises(tokens.TokenError):  # the CLI goes through the same verb
        tokens.issue(clerk, name="CLI", scopes="read")
    db.session.rollback()
