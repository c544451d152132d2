"""WCAG 2.1 AA in a real browser for the ThAFF advisors' pages: the advisor's overview (also with a refused number of
days), a case as the advisor reads it, and the employer's page that grants and revokes access, in German and
English. The demo's Stadtwerke administrator granted the demo advisor access."""
from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import login
from tests.e2e.test_accessibility import assert_accessible, open_all_details

pytestmark = pytest.mark.browser
ADVISOR = "beratung@thaff.demo"
EMPLOYER = "personal@stadtwerke-erfurt.demo"


@pytest.fixture(params=["de", "en"])
def lang(request):
    return request.param


def test_the_advisor_overview_and_a_case_have_no_violations(page, axe, lang):
    login(page, ADVISOR, lang=lang)
    assert page.url.endswith("/portal/overview")
    expect(page.locator("table.advisor-stages tbody tr").first).to_be_visible()
    expect(page.locator("table.advisor-stalled tbody tr").first).to_be_visible()
    assert_accessible(page, axe)
    # Browser review: the button stood level with the label, far to the right of a field two digits wide; now the
    # field is wide enough for its number and the button follows right under it.
    days = page.locator("#stalled-days").bounding_box()
    show = page.get_by_role("button", name="Anzeigen" if lang == "de" else "Show").bounding_box()
    assert days["width"] >= 80 and show["x"] == days["x"], (days, show)
    assert 0 <= show["y"] - (days["y"] + days["height"]) <= 40, (days, show)

    page.fill("#stalled-days", "0")
    page.get_by_role("button", name="Anzeigen" if lang == "de" else "Show").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert page.input_value("#stalled-days") == "0"
    assert_accessible(page, axe)

    page.locator("table.advisor-stages tbody tr a").first.click()
    expect(page.locator("table.advisor-stage tbody tr").first).to_be_visible()
    assert_accessible(page, axe)
    page.locator("table.advisor-stage tbody tr a").first.click()
    expect(page.locator("#requests-heading")).to_be_visible()
    assert_accessible(page, axe)


def test_the_employer_s_advisors_page_has_no_violations(page, axe, lang):
    login(page, EMPLOYER, lang=lang)
    page.get_by_role("navigation").get_by_role("link", name="Beratung" if lang == "de" else "Advisors").click()
    expect(page.locator("table.advisor-grants tbody tr").first).to_be_visible()
    open_all_details(page)
    assert_accessible(page, axe)

    page.get_by_role("button", name="Zugang geben" if lang == "de" else "Give access").click()  # nothing chosen
    expect(page.locator(".error-summary")).to_be_visible()
    open_all_details(page)
    assert_accessible(page, axe)
