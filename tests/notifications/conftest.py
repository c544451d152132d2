from __future__ import annotations

import pytest

from tests.notifications.smtp import SmtpServer


@pytest.fixture
def smtp(app):
    """The app sends through a real local SMTP server for this test; the recorder counts what arrived."""
    keys = ("MAIL_SERVER", "MAIL_PORT", "OUTBOX_LEASE_SECONDS", "OUTBOX_RETRY_SECONDS")
    previous = {key: app.config[key] for key in keys}
    with SmtpServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        yield server.recorder
    app.config.update(previous)
