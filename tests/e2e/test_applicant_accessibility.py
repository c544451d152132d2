"""WCAG 2.1 AA in a real browser for the applicant's status page: the entry form (also with its error), the page of
a case in review, in German and English, and on a phone's width without sideways scrolling."""
from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import HWK_CLERK, switch_language
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser
PHONE = {"width": 375, "height": 740}


def issue_code(live_server, case_id: int) -> tuple[str, str]:
    """The clerk issues the code (the service verb the case file's button calls); returns (reference, code)."""
    from sqlalchemy import select

    from tracker.applicant.codes import grouped, issue_code
    from tracker.auth.models import User
    from tracker.cases.models import Case
    from tracker.extensions import db

    with live_server.app.app_context():
        clerk = db.session.scalar(select(User).where(User.email == HWK_CLERK))
        case = db.session.get(Case, case_id)
        issued = issue_code(case, clerk)
        db.session.commit()
        reference, code = case.reference, grouped(issued.code)
        db.session.remove()
    return reference, code


def enter(page, reference: str, code: str) -> None:
    page.get_by_label(re.compile("^(Aktenzeichen|Reference)")).fill(reference)
    page.get_by_label(re.compile("^(Zugangscode|Access code)")).fill(code)
    page.locator("main button[type=submit]").click()


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_entry_and_status_page_have_no_violations(page, axe, live_server, hwk_case, lang):
    reference, code = issue_code(live_server, hwk_case("Accesibilidad", in_review=True))
    page.goto("/status")
    if lang == "en":
        switch_language(page, "en")
    expect(page.locator("h1")).to_have_text("Stand Ihres Verfahrens" if lang == "de" else "Status of your case")
    assert_accessible(page, axe)

    enter(page, reference, "ACDEF-GHJKM")  # wrong: the error summary and the field's error
    expect(page.locator(".error-summary")).to_be_visible()
    assert_accessible(page, axe)

    enter(page, reference, code)
    expect(page.locator("#state-heading")).to_be_visible()
    expect(page.locator("#expected-heading")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == lang
    assert_accessible(page, axe)

    page.get_by_role("button", name="Statusseite verlassen" if lang == "de" else "Leave the status page").click()
    expect(page.locator("h1")).to_have_text("Sie haben die Statusseite verlassen" if lang == "de"
                                            else "You have left the status page")
    assert_accessible(page, axe)


def test_the_status_page_works_on_a_phone(new_page, axe, live_server, hwk_case):
    reference, code = issue_code(live_server, hwk_case("Telefono", in_review=True))
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto("/status")
    assert no_sideways_scrolling(page)
    enter(page, reference, code)
    expect(page.locator("#state-heading")).to_be_visible()
    assert no_sideways_scrolling(page)
    assert_accessible(page, axe)


def test_the_upload_forms_use_the_whole_width_of_a_phone(new_page, axe, live_server, hwk_case):
    """Browser review: each upload box sat indented beside a floating list bullet, a tenth of a phone's width lost."""
    from sqlalchemy import select

    from tracker.auth.models import User
    from tracker.cases.models import Case
    from tracker.cases.service import set_document_status
    from tracker.extensions import db

    case_id = hwk_case("Ancho")
    with live_server.app.app_context():
        clerk = db.session.scalar(select(User).where(User.email == HWK_CLERK))
        set_document_status(db.session.get(Case, case_id), "diploma", "requested", clerk)
        db.session.commit()
        db.session.remove()
    reference, code = issue_code(live_server, case_id)
    page = new_page()
    page.set_viewport_size(PHONE)
    page.goto("/status")
    enter(page, reference, code)

    section = page.locator("#send-documents")
    expect(section.locator("fieldset")).to_have_count(1)
    assert section.locator("fieldset").bounding_box()["x"] == section.locator("h2").bounding_box()["x"]
    assert section.locator("li").evaluate("item => getComputedStyle(item).listStyleType") == "none"
    assert no_sideways_scrolling(page)
    assert_accessible(page, axe)
