"""Fixtures of the API tests: real tokens issued through the same verb as the account page and the CLI."""
from __future__ import annotations

import pytest

from tracker.auth import tokens
from tracker.extensions import db


@pytest.fixture
def token_for(app):
    def issue(user, scopes="read,write", days=30) -> str:
        _row, token = tokens.issue(user, name="Test system", scopes=scopes, days=days)
        db.session.commit()
        return token

    return issue


def bearer(token: str, **more) -> dict:
    return {"Authorization": f"Bearer {token}", **more}
