"""WCAG 2.1 AA (BITV 2.0) in a real browser: axe-core finds no violation on the pages clerks use, in German and
after switching to English, error states included; the skip link and the error summary work from the keyboard."""
from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import HWK_CLERK, describe_violations, login, switch_language

pytestmark = pytest.mark.browser


@pytest.fixture(params=["de", "en"])
def lang(request):
    return request.param


def assert_accessible(page, axe):
    violations = axe(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {page.url}:\n{describe_violations(violations)}"


def open_all_details(page):
    """axe skips what is hidden, so the collapsed forms and explanations are opened before the check."""
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")


def demo_case_id(live_server, family_name: str) -> int:
    from sqlalchemy import select

    from tracker.cases.models import Case
    from tracker.extensions import db
    from tracker.parties.models import Person

    with live_server.app.app_context():
        case_id = db.session.scalar(select(Case.id).join(Person, Case.applicant_id == Person.id)
                                    .where(Person.family_name == family_name))
        db.session.remove()
    return case_id


def test_axe_check_reports_known_violations(page, axe):
    """Guards the checks below: an empty result must mean "no violation", not "no rule ran"."""
    page.set_content("<html><head><title>x</title></head><body><img src='data:,'><input type=text></body></html>")
    assert {"html-has-lang", "image-alt", "label"} <= {violation["id"] for violation in axe(page)}


def test_login_page_and_its_error_summary_have_no_violations(page, axe, lang):
    page.goto("/login")
    if lang == "en":
        switch_language(page, "en")
    assert_accessible(page, axe)

    page.locator("#email").fill(HWK_CLERK)
    page.locator("#password").fill("not the password")
    page.locator("main button[type=submit]").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#password")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    assert_accessible(page, axe)


def test_queue_has_no_violations(page, axe, lang):
    login(page, HWK_CLERK, lang=lang)
    expect(page.locator("table.queue tbody tr").first).to_be_visible()
    assert_accessible(page, axe)


def test_case_file_with_deadlines_actions_documents_and_timeline_has_no_violations(page, axe, lang, live_server,
                                                                                     hwk_case):
    in_review = hwk_case("Barrierefrei", in_review=True)  # decision period with its extension form
    awaiting = demo_case_id(live_server, "Pereira")  # documents requested with a deadline, two letters
    login(page, HWK_CLERK, lang=lang)
    for case_id in (in_review, awaiting):
        page.goto(f"/cases/{case_id}")
        for section in ("#deadlines", "#actions", "#documents", "#letters", "#timeline"):
            expect(page.locator(section)).to_be_visible()
        open_all_details(page)
        assert_accessible(page, axe)


def test_case_file_after_a_refused_action_has_no_violations(page, axe, lang, hwk_case):
    case_id = hwk_case("Fehlerfall", in_review=True)
    login(page, HWK_CLERK, lang=lang)
    page.goto(f"/cases/{case_id}")
    refuse = page.locator("#action-refuse")
    refuse.locator("summary").click()
    refuse.locator("button[type=submit]").click()  # date, ground and reasons left empty
    expect(page.locator("#action-refuse .error-summary li")).to_have_count(3)
    expect(page.locator("#action-refuse")).to_have_attribute("open", "")
    open_all_details(page)
    assert_accessible(page, axe)


def test_letter_print_view_has_no_violations(page, axe, live_server):
    login(page, HWK_CLERK)
    page.goto(f"/cases/{demo_case_id(live_server, 'Pereira')}/letters/documents_request")
    expect(page.locator("main.letter li")).to_have_count(2)
    assert_accessible(page, axe)


def test_new_case_form_empty_and_with_errors_has_no_violations(page, axe, lang):
    login(page, HWK_CLERK, lang=lang)
    page.goto("/cases/new")
    assert_accessible(page, axe)

    page.locator("main form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    assert_accessible(page, axe)


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page):
    login(page, HWK_CLERK)
    page.keyboard.press("Tab")
    skip = page.locator(":focus")
    expect(skip).to_have_attribute("href", "#main")
    expect(skip).to_be_in_viewport()  # shown when focused, not left off-screen
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_id("main")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_id("q")  # the next stop is the queue's search, not the header again


def test_new_case_error_summary_takes_focus_and_links_to_each_field(page):
    login(page, HWK_CLERK)
    page.goto("/cases/new")
    page.locator("#given_names").fill("Lucía")
    page.locator("main form button[type=submit]").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    targets = [href.removeprefix("#") for href in links.evaluate_all("links => links.map(a => a.getAttribute('href'))")]
    assert "procedure" in targets and "family_name" in targets and "given_names" not in targets
    for target in targets:
        field = page.locator(f"#{target}")
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_attribute("aria-describedby", re.compile(rf"\b{target}-error\b"))

    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("href", f"#{targets[0]}")
    page.keyboard.press("Enter")
    expect(page.locator(f"#{targets[0]}")).to_be_focused()


def test_pages_reflow_at_320_pixels_without_sideways_scrolling(new_page, hwk_case):
    """WCAG 1.4.10: at 400 % zoom (320 CSS px) only the data tables scroll sideways, inside their own region."""
    case_id = hwk_case("Zoom", in_review=True)
    page = new_page()
    page.set_viewport_size({"width": 320, "height": 700})
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    page.goto("/login")
    assert page.evaluate(overflow) == 0, "login"
    login(page, HWK_CLERK)
    for path in ("/cases", f"/cases/{case_id}", "/cases/new"):
        page.goto(path)
        open_all_details(page)
        assert page.evaluate(overflow) == 0, path


def test_the_team_leads_pages_reflow_at_320_pixels_and_their_scroll_boxes_are_named_once(new_page, axe):
    """The longer navigation of a team lead wraps; wide tables (team, API tokens, a procedure's steps) scroll in
    their own focusable box, named "Tabelle: …", never under the same name as the section around it."""
    page = new_page()
    page.set_viewport_size({"width": 320, "height": 700})
    login(page, "leitung@hwk-erfurt.demo")
    overflow = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    for path in ("/team", "/account/tokens", "/procedures/recognition-bqfg", "/reports"):
        page.goto(path)
        assert page.evaluate(overflow) == 0, path
        names = page.evaluate("""() => [...document.querySelectorAll('[role=region], section[aria-labelledby]')]
            .map(region => region.getAttribute('aria-label')
                 || document.getElementById(region.getAttribute('aria-labelledby'))?.textContent.trim())""")
        assert len(names) == len(set(names)), (path, names)  # one landmark per name
        for box in page.locator(".table-scroll, .diagram-scroll").all():
            assert box.get_attribute("tabindex") == "0" and box.get_attribute("aria-label"), path
        assert_accessible(page, axe)


def test_recording_an_authorisation_on_its_own_page(page, axe, lang, hwk_case):
    """The clerk's way from the case file to the authorisation form and back: search an employer, a refused form
    keeps what was entered and says why (no violations), then the authorisation shows in the case file."""
    case_id = hwk_case("Vollmacht")
    login(page, HWK_CLERK, lang=lang)
    page.goto(f"/cases/{case_id}")
    page.locator("#authorisations a.button").click()
    expect(page).to_have_url(re.compile(f"/cases/{case_id}/authorisations/new$"))
    assert_accessible(page, axe)

    page.locator("#employer-search").fill("Stadtwerke")
    page.locator("form[role=search] button").click()
    employer = page.locator("#authorisation-employer")
    expect(employer.locator("option")).to_have_count(1)
    employer.select_option(label="Stadtwerke Erfurt GmbH (Erfurt)")
    page.locator("#authorisation-kind").select_option("recognition_applicant")
    page.locator("#authorisation-grantor").fill("")
    page.locator("#authorisation-scope").fill("Anerkennungsverfahren")
    page.locator("main form[method=post] button[type=submit]").click()

    summary = page.locator("#authorisation-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_attribute("href", "#authorisation-grantor")
    expect(page.locator("#authorisation-scope")).to_have_value("Anerkennungsverfahren")
    expect(employer).to_have_value(re.compile(r"\d+"))
    assert employer.locator("option:checked").inner_text() == "Stadtwerke Erfurt GmbH (Erfurt)"
    assert_accessible(page, axe)

    page.locator("#authorisation-grantor").fill("Lucía Vollmacht")
    page.locator("main form[method=post] button[type=submit]").click()
    expect(page).to_have_url(re.compile(f"/cases/{case_id}#authorisations$"))
    expect(page.locator("#authorisations h3").filter(has_text="Stadtwerke Erfurt GmbH")).to_be_visible()
