"""WCAG 2.1 AA on the pages of the API feature: the account page with its tokens (empty, with a refused form, with
a new token shown once) in German and English, and the API reference page (English, like the document)."""
from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import HWK_CLERK, describe_violations, login

pytestmark = pytest.mark.browser


def assert_accessible(page, axe):
    violations = axe(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {page.url}:\n{describe_violations(violations)}"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_account_page_has_no_violations(page, axe, lang):
    login(page, HWK_CLERK, lang=lang)
    page.goto("/account/tokens")
    assert_accessible(page, axe)

    page.locator("#token-days").fill("")
    page.locator("main form button[type=submit]").last.click()  # no name, no days
    expect(page.locator("#token-error-summary")).to_be_visible()
    assert_accessible(page, axe)

    page.locator("#token-name").fill("Landesportal")
    page.locator("#token-days").fill("30")
    page.locator("main form button[type=submit]").last.click()
    expect(page.locator("#new-token")).to_contain_text("trk_")
    assert_accessible(page, axe)


def test_the_api_reference_has_no_violations(page, axe):
    page.goto("/api/v1/docs")
    expect(page.locator("h1")).to_contain_text("Tracker API")
    assert_accessible(page, axe)
