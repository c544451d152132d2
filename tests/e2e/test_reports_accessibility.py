"""WCAG 2.1 AA in a real browser for the reports (charts beside their tables) and the public statistics page: no
axe-core violation, in German and in English; the export page shows its progress and ends with the download."""
from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import login, switch_language
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser
ADMIN = "admin@tracker.demo"


@pytest.fixture(params=["de", "en"])
def lang(request):
    return request.param


def test_report_page_and_export_have_no_violations(page, axe, lang):
    login(page, ADMIN, lang=lang)
    page.goto("/reports?start=2024-01-01&end=2027-12-31&by=outcome")
    expect(page.locator("#summary-heading")).to_be_visible()
    assert page.locator("figure.chart svg[role=img]").count() >= 1
    assert_accessible(page, axe)

    page.locator("#export-heading ~ form button[type=submit]").click()
    expect(page.get_by_role("link", name="Datei herunterladen" if lang == "de" else "Download the file")).to_be_visible()
    assert_accessible(page, axe)


def test_every_chart_label_lies_inside_its_chart(page):
    """Browser review: long labels (procedure and office names) ran past the chart's left edge."""
    login(page, ADMIN)
    for by in ("procedure", "office"):
        page.goto(f"/reports?start=2024-01-01&end=2027-12-31&by={by}")
        expect(page.locator("figure.chart svg").first).to_be_visible()
        outside = page.evaluate("""() => [...document.querySelectorAll('figure.chart svg')].flatMap(svg => {
            const edge = svg.getBoundingClientRect().left;
            return [...svg.querySelectorAll('text.chart-label')]
              .filter(label => label.getBoundingClientRect().left < edge - 0.5).map(label => label.textContent);
        })""")
        assert outside == [], (by, outside)


def test_public_statistics_page_has_no_violations(page, axe, lang):
    page.goto("/statistics")
    if page.locator("html").get_attribute("lang") != lang:
        switch_language(page, lang)
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page, axe)
