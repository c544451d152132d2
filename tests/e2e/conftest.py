"""End-to-end fixtures: the real app served on 127.0.0.1 in a thread, driven by Debian's headless Chromium.

The server runs on real time (no frozen clock) with the demo data, CSRF on and the real login, so a test clicks
through exactly what a clerk sees. Without Chromium, Playwright or axe-core a test is skipped with the reason on a
developer's machine and fails in CI (CI=true), where .ci/run installs all three.
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    service_missing,
)
from tracker import clock

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
HWK_CLERK = "anerkennung@hwk-erfurt.demo"
HWK_CLERK_2 = "anerkennung2@hwk-erfurt.demo"


def chromium_path() -> str:
    """Debian's chromium (never a browser Playwright downloads)."""
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    service_missing("Chromium not found (apt-get install chromium chromium-driver): browser tests skipped")


class LiveServer:
    def __init__(self, app, url: str):
        self.app = app
        self.url = url

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app with the demo data, served on a free port of 127.0.0.1 until the session ends."""
    from werkzeug.serving import make_server

    from tracker import create_app
    from tracker.cli.demo import load_demo
    from tracker.extensions import db

    postgres = bool(os.environ.get("TEST_DATABASE_URL"))
    url = (create_postgres_database("tracker_e2e") if postgres
           else f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'tracker.sqlite'}")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": True,
        "REDIS_URL": None,
        "SECRET_KEY": "e2e",
    })
    clock.resume()
    with app.app_context():
        db.create_all()
        load_demo()  # travels the clock to build histories, then resumes real time
        db.session.remove()
    clock.resume()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()
    if postgres:
        drop_postgres_database(url)


@pytest.fixture(autouse=True)
def real_time():
    """The live server runs on real time; a frozen clock left by another test would make its deadlines lie."""
    clock.resume()
    yield
    clock.resume()


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        service_missing("Playwright for Python is not installed (pip install -e '.[test]'): browser tests skipped")
    executable = chromium_path()
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        except PlaywrightError as error:
            service_missing(f"Chromium at {executable} did not start: {error}")
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Opens pages in fresh browser contexts (own cookies: one per clerk), German unless told otherwise."""
    contexts, problems = [], []

    def open_page(locale: str = "de-DE"):
        context = browser.new_context(locale=locale, base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        watch_for_problems(page, problems)
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not problems, "the browser reported:\n" + "\n".join(problems)


def watch_for_problems(page, problems: list[str]) -> None:
    """What a user's browser would flag on any page: a script error, a console error (a stylesheet, script or
    inline style the CSP refused, ...), a page's file that failed to load. A page answered with 4xx on purpose (a
    refused form is re-shown with 422) is the document itself and is not a problem; Chromium's console line for it
    ("Failed to load resource") is left to the response check, which sees what kind of request it was."""
    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
    page.on("console", lambda message: message.type == "error" and not message.text.startswith(
        "Failed to load resource") and problems.append(f"console error on {page.url}: {message.text}"))
    page.on("response", lambda response: response.status >= 400 and response.request.resource_type not in (
        "document", "fetch", "xhr") and problems.append(f"{response.status} for {response.url}"))


@pytest.fixture
def page(new_page):
    return new_page()


def login(page, email: str, password: str | None = None, lang: str = "de") -> None:
    """Log in through the form, then make sure the pages speak ``lang`` (a user's language choice is remembered)."""
    from tracker.cli.demo import DEMO_PASSWORD

    page.goto("/login")
    page.get_by_label(re.compile("E-Mail-Adresse|Email address")).fill(email)
    page.get_by_label(re.compile("^(Passwort|Password)")).fill(password or DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/(cases|portal)"))  # every role lands on its own home
    if page.locator("html").get_attribute("lang") != lang:
        switch_language(page, lang)


def switch_language(page, lang: str) -> None:
    page.locator(".header-tools button[name=lang]").click()
    # While the next page replaces this one there is a moment without a document element: wait past it.
    page.wait_for_function(f"document.documentElement !== null && document.documentElement.lang === '{lang}'")


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_PATH.is_file():
        service_missing(f"axe-core not found at {AXE_PATH} (npm install): accessibility checks skipped")
    return AXE_PATH.read_text(encoding="utf-8")


@pytest.fixture
def axe(axe_source):
    """Runs axe-core's WCAG 2.1 A/AA rules on the page; returns the violations (empty list = none found)."""

    def run(page) -> list[dict]:
        # After a form's POST the new document may be parsed before its stylesheet applies; contrast measured then
        # would be the browser's defaults, not the page users see.
        page.wait_for_load_state("load")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            # Evaluated through the browser's DevTools protocol, not as an inline <script>: the app's CSP
            # (script-src 'self') rightly blocks inline scripts, and the check must see the page as users get it.
            page.evaluate(axe_source)
        return page.evaluate(
            "async tags => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
            WCAG_AA)

    return run


def describe_violations(violations: list[dict]) -> str:
    """One line per violation and node: rule, impact, selector and axe's own hint on how to fix it."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            hint = (node.get("failureSummary") or violation["help"]).strip().splitlines()[-1].strip()
            lines.append(f"{violation['id']} ({violation['impact']}): {' '.join(map(str, node['target']))} – {hint}")
    return "\n".join(lines)


@pytest.fixture
def hwk_case(live_server):
    """Opens a fresh BQFG case at the Handwerkskammer Erfurt through the service layer (as the demo does) and
    returns its id; ``in_review=True`` also receives every document and confirms receipt, so the decision period
    runs. Tests that change a case use their own, never a demo case other tests look at."""
    from sqlalchemy import select

    from tracker.auth.models import User
    from tracker.cases.service import apply_transition, open_case, set_document_status
    from tracker.extensions import db
    from tracker.parties.models import Office, Person

    def create(family_name: str, *, in_review: bool = False) -> int:
        with live_server.app.app_context():
            office = db.session.scalar(select(Office).where(Office.code == "HWK-EF"))
            clerk = db.session.scalar(select(User).where(User.email == HWK_CLERK))
            applicant = Person(given_names="Lucía", family_name=family_name, nationality="Kolumbien",
                               preferred_language="de")
            case = open_case(procedure_id="recognition-bqfg", applicant=applicant, office=office, actor=clerk,
                             profession="Tecnólogo en Electricidad", reference_occupation="Elektroniker/in",
                             assignee=clerk)
            if in_review:
                for document in case.documents:
                    set_document_status(case, document.document_id, "received", clerk)
                apply_transition(case, "confirm_receipt_complete", clerk)
            db.session.commit()
            case_id = case.id
            db.session.remove()
        return case_id

    return create
