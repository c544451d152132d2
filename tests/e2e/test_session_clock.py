"""In a real browser: a session never ends unannounced (WCAG 2.2.1). The page warns before the end and one button
renews it; typing into a form keeps it alive; and when it ends anyway, what was typed is kept in the tab and is back
in its form after the new login, for the same user only. The sessions here last 15 seconds (the warning comes 5
seconds before the end) so that the test can wait for them."""
from __future__ import annotations

import re
import time

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import HWK_CLERK, HWK_CLERK_2, login
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser
NOTE = "Rückruf der Antragstellerin am Montag: Übersetzung folgt"


def fifteen_seconds(live_server, setting: str):
    """Sessions of 15 seconds without a request (the live server reads its settings on every request)."""
    previous = live_server.app.config[setting]
    live_server.app.config[setting] = 0.25
    yield
    live_server.app.config[setting] = previous


@pytest.fixture
def short_sessions(live_server):
    yield from fifteen_seconds(live_server, "SESSION_IDLE_MINUTES")


def normal_sessions(live_server):
    live_server.app.config["SESSION_IDLE_MINUTES"] = 30


def past_the_servers_end(page) -> None:
    """The page counts in whole seconds and errs early; the server's end follows within a second."""
    page.wait_for_timeout(1_500)


def log_in_here(page, email: str) -> None:
    """The login form of the page shown now (the session clock's link leads there with the page to come back to)."""
    from tracker.cli.demo import DEMO_PASSWORD

    page.get_by_label(re.compile("E-Mail-Adresse|Email address")).fill(email)
    page.get_by_label(re.compile("^(Passwort|Password)")).fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()


def note_typed_until_the_end(page, hwk_case, family_name: str):
    """A clerk types a note into a fresh case's file and leaves it unsent until the session ends; the dialog."""
    case_id = hwk_case(family_name)
    login(page, HWK_CLERK)
    page.goto(f"/cases/{case_id}")
    page.locator("#note-body").fill(NOTE)
    dialog = page.locator("#session-clock")
    expect(dialog.locator("h2")).to_have_text("Ihre Sitzung ist abgelaufen", timeout=25_000)
    return case_id, dialog


def log_in_again(page, dialog, live_server, email: str, case_id: int) -> None:
    """From the dialog's link through the login page (the server ended the session too) back to the case file."""
    past_the_servers_end(page)
    dialog.get_by_role("link", name="Erneut anmelden").click()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.locator("main")).to_contain_text("Ihre Sitzung ist abgelaufen")  # the server says so too
    normal_sessions(live_server)
    log_in_here(page, email)
    page.wait_for_url(re.compile(rf"/cases/{case_id}$"))


def test_the_page_warns_before_the_end_and_one_button_renews_the_session(page, axe, hwk_case, short_sessions):
    case_id = hwk_case("Sitzung-Warnung")
    login(page, HWK_CLERK)
    page.goto(f"/cases/{case_id}")
    dialog = page.locator("#session-clock")
    expect(dialog).to_be_hidden()

    expect(dialog).to_be_visible(timeout=15_000)
    expect(dialog.locator("h2")).to_have_text("Ihre Sitzung läuft bald ab")
    expect(dialog).to_contain_text(re.compile(r"endet Ihre Sitzung in 0:0\d Minuten"))
    renew = dialog.get_by_role("button", name="Angemeldet bleiben")
    expect(renew).to_be_focused()  # one key press away (Enter or Space)
    assert_accessible(page, axe)
    warned_at = time.monotonic()
    renew.click()
    expect(dialog).to_be_hidden()

    # Past the end the session had before the renewal: the next page still opens.
    time.sleep(max(0.0, 7 - (time.monotonic() - warned_at)))
    page.reload()
    assert re.search(rf"/cases/{case_id}$", page.url)
    expect(page.locator("#notes-heading")).to_be_visible()  # the case file, not the login page


def test_typing_keeps_the_session_alive(page, hwk_case, short_sessions):
    case_id = hwk_case("Sitzung-Tippen")
    login(page, HWK_CLERK)
    page.goto(f"/cases/{case_id}")
    body = page.locator("#note-body")
    body.click()
    started = time.monotonic()
    for word in NOTE.split() * 3:  # a word every 2.5 s for longer than a session lasts without a request
        body.press_sequentially(word + " ")
        page.wait_for_timeout(2_500)
        if time.monotonic() - started > 22:
            break
    expect(page.locator("#session-clock")).to_be_hidden()

    page.locator(f"form[action$='/cases/{case_id}/notes'] button[type=submit]").click()

    assert re.search(rf"/cases/{case_id}", page.url) and "/login" not in page.url
    expect(page.locator("ul.notes")).to_contain_text("Rückruf der Antragstellerin")


def test_after_the_end_what_was_typed_is_back_in_its_form_after_the_new_login(page, axe, hwk_case, live_server,
                                                                              short_sessions):
    case_id, dialog = note_typed_until_the_end(page, hwk_case, "Sitzung-Ende")

    expect(dialog).to_contain_text("in diesem Browserfenster gemerkt")
    expect(dialog.get_by_role("link", name="Erneut anmelden")).to_be_focused()
    assert_accessible(page, axe)
    log_in_again(page, dialog, live_server, HWK_CLERK, case_id)

    expect(page.locator("#drafts-restored")).to_be_visible()
    expect(page.locator("#note-body")).to_have_value(NOTE)
    page.locator(f"form[action$='/cases/{case_id}/notes'] button[type=submit]").click()
    expect(page.locator("ul.notes")).to_contain_text(NOTE)
    expect(page.locator("#drafts-restored")).to_be_hidden()  # given back once


def test_a_form_sent_after_the_end_is_kept_instead_of_lost(page, hwk_case, live_server, short_sessions):
    case_id, dialog = note_typed_until_the_end(page, hwk_case, "Sitzung-Senden")
    page.keyboard.press("Escape")  # the user closes the notice and sends the form anyway
    expect(dialog).to_be_hidden()

    page.locator(f"form[action$='/cases/{case_id}/notes'] button[type=submit]").click()

    expect(dialog.locator("h2")).to_have_text("Ihre Sitzung ist abgelaufen")
    assert re.search(rf"/cases/{case_id}$", page.url)  # not sent to the login page, the text is still here
    expect(page.locator("#note-body")).to_have_value(NOTE)
    log_in_again(page, dialog, live_server, HWK_CLERK, case_id)
    expect(page.locator("#note-body")).to_have_value(NOTE)


def test_what_was_typed_is_never_given_to_another_user(page, hwk_case, live_server, short_sessions):
    case_id, dialog = note_typed_until_the_end(page, hwk_case, "Sitzung-Andere")

    log_in_again(page, dialog, live_server, HWK_CLERK_2, case_id)  # a colleague at the same computer

    expect(page.locator("#note-body")).to_have_value("")
    expect(page.locator("#drafts-restored")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('tracker.drafts')") is None


@pytest.fixture
def short_status_sessions(live_server):
    yield from fifteen_seconds(live_server, "STATUS_SESSION_MINUTES")


def test_an_applicant_is_warned_can_stay_and_gets_the_message_back_after_entering_again(
        new_page, axe, live_server, hwk_case, short_status_sessions):
    from tests.e2e.test_applicant_accessibility import enter, issue_code

    reference, code = issue_code(live_server, hwk_case("Sitzung-Status", in_review=True))
    page = new_page(locale="en-GB")
    page.goto("/status")
    enter(page, reference, code)
    dialog = page.locator("#session-clock")

    expect(dialog.locator("h2")).to_have_text("Your session is about to end", timeout=15_000)
    dialog.get_by_role("button", name="Stay on this page").click()
    expect(dialog).to_be_hidden()
    page.locator("#message-body").fill("I will send the translation next week.")

    expect(dialog.locator("h2")).to_have_text("Your session has ended", timeout=25_000)
    expect(dialog).to_contain_text("When you enter your reference and access code again, it is back in the form.")
    assert_accessible(page, axe)
    past_the_servers_end(page)
    dialog.get_by_role("link", name="Enter again").click()
    enter(page, reference, code)

    expect(page.locator("#message-body")).to_have_value("I will send the translation next week.")
    expect(page.locator("#drafts-restored")).to_be_visible()
