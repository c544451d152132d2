"""What users stumbled on when the journeys of each role were walked in a real browser (review of the web journeys):
the greeting, the § 81a status page's deadlines in plain language, letters by URL, forms keeping what was typed,
the confirmation before access is revoked."""
from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import HWK_CLERK, login
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser
ABH_CLERK = "sachbearbeitung@abh-erfurt.demo"
BA_PENDING_81A = "ABH-EF-2026-000001"  # demo: § 81a case waiting for the BA's approval (its timer runs)


def issue_code_for(live_server, reference: str, clerk_email: str) -> str:
    from sqlalchemy import select

    from tracker.applicant.codes import grouped, issue_code
    from tracker.auth.models import User
    from tracker.cases.models import Case
    from tracker.extensions import db

    with live_server.app.app_context():
        clerk = db.session.scalar(select(User).where(User.email == clerk_email))
        case = db.session.scalar(select(Case).where(Case.reference == reference))
        code = grouped(issue_code(case, clerk).code)
        db.session.commit()
        db.session.remove()
    return code


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_81a_status_page_greets_formally_and_names_its_deadlines_in_plain_language(
        new_page, axe, live_server, lang):
    code = issue_code_for(live_server, BA_PENDING_81A, ABH_CLERK)
    page = new_page("de-DE" if lang == "de" else "en-GB")
    page.goto("/status")
    # Keyboard only: the entry form is reachable and sendable without a mouse.
    page.keyboard.press("Tab")
    for _ in range(30):
        if page.evaluate("document.activeElement && document.activeElement.name") == "reference":
            break
        page.keyboard.press("Tab")
    page.keyboard.type(BA_PENDING_81A)
    page.keyboard.press("Tab")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/status$"))
    heading = page.locator("h1").inner_text()
    # An authority greets without the first given name alone (too familiar, and often not the name a person is
    # called by); the status page carries no name at all.
    assert heading.startswith("Guten Tag," if lang == "de" else "Hello,"), heading
    assert "Samuel" not in page.locator("main").inner_text()
    deadlines = page.locator("#deadlines").inner_text()
    assert "Fiktion" not in deadlines and "deemed granted" not in deadlines and "BA " not in deadlines, deadlines
    assert ("Antwort der Bundesagentur für Arbeit zu Ihrer Arbeitsstelle" if lang == "de"
            else "Answer of the Federal Employment Agency about your job") in deadlines
    assert deadlines.count("Bundesagentur für Arbeit" if lang == "de" else "Federal Employment Agency") == 1, deadlines
    assert_accessible(page, axe)


EMPLOYER = "personal@stadtwerke-erfurt.demo"
ADVISOR = "beratung@thaff.demo"


def authorise_stadtwerke(live_server, case_id: int) -> int:
    """Stadtwerke Erfurt (whose grant lets the demo advisor follow its cases) gets the applicant's authorisation;
    returns the id of the case's newest letter."""
    from sqlalchemy import select

    from tracker import clock as tracker_clock
    from tracker.auth.models import User
    from tracker.cases.models import Case
    from tracker.cases.service import record_authorisation
    from tracker.extensions import db
    from tracker.letters.models import LetterRecord
    from tracker.parties.models import Employer

    with live_server.app.app_context():
        case = db.session.get(Case, case_id)
        clerk = db.session.scalar(select(User).where(User.email == HWK_CLERK))
        employer = db.session.scalar(select(Employer).where(Employer.name.like("Stadtwerke Erfurt%")))
        record_authorisation(case, clerk, employer=employer, kind="recognition_applicant",
                             grantor=case.applicant.full_name, valid_from=tracker_clock.today())
        db.session.commit()
        letter_id = db.session.scalar(select(LetterRecord.id).where(LetterRecord.case_id == case_id)
                                      .order_by(LetterRecord.id.desc()).limit(1))
        db.session.remove()
    assert letter_id is not None
    return letter_id


def test_employers_and_advisors_follow_the_case_but_cannot_open_its_letters_by_url(new_page, live_server, hwk_case):
    case_id = hwk_case("Brief-Zugriff", in_review=True)
    letter_id = authorise_stadtwerke(live_server, case_id)
    letter, pdf = f"/cases/{case_id}/letters/{letter_id}", f"/cases/{case_id}/letters/{letter_id}.pdf"

    clerk = new_page()
    login(clerk, HWK_CLERK)
    assert clerk.goto(letter).status == 200 and clerk.goto(pdf).status == 200

    for email in (EMPLOYER, ADVISOR):
        page = new_page()
        login(page, email)
        assert page.goto(f"/portal/cases/{case_id}").status == 200, email  # they do follow the case
        for address in (letter, pdf, f"/cases/{case_id}/letters/receipt", f"/cases/{case_id}/letters/receipt.pdf"):
            assert page.goto(address).status == 404, (email, address)


def test_rejecting_a_document_keeps_what_was_typed_and_never_drops_the_date_silently(new_page, live_server, hwk_case):
    case_id = hwk_case("Ablehnung")
    page = new_page()
    login(page, HWK_CLERK)
    page.goto(f"/cases/{case_id}#documents")
    row = page.locator("form[action$='/documents/diploma']")
    today = page.evaluate("new Date().toISOString().slice(0, 10)")

    # No reason and a date: refused, both mistakes named at once, status and the typed date shown again (a
    # rejected document keeps no date received: that is said, not dropped without a word).
    row.locator("select[name=status]").select_option("rejected")
    row.locator("input[name=received_on]").fill(today)
    row.locator("button[type=submit]").click()
    row = page.locator("form[action$='/documents/diploma']")
    expect(row.locator(".error-message")).to_contain_text("warum das Dokument abgelehnt wird")
    expect(row.locator(".error-message")).to_contain_text("Eingangsdatum wird nur bei")
    assert row.locator("select[name=status]").input_value() == "rejected"
    assert row.locator("input[name=received_on]").input_value() == today

    # A reason, and still the date: refused at the date, the reason kept.
    row.locator("input[name=reason]").fill("Kopie unleserlich")
    row.locator("button[type=submit]").click()
    row = page.locator("form[action$='/documents/diploma']")
    expect(row.locator(".error-message")).to_contain_text("Eingangsdatum wird nur bei")
    assert row.locator("input[name=received_on]").get_attribute("aria-invalid") == "true"
    assert row.locator("input[name=reason]").input_value() == "Kopie unleserlich"
    assert row.locator("input[name=received_on]").input_value() == today

    # Date cleared: the rejection is saved with its reason.
    row.locator("input[name=received_on]").fill("")
    row.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}#documents$"))
    expect(page.locator("#documents tbody tr").filter(has_text="Ausbildungsnachweis")).to_contain_text(
        "abgelehnt: Kopie unleserlich")


def test_removing_a_colleague_asks_for_confirmation_and_works_without_javascript(browser, live_server, axe):
    """An administrator's "Zugang entziehen" is a disclosure with the consequence and a second button: a stray
    click removes nobody, and it works in a browser without JavaScript, by keyboard."""
    context = browser.new_context(locale="de-DE", base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        login(page, EMPLOYER)
        page.goto("/portal/team")
        page.get_by_label("Name").fill("Karla Kurzzeit")
        page.get_by_label("E-Mail").fill("karla.kurzzeit@stadtwerke-erfurt.demo")
        page.get_by_role("button", name="Einladung senden").click()
        row = page.locator("tr").filter(has_text="Karla Kurzzeit")
        confirm = row.get_by_role("button", name=re.compile("^Ja, Zugang entziehen"))
        assert not confirm.is_visible()  # nothing happens on the first activation but opening the question
        summary = row.locator("summary")
        summary.focus()
        page.keyboard.press("Enter")
        expect(confirm).to_be_visible()
        expect(row).to_contain_text("Karla Kurzzeit verliert sofort den Zugang")
        confirm.focus()
        page.keyboard.press("Enter")
        expect(page.locator("main")).to_contain_text("Karla Kurzzeit hat keinen Zugang mehr.")
        expect(page.locator("tr").filter(has_text="Karla Kurzzeit")).to_have_count(0)
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_confirmations_of_team_and_advisor_pages_have_no_violations(new_page, axe, lang):
    page = new_page()
    login(page, EMPLOYER, lang=lang)
    page.goto("/portal/team")
    if not page.locator("details.confirm").count():
        page.locator("#invite-name").fill(f"Kai Dauer {lang}")
        page.locator("#invite-email").fill(f"kai.dauer.{lang}@stadtwerke-erfurt.demo")
        page.locator("form[action$='/team/invite'] button[type=submit]").click()
    for address in ("/portal/team", "/portal/advisors"):
        page.goto(address)
        assert page.locator("details.confirm").count(), address
        page.evaluate("document.querySelectorAll('details.confirm').forEach(d => { d.open = true; })")
        expect(page.locator("details.confirm button[name=confirm]").first).to_contain_text(
            "Ja, Zugang" if lang == "de" else "Yes,")
        assert_accessible(page, axe)


def test_an_authorisation_ending_before_it_begins_is_refused_at_its_field_with_a_whole_name_kept(
        new_page, live_server, hwk_case):
    case_id = hwk_case("Vollmacht")
    page = new_page()
    login(page, HWK_CLERK)
    page.goto(f"/cases/{case_id}/authorisations/new")
    whole_name = f"{'Lucía María ' * 16}{'de los Santos ' * 14}".strip()
    assert 200 < len(whole_name) <= 401  # longer than the 200 the column and form used to allow
    page.locator("[name=grantor]").fill(whole_name)
    page.locator("[name=valid_from]").fill("2026-11-20")
    page.locator("[name=valid_until]").fill("2026-11-01")
    page.get_by_role("button", name="Vollmacht speichern").click()
    expect(page.locator(".error-summary")).to_contain_text("Gültig bis: Das Ende der Gültigkeit liegt vor ihrem Beginn.")
    assert page.locator("[name=valid_until]").get_attribute("aria-invalid") == "true"
    assert page.locator("[name=grantor]").input_value() == whole_name
    assert page.locator("[name=valid_from]").input_value() == "2026-11-20"
    page.locator("[name=valid_until]").fill("")
    page.get_by_role("button", name="Vollmacht speichern").click()
    page.wait_for_url(re.compile(rf"/cases/{case_id}#authorisations$"))
    expect(page.locator("#authorisations")).to_contain_text(whole_name)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_refused_message_on_the_status_page_takes_the_focus_to_its_reason(new_page, axe, live_server, hwk_case,
                                                                            lang):
    """The page is long; a refusal shown only at the field far below left keyboard and screen reader users at the
    top of the page with nothing said."""
    case_id = hwk_case(f"Nachricht-{lang}")
    from tracker.cases.models import Case
    from tracker.extensions import db
    with live_server.app.app_context():
        reference = db.session.get(Case, case_id).reference
        db.session.remove()
    code = issue_code_for(live_server, reference, HWK_CLERK)
    page = new_page("de-DE" if lang == "de" else "en-GB")
    page.goto("/status")
    page.locator("[name=reference]").fill(reference)
    page.locator("[name=code]").fill(code)
    page.locator("main button[type=submit]").click()
    page.locator("form[action$='/status/messages'] button[type=submit]").click()
    summary = page.locator("#message-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Bitte schreiben Sie eine Nachricht." if lang == "de" else "Please write a message.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the summary's link leads to the field
    expect(page.locator("#message-body")).to_be_focused()
    assert_accessible(page, axe)


@pytest.mark.parametrize("section", ["message", "note"])
def test_a_refused_message_or_note_in_the_case_file_takes_the_focus_to_its_reason(new_page, hwk_case, section):
    case_id = hwk_case(f"Fokus-{section}")
    page = new_page()
    login(page, HWK_CLERK)
    page.goto(f"/cases/{case_id}")
    action = "messages" if section == "message" else "notes"
    page.locator(f"form[action$='/cases/{case_id}/{action}'] button[type=submit]").click()
    expect(page.locator(f"#{section}-error-summary")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(f"#{section}-body")).to_be_focused()
