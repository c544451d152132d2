"""A recognition case from the clerk's desk, through the UI only: open it, chase missing documents with a letter,
start the decision period and decide; and two clerks changing the same case at once."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import HWK_CLERK, HWK_CLERK_2, login
from tracker import clock
from tracker.procedures.deadlines import compute_due
from tracker.procedures.timer_plan import authority_end

pytestmark = pytest.mark.browser

BQFG_TITLE = "Anerkennung eines ausländischen Berufsabschlusses (BQFG, nicht reglementierter Beruf)"


def german(day) -> str:
    return day.strftime("%d.%m.%Y")


def set_document(page, title: str, status_label: str) -> None:
    """Uses the document's own row form, then waits for the reloaded row to show the new status."""
    row = page.locator("#documents tbody tr").filter(has=page.get_by_role("rowheader", name=title))
    row.get_by_label(f"Status von {title}").select_option(label=status_label)
    row.get_by_role("button", name="Speichern").click()
    expect(page.locator("#documents tbody tr").filter(has=page.get_by_role("rowheader", name=title))
           .locator("td").first).to_have_text(re.compile(f"^{status_label}"))


def submit_refusal(page, reasons: str) -> None:
    """Fill and send the "refuse" action as a clerk would, with today's date and the given reasons."""
    refuse = open_action(page, "refuse")
    refuse.get_by_label("Datum des Bescheids").fill(clock.today().isoformat())
    refuse.get_by_label("Ablehnungsgrund").select_option("no_equivalence")
    refuse.get_by_label("Begründung").fill(reasons)
    refuse.get_by_role("button", name="Antrag ablehnen").click()


def open_action(page, transition_id: str):
    action = page.locator(f"#action-{transition_id}")
    action.locator("summary").click()
    return action


def expect_state(page, title: str) -> None:
    expect(page.locator("h1 .state-badge")).to_have_text(title)


def steps_in_timeline(page) -> list[str]:
    """The procedure steps of the timeline as shown ("Action → new state"), in the order listed."""
    return [text for text in page.locator("#timeline li.event > p:not(.event-head)").all_inner_texts() if "→" in text]


def test_clerk_takes_a_recognition_case_from_application_to_decision(page):
    family_name = f"Okonkwo-{uuid.uuid4().hex[:6]}"
    today = clock.today()
    login(page, HWK_CLERK)

    page.get_by_role("navigation", name="Hauptnavigation").get_by_role("link", name="Neuer Fall").click()
    page.get_by_label("Verfahren").select_option(label=BQFG_TITLE)
    page.get_by_label("Zuständige Behörde").select_option(label="Handwerkskammer Erfurt, Anerkennungsstelle")
    page.get_by_label("Vorname(n)").fill("Chiamaka")
    page.get_by_label("Familienname").fill(family_name)
    page.get_by_label("Geburtsdatum").fill("1994-05-17")
    page.get_by_label("Staatsangehörigkeit").fill("Nigeria")
    page.get_by_label("Straße und Hausnummer").fill("7 Allen Avenue")
    page.get_by_label("Postleitzahl").fill("100271")
    page.locator("#city").fill("Ikeja, Lagos")  # "Ort" is also part of other labels
    page.locator("#country").fill("Nigeria")
    page.get_by_label("Ausländischer Berufsabschluss").fill("National Diploma Electrical Installation")
    page.get_by_label("Deutscher Referenzberuf").fill("Elektroniker/in")
    page.get_by_label("Ausbildungsstaat").fill("Nigeria")
    page.get_by_role("button", name="Fall anlegen").click()

    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    expect(page.get_by_role("status")).to_contain_text("angelegt")
    expect_state(page, "Antrag eingegangen")
    expect(page.locator(".facts")).to_contain_text(f"Chiamaka {family_name}")
    expect(page.locator(".facts")).to_contain_text(german(today))

    for title in ("Identitätsnachweis (Pass oder Personalausweis)", "Ausbildungsnachweis (Abschlusszeugnis, Diplom)",
                  "Tabellarischer Lebenslauf in deutscher Sprache"):
        set_document(page, title, "eingegangen")

    missing = ("Fächer- und Notenübersicht", "Erklärung, dass noch kein Antrag gestellt wurde")
    action = open_action(page, "confirm_receipt_incomplete")
    for title in missing:
        action.get_by_label(title).check()
    action.get_by_role("button", name="Eingang bestätigen – Unterlagen fehlen").click()
    expect_state(page, "Eingang bestätigt – Unterlagen unvollständig")

    entered = today + timedelta(days=14)
    # A Saturday, Sunday or holiday entered ends on the next working day (§ 31(3) s. 1 VwVfG), as the page says.
    due = authority_end(entered, "th", end_named=False)
    action = open_action(page, "request_missing_documents")
    action.get_by_label("Frist bis").fill(entered.isoformat())
    for title in missing:
        action.get_by_label(title).check()
    action.get_by_role("button", name="Fehlende Unterlagen mit Frist nachfordern").click()
    expect_state(page, "Unterlagen mit Frist nachgefordert")
    documents_deadline = page.locator("#deadlines li.timer").filter(has_text="Frist für nachgeforderte Unterlagen")
    expect(documents_deadline).to_contain_text(f"fällig am {german(due)}")

    letter = page.locator("#letters li").filter(has_text="Anforderung fehlender Unterlagen")
    letter.get_by_role("link", name="Druckansicht").click()
    expect(page.locator("main.letter h1")).to_have_text("Anforderung fehlender Unterlagen")
    lead_in = page.locator("main.letter p").filter(has_text="benötigen wir noch folgende Unterlagen")
    expect(lead_in.locator("xpath=following-sibling::*[1]").locator("li")).to_have_text(list(missing))
    expect(page.locator("main.letter address.recipient")).to_contain_text("7 Allen Avenue")
    expect(page.locator("main.letter")).to_contain_text(german(due))
    expect(page.locator("main.letter")).not_to_contain_text("gehemmt")  # the period has not started yet
    page.get_by_role("link", name="Zurück zur Akte").click()

    for title in missing:
        set_document(page, title, "eingegangen")
    open_action(page, "confirm_documents_complete").get_by_role("button", name="Vollständigkeit bestätigen").click()
    expect_state(page, "Gleichwertigkeitsprüfung")
    decision_due = compute_due(today, "P3M", calendar="th").due  # the office's calendar: Thuringia
    decision = page.locator("#deadlines li.timer").filter(has_text="Entscheidung über die Gleichwertigkeit")
    expect(decision).to_contain_text(f"fällig am {german(decision_due)}")
    expect(documents_deadline.first).to_contain_text(f"eingehalten am {german(today)}")

    # A second request for documents, during the review: it suspends the decision period, and has its own letter.
    experience = "Nachweise über einschlägige Berufserfahrung"
    second_entered = today + timedelta(days=10)  # a Saturday when the test runs on a Wednesday
    second_due = authority_end(second_entered, "th", end_named=False)
    action = open_action(page, "request_documents")
    action.get_by_label("Frist bis").fill(second_entered.isoformat())
    action.get_by_label(experience).check()
    action.get_by_role("button", name="Unterlagen nachfordern (Frist hemmen)").click()
    expect_state(page, "Prüfung – Unterlagen nachgefordert (Frist gehemmt)")
    requests = page.locator("#letters li").filter(has_text="Anforderung fehlender Unterlagen")
    expect(requests).to_have_count(2)  # the first request stays available
    expect(requests.nth(0)).to_contain_text(f"vom {german(today)}")
    requests.nth(1).get_by_role("link", name="Druckansicht").click()
    expect(page.locator("main.letter li")).to_have_text([experience])
    expect(page.locator("main.letter")).to_contain_text(f"bis zum {german(second_due)}")
    expect(page.locator("main.letter")).to_contain_text("gehemmt (§ 6(4) BQFG)")
    page.get_by_role("link", name="Zurück zur Akte").click()

    open_action(page, "record_requested_documents_received").get_by_role(
        "button", name="Nachgeforderte Unterlagen eingegangen").click()
    expect_state(page, "Gleichwertigkeitsprüfung")
    expect(page.locator("#documents tbody tr").filter(has=page.get_by_role("rowheader", name=experience))
           .locator("td").first).to_have_text(re.compile("^eingegangen"))  # the step marked it

    action = open_action(page, "grant_full_equivalence")
    action.get_by_label("Datum des Bescheids").fill(today.isoformat())
    action.get_by_role("button", name="Volle Gleichwertigkeit feststellen").click()
    expect_state(page, "Volle Gleichwertigkeit festgestellt")
    expect(page.locator("#actions")).to_have_count(0)
    expect(decision).to_contain_text(f"eingehalten am {german(today)}")

    # The decision has its letter, listed with its date.
    decision_letter = page.locator("#letters li").filter(has_text="Bescheid")
    expect(decision_letter).to_contain_text(f"vom {german(today)}")
    decision_letter.get_by_role("link", name="Druckansicht").click()
    expect(page.locator("main.letter h1")).to_have_text("Bescheid")
    expect(page.locator("main.letter")).to_contain_text("Entscheidung: Volle Gleichwertigkeit festgestellt.")
    page.get_by_role("link", name="Zurück zur Akte").click()

    assert [step.split(" → ")[0] for step in steps_in_timeline(page)] == [
        "Volle Gleichwertigkeit feststellen", "Nachgeforderte Unterlagen eingegangen",
        "Unterlagen nachfordern (Frist hemmen)", "Vollständigkeit bestätigen",
        "Fehlende Unterlagen mit Frist nachfordern", "Eingang bestätigen – Unterlagen fehlen"]
    expect(page.locator("#timeline li.event").last).to_contain_text("Fall angelegt")

    # The English case file: every date in the English format, none as an ISO date.
    page.get_by_role("button", name="English").click()
    try:
        expect(page.locator("h1 .state-badge")).to_have_text("Full equivalence established")
        english = page.locator("main").inner_text()
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", english), re.findall(r".*\d{4}-\d{2}-\d{2}.*", english)
        assert today.strftime("%-d %b %Y") in english
        expect(page.locator("#letters")).to_contain_text("Request for missing documents (2)")
    finally:
        page.get_by_role("button", name="Deutsch").click()  # the clerk's language is remembered across tests



def test_second_clerk_acting_on_a_stale_page_is_refused_and_keeps_what_they_typed(new_page, hwk_case):
    case_id = hwk_case("Gleichzeitig", in_review=True)
    first, second = new_page(), new_page()
    login(first, HWK_CLERK)
    login(second, HWK_CLERK_2)
    first.goto(f"/cases/{case_id}")
    second.goto(f"/cases/{case_id}")

    action = open_action(first, "request_documents")
    action.get_by_label("Frist bis").fill((clock.today() + timedelta(days=21)).isoformat())
    action.get_by_label("Fächer- und Notenübersicht").check()
    action.get_by_role("button", name="Unterlagen nachfordern (Frist hemmen)").click()
    expect_state(first, "Prüfung – Unterlagen nachgefordert (Frist gehemmt)")

    reasons = "Keine Gleichwertigkeit: Inhalte der Elektroinstallation fehlen vollständig."
    submit_refusal(second, reasons)

    expect(second.get_by_role("alert")).to_contain_text("inzwischen von jemand anderem geändert")
    expect_state(second, "Prüfung – Unterlagen nachgefordert (Frist gehemmt)")
    expect(second.locator("#action-refuse").get_by_label("Begründung")).to_have_value(reasons)
    expect(second.locator("#action-refuse").get_by_label("Begründung")).to_be_visible()

    first.reload()
    expect_state(first, "Prüfung – Unterlagen nachgefordert (Frist gehemmt)")
    assert [step.split(" → ")[0] for step in steps_in_timeline(first)] == [
        "Unterlagen nachfordern (Frist hemmen)", "Eingang bestätigen – vollständig"]

    # Having seen the new state, the second clerk can send the kept input again, and now it counts.
    second.locator("#action-refuse").get_by_role("button", name="Antrag ablehnen").click()
    expect_state(second, "Abgelehnt")
    assert steps_in_timeline(second)[0].startswith("Antrag ablehnen")


def test_stale_step_that_no_longer_fits_the_case_still_shows_what_was_typed(new_page, hwk_case):
    case_id = hwk_case("Zuvorgekommen", in_review=True)
    first, second = new_page(), new_page()
    login(first, HWK_CLERK)
    login(second, HWK_CLERK_2)
    first.goto(f"/cases/{case_id}")
    second.goto(f"/cases/{case_id}")

    action = open_action(first, "grant_full_equivalence")
    action.get_by_label("Datum des Bescheids").fill(clock.today().isoformat())
    action.get_by_role("button", name="Volle Gleichwertigkeit feststellen").click()
    expect_state(first, "Volle Gleichwertigkeit festgestellt")

    reasons = "Keine Gleichwertigkeit: Praxisanteile fehlen."
    submit_refusal(second, reasons)

    expect(second.get_by_role("alert")).to_contain_text("inzwischen von jemand anderem geändert")
    expect_state(second, "Volle Gleichwertigkeit festgestellt")
    kept = second.locator("#action-refuse")
    expect(kept).to_contain_text("nicht mehr möglich")
    expect(kept.get_by_label("Begründung")).to_have_value(reasons)
    expect(kept.get_by_label("Begründung")).to_be_visible()
    expect(kept.get_by_role("button")).to_have_count(0)  # the decided case cannot be refused as well
