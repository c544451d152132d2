"""The data-protection officer in Chromium: finds a closed case by its reference, reads its read log (the clerk's
read is there), downloads the export and erases the person with a reason; every page, the refused form
included, is free of WCAG 2.1 AA violations."""
from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.e2e.conftest import HWK_CLERK, describe_violations, login

pytestmark = pytest.mark.browser
OFFICER = "datenschutz@tracker.demo"


def assert_accessible(page, axe):
    violations = axe(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {page.url}:\n{describe_violations(violations)}"


@pytest.fixture
def withdrawn_case(live_server, hwk_case):
    """A case of its own, withdrawn (closed), so erasing it touches no demo case other tests look at."""
    from sqlalchemy import select

    from tracker.auth.models import User
    from tracker.cases.models import Case
    from tracker.cases.service import apply_transition
    from tracker.extensions import db

    family = f"Erasable{uuid.uuid4().hex[:6]}"
    case_id = hwk_case(family)
    with live_server.app.app_context():
        clerk = db.session.scalar(select(User).where(User.email == HWK_CLERK))
        case = db.session.get(Case, case_id)
        apply_transition(case, "withdraw", clerk, {"reason": f"{family} zieht zurück."})
        db.session.commit()
        reference = case.reference
        db.session.remove()
    return case_id, reference, family


def log_in_as_officer(page):
    from tracker.cli.demo import DEMO_PASSWORD

    page.goto("/login")
    page.locator("#email").fill(OFFICER)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/privacy/"))


def test_the_officer_finds_reads_exports_and_erases(new_page, axe, withdrawn_case):
    case_id, reference, family = withdrawn_case
    clerk_page = new_page()
    login(clerk_page, HWK_CLERK)
    clerk_page.goto(f"/cases/{case_id}")  # a read the log must show
    assert family in clerk_page.content()

    page = new_page()
    log_in_as_officer(page)
    assert_accessible(page, axe)
    page.get_by_label("Aktenzeichen").fill(reference)
    page.get_by_role("button", name="Suchen").click()
    assert family in page.content()
    assert_accessible(page, axe)

    page.get_by_role("link", name="Zugriffsprotokoll").first.click()
    assert "Fallakte" in page.content() and "Miriam Schulze" in page.content()
    assert_accessible(page, axe)
    page.get_by_role("link", name="Zurück").click()

    with page.expect_download() as download:
        page.get_by_role("button", name="Auskunft erstellen (JSON)").click()
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert exported["person"]["family_name"] == family

    page.get_by_role("link", name="Daten dieser Person löschen …").click()
    page.get_by_role("button", name="Endgültig löschen").click()  # no reason, no confirmation: refused
    assert page.locator(".error-summary").is_visible()
    assert_accessible(page, axe)
    page.get_by_label("Grund der Löschung").fill("Antrag auf Löschung vom 30.11.2026")
    page.get_by_label(re.compile("Ich bestätige")).check()
    page.get_by_role("button", name="Endgültig löschen").click()
    page.wait_for_url(re.compile(r"/privacy/\?reference="))
    assert "wurden gelöscht" in page.content() and family not in page.content()
    assert_accessible(page, axe)
