"""WCAG 2.1 AA in a real browser for the employer's portal: the home page, a § 81a case as a task list and the
organisation's accounts have no axe-core violation, in German and in English."""
from __future__ import annotations

import re

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


def test_on_a_phone_each_case_is_a_block_with_every_value_on_screen_under_its_name(page, axe):
    """Browser review: at 390 px the employer's case list was a wide table in a sideways scroll box, its caption
    cut off and "Am Zug", "Nächste Frist" and "Von Ihnen benötigt" off screen; now each case is a block, every value
    under its column's name, nothing wider than the screen, and still a table to a screen reader."""
    login(page, EMPLOYER)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/portal")
    row = page.locator("table.portal-cases tbody tr").first
    for cell in row.locator("td").all():
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box  # on screen, not in a scroll box
    labels = row.locator("td").evaluate_all("cells => cells.map(cell => getComputedStyle(cell, '::before').content)")
    assert labels == ['"Fall"', '"Stand"', '"Am Zug"', '"Nächste Frist"', '"Von Ihnen benötigt"']
    words = page.locator("#cases-caption").bounding_box()
    assert words["x"] + words["width"] <= 390
    assert page.get_by_role("table").count() == 1 and page.get_by_role("columnheader").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, axe)
    page.goto("/portal/team")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, axe)


def test_an_employer_requests_the_accelerated_procedure_and_follows_the_new_case(page, axe):
    """The employer's journey from the home page: the form (no axe violation, also with its errors), a first try
    without the confirmation comes back with everything typed, then the case opens at the immigration office and
    its page is where the employer lands."""
    login(page, EMPLOYER)
    page.get_by_role("link", name="Beschleunigtes Fachkräfteverfahren beantragen").click()
    expect(page.get_by_role("heading", name="Beschleunigtes Fachkräfteverfahren beantragen")).to_be_visible()
    assert_accessible(page, axe)

    page.get_by_label("Vorname(n)").fill("Mai")
    page.get_by_label("Familienname").fill("Browserprobe")
    page.get_by_label("Geburtsdatum").fill("1994-05-17")
    page.get_by_label("Staatsangehörigkeit").fill("Vietnam")
    page.get_by_label("Straße und Hausnummer").fill("5 Le Loi")
    page.get_by_label("Ort").fill("Hue")
    page.locator("#country").fill("Vietnam")
    page.get_by_label("Ausländischer Berufsabschluss").fill("Bachelor of Nursing")
    page.get_by_label("Deutscher Referenzberuf").fill("Pflegefachfrau")
    page.get_by_label("Ausbildungsstaat").fill("VN")
    page.get_by_role("button", name="Verfahren beantragen").click()

    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Bitte bestätigen Sie, dass die Vollmacht der Fachkraft vorliegt.")
    expect(page.get_by_label("Familienname")).to_have_value("Browserprobe")  # nothing typed is lost
    assert_accessible(page, axe)

    page.get_by_label(re.compile("^Die Fachkraft hat unser Unternehmen bevollmächtigt")).check()
    page.get_by_role("button", name="Verfahren beantragen").click()

    page.wait_for_url(re.compile(r"/portal/cases/\d+$"))
    expect(page.locator(".flash-success")).to_contain_text("Ihr Antrag ist eingegangen: Fall ABH-")
    expect(page.locator("main")).to_contain_text("Mai Browserprobe")
