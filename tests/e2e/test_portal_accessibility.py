"""WCAG 2.1 AA in a real browser for the employer's portal: the home page, a § 81a case as a task list and the
organisation's accounts have no axe-core violation, in German and in English."""
from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import login
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser
EMPLOYER = "personal@stadtwerke-erfurt.demo"


@pytest.fixture(params=["de", "en"])
def lang(request):
    return request.param


def test_employer_home_case_page_and_accounts_have_no_violations(page, axe, lang):
    login(page, EMPLOYER, lang=lang)
    assert page.url.endswith("/portal")
    expect(page.locator("table.portal-cases tbody tr").first).to_be_visible()
    assert_accessible(page, axe)

    # The first § 81a case of the list: the chain of steps, requests, deadlines and the timeline.
    page.locator("table.portal-cases tbody tr", has_text="ABH-EF").first.get_by_role("link").click()
    expect(page.locator("#steps-heading")).to_be_visible()
    assert page.locator("#steps li").count() == 7
    assert_accessible(page, axe)

    page.get_by_role("navigation").get_by_role("link", name="Zugänge" if lang == "de" else "Accounts").click()
    expect(page.locator("#invite-heading")).to_be_visible()
    assert_accessible(page, axe)


def test_a_table_caption_starts_where_its_table_does_on_a_phone(page):
    """Browser review: at 375 px the caption of the employer's case list was centred over the whole wide table, so
    the screen showed "Offene Fäll" and the rest lay off to the right in the scroll box; now it starts at the left
    like the table's first column."""
    login(page, EMPLOYER)
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto("/portal")
    # The words themselves, not the caption's box (as wide as the table).
    words = page.locator("#cases-caption").evaluate(
        "caption => { const range = document.createRange(); range.selectNodeContents(caption);"
        " const box = range.getBoundingClientRect(); return {left: box.left, right: box.right}; }")
    table = page.locator("table.portal-cases").bounding_box()
    assert table["x"] <= words["left"] <= table["x"] + 8, (words, table)  # read from its start, as the table is
