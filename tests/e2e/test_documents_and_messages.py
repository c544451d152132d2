"""In a real browser, with CSRF on: an employer user uploads a requested document (a disguised HTML file first, then a
real PDF) and writes to the office; the immigration clerk finds the case under "new documents" and "unread
messages" in the queue, opens the file and marks the thread read. Every page on the way has no axe-core violation."""
from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.documents import samples
from tests.e2e.conftest import login
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser
EMPLOYER = "personal@stadtwerke-erfurt.demo"
CLERK = "sachbearbeitung@abh-erfurt.demo"


@pytest.fixture
def documents_dir(live_server, tmp_path):
    previous = live_server.app.config["DOCUMENTS_DIR"]
    live_server.app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    yield tmp_path / "documents"
    live_server.app.config["DOCUMENTS_DIR"] = previous


def test_an_employer_uploads_and_writes_and_the_clerk_finds_both_in_the_queue(page, axe, documents_dir):
    login(page, EMPLOYER)
    page.locator("table.portal-cases tbody tr", has_text="ABH-EF").first.get_by_role("link").click()
    reference = page.locator("h1").inner_text().split()[0]
    form = page.locator("#documents form").first

    form.locator("input[type=file]").set_input_files(
        {"name": "zeugnis.pdf", "mimeType": "application/pdf", "buffer": samples.HTML})
    form.locator("button[type=submit]").click()
    expect(page.locator("#error-summary")).to_contain_text("PDF-, JPEG- oder PNG")
    assert not documents_dir.exists() or not any(documents_dir.rglob("*.*"))
    assert_accessible(page, axe)

    form = page.locator("#documents form").first
    form.locator("input[type=file]").set_input_files(
        {"name": "Zeugnis.pdf", "mimeType": "application/pdf", "buffer": samples.good_pdf()})
    form.locator("button[type=submit]").click()
    expect(page.locator("#documents")).to_contain_text("Zeugnis.pdf")
    page.get_by_label("Ihre Nachricht an die Behörde").fill("Das Zeugnis ist hochgeladen.\nViele Grüße")
    page.get_by_role("button", name="Nachricht senden").click()
    expect(page.locator("#messages")).to_contain_text("Das Zeugnis ist hochgeladen.")
    assert_accessible(page, axe)
    page.get_by_role("button", name=re.compile("Abmelden|Log out")).click()

    login(page, CLERK)
    page.goto("/cases?docs=1&unread=1")
    row = page.locator("table.queue tbody tr", has_text=reference)
    expect(row.locator(".marker-documents")).to_be_visible()
    expect(row.locator(".marker-messages")).to_contain_text("1 ungelesene Nachricht")
    assert_accessible(page, axe)
    row.locator(".marker-messages").click()
    expect(page.locator("#messages")).to_contain_text("Petra Neumann")
    page.get_by_role("button", name="Als gelesen markieren (für das ganze Team)").click()
    expect(page.locator("#messages")).to_contain_text("gelesen von Katrin Vogel")
    assert_accessible(page, axe)
    page.goto("/cases?unread=1")
    expect(page.locator("table.queue tbody tr", has_text=reference)).to_have_count(0)
