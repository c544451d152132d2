"""Guessing is throttled per reference and per source address, with the same words whichever part was wrong and
whether the reference exists; refusals are logged without personal data (no reference in clear, no address)."""
from __future__ import annotations

import logging

import pytest

from tests.applicant.conftest import REFUSED, enter, issue, text

LOCKOUT = "Zu viele fehlgeschlagene Versuche"


@pytest.fixture
def limits(app):
    """Set the two limits for one test (the app is shared by the session)."""
    before = app.config["STATUS_LIMIT_PER_REFERENCE"], app.config["STATUS_LIMIT_PER_ADDRESS"]

    def set_limits(per_reference: str, per_address: str) -> None:
        app.config["STATUS_LIMIT_PER_REFERENCE"], app.config["STATUS_LIMIT_PER_ADDRESS"] = per_reference, per_address

    yield set_limits
    app.config["STATUS_LIMIT_PER_REFERENCE"], app.config["STATUS_LIMIT_PER_ADDRESS"] = before


def from_address(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def test_failed_entries_per_reference_lock_that_reference_even_for_the_right_code(client, case, clerk, make, limits):
    limits("3 per 15 minutes", "100 per 15 minutes")
    issued = issue(case, clerk)
    other = make.case(office=case.office, actor=clerk)
    other_code = issue(other, clerk).code

    # Three wrong guesses from three addresses: the reference is locked, whoever asks next.
    for number in range(3):
        assert enter(client, case.reference, "ACDEF-GHJKM", **from_address(f"10.0.0.{number}")).status_code == 422
    locked = enter(client, case.reference, issued.code, **from_address("10.0.0.99"))
    assert locked.status_code == 429 and LOCKOUT in text(locked)
    page = locked.get_data(as_text=True)
    assert f'value="{case.reference}"' in page and issued.code not in page  # the reference kept, never the code
    assert "so steht Ihr Verfahren" not in text(client.get("/status"))
    # Another reference is not locked by it.
    assert enter(client, other.reference, other_code, **from_address("10.0.0.99")).status_code == 302


def test_an_unknown_reference_locks_the_same_way(client, case, clerk, limits):
    limits("3 per 15 minutes", "100 per 15 minutes")
    issue(case, clerk)
    answers = {}
    for reference in (case.reference, "ANR-BQ-2026-999999"):
        for _ in range(3):
            enter(client, reference, "ACDEF-GHJKM")
        answers[reference] = enter(client, reference, "ACDEF-GHJKM")
    known, unknown = answers.values()
    assert known.status_code == unknown.status_code == 429
    assert text(known) == text(unknown)  # a lockout does not tell whether the case exists


def test_failed_entries_per_address_lock_that_address_only(client, case, clerk, limits):
    limits("100 per 15 minutes", "3 per 15 minutes")
    issued = issue(case, clerk)
    for reference in ("ANR-BQ-2026-000901", "ANR-BQ-2026-000902", "ANR-BQ-2026-000903"):
        response = enter(client, reference, "ACDEF-GHJKM", **from_address("192.0.2.7"))
        assert response.status_code == 422 and REFUSED in text(response)
    locked = enter(client, case.reference, issued.code, **from_address("192.0.2.7"))
    assert locked.status_code == 429 and LOCKOUT in text(locked)
    assert enter(client, case.reference, issued.code, **from_address("192.0.2.8")).status_code == 302


def test_successful_entries_are_not_counted(client, case, clerk, limits):
    limits("2 per 15 minutes", "2 per 15 minutes")
    issued = issue(case, clerk)
    for _ in range(5):
        assert enter(client, case.reference, issued.code).status_code == 302


def test_guessing_signed_links_is_throttled_per_address(client, case, clerk, limits):
    limits("100 per 15 minutes", "3 per 15 minutes")
    issue(case, clerk)
    for number in range(3):
        assert client.get(f"/status/link?t=forged{number}", **from_address("198.51.100.1")).status_code == 404
    assert client.get("/status/link?t=forged", **from_address("198.51.100.1")).status_code == 429


def test_refusals_are_logged_without_personal_data(client, case, clerk, caplog, limits):
    limits("2 per 15 minutes", "100 per 15 minutes")
    issue(case, clerk)
    with caplog.at_level(logging.WARNING, logger="tracker.applicant.views"):
        for _ in range(3):
            enter(client, case.reference, "ACDEF-GHJKM", **from_address("203.0.113.5"))
    messages = [record.getMessage() for record in caplog.records if record.name == "tracker.applicant.views"]
    assert sum("refused entry" in message for message in messages) == 2
    assert any("throttled" in message for message in messages)
    logged = " ".join(messages)
    for private in (case.reference, "203.0.113.5", "ACDEF", "Thị", "Nguyễn"):
        assert private not in logged
