"""German UI by default, English complete: the catalog, the per-user language switch and dates in each language.

Each request here runs in its own app context, as in production. The ``app`` fixture keeps one context pushed for
the whole test, and the test client reuses it, so Flask-Babel's locale and Flask-Login's user (both cached in ``g``)
would otherwise carry over from one request to the next and hide a switch of language or user.
"""
from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.factories import PASSWORD
from tracker.config import ROOT
from tracker.extensions import db
from tracker.registry import workflow_of

CATALOG = ROOT / "tracker" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def english_catalog():
    with CATALOG.open("rb") as file:
        return read_po(file)


def strings(message) -> tuple[str, ...]:
    return (message.string,) if isinstance(message.string, str) else tuple(message.string)


def ids(message) -> tuple[str, ...]:
    return (message.id,) if isinstance(message.id, str) else tuple(message.id)


def source_texts() -> set[str]:
    """Every msgid in code and templates, extracted as `make translations` does (same babel.cfg and keywords)."""
    with (ROOT / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = dict(DEFAULT_KEYWORDS, _l=None, lazy_gettext=None)
    skipped = {"__pycache__", "node_modules"}
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=keywords,
                             directory_filter=lambda path: not (
                                 (name := path.rstrip("/").rsplit("/", 1)[-1]).startswith(".") or name in skipped))
    return {message if isinstance(message, str) else message[0] for _file, _line, message, _comments, _context in found}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog():
    """`make test` compiles the catalog; do it here too when pytest runs alone after the .po changed."""
    compiled = CATALOG.with_suffix(".mo")
    if not compiled.exists() or compiled.stat().st_mtime < CATALOG.stat().st_mtime:
        with compiled.open("wb") as file:
            write_mo(file, english_catalog())


class Browser:
    """One browser with its own cookies; every request in a fresh app context."""

    def __init__(self, app, accept_language: str | None = None):
        self.app = app
        self.client = app.test_client()
        self.headers = {"Accept-Language": accept_language} if accept_language else {}

    def get(self, path: str) -> str:
        with self.app.app_context():
            response = self.client.get(path, headers=self.headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return response.get_data(as_text=True)

    def post(self, path: str, data: dict):
        with self.app.app_context():
            return self.client.post(path, data=data, headers=self.headers)

    def log_in(self, user) -> None:
        response = self.post("/login", {"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]

    def choose_language(self, lang: str, back_to: str) -> None:
        response = self.post("/language", {"lang": lang, "next": back_to})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(back_to)


@pytest.fixture
def browser(app):
    def open_browser(accept_language: str | None = None) -> Browser:
        db.session.commit()  # what the factories made is visible to the requests' own sessions
        return Browser(app, accept_language)

    return open_browser


@pytest.fixture
def clerk(make):
    return make.user(office=make.office(), name="Clara Clerk")


@pytest.fixture
def case(make, clerk):
    # Received on the frozen today, Mon 2 Mar 2026: the receipt confirmation (§ 6(2) BQFG, 1 month) is due 2 Apr.
    return make.case(office=clerk.office, actor=clerk, received_on=date(2026, 3, 2))


# --- the catalog ------------------------------------------------------------------------------------------

def test_every_message_in_the_catalog_has_an_english_text_with_the_same_placeholders():
    catalog = english_catalog()
    messages = [message for message in catalog if message.id]

    assert messages
    assert [message.id for message in messages if message.fuzzy] == []
    assert [message.id for message in messages if not all(strings(message))] == []
    assert [message.id for message in messages if message.pluralizable and len(strings(message)) != 2] == []
    assert [message.id for message in messages if any(
        sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(ids(message)[-1]))
        for text in strings(message))] == []


def test_every_german_text_in_code_and_templates_is_in_the_english_catalog():
    catalog_ids = {ids(message)[0] for message in english_catalog() if message.id}

    missing = sorted(source_texts() - catalog_ids)

    assert missing == [], "run `make translations` and write the English for the new empty msgstr entries"


# --- language per user, dates per language ----------------------------------------------------------------

def test_german_is_the_default_with_german_dates(browser, clerk, case):
    german = browser()
    german.log_in(clerk)

    queue = german.get("/cases")
    case_file = german.get(f"/cases/{case.id}")

    assert '<html lang="de">' in queue
    assert "Arbeitsvorrat" in queue and "Nächste Frist" in queue and "noch 31 Tage" in queue
    assert "02.04.2026" in queue
    assert "Antrag eingegangen" in case_file and "Verlauf" in case_file
    assert "02.03.2026" in case_file and "geb. 12.04.1995" in case_file
    assert "Work queue" not in queue and "2 Apr 2026" not in queue and "2 Mar 2026" not in case_file


def test_a_user_who_chose_english_gets_queue_and_case_file_in_english_in_the_next_session(browser, clerk, case):
    first_session = browser()
    first_session.log_in(clerk)
    first_session.choose_language("en", back_to="/cases")

    next_session = browser()  # another day or another computer: no cookie from the first session
    next_session.log_in(clerk)
    queue = next_session.get("/cases")
    case_file = next_session.get(f"/cases/{case.id}")

    assert '<html lang="en">' in queue
    assert "Work queue" in queue and "Reference" in queue and "Next deadline" in queue and "31 days left" in queue
    assert "2 Apr 2026" in queue
    for german in ("Arbeitsvorrat", "Aktenzeichen", "Nächste Frist", "noch 31 Tage", "02.04.2026"):
        assert german not in queue
    state = workflow_of(case).state(case.state).title
    assert state.en in case_file  # procedure texts come from the definition's {de, en}
    assert "Application received" in case_file and "History" in case_file and "Legal basis" in case_file
    assert "2 Mar 2026" in case_file and "born 12 Apr 1995" in case_file
    for german in ("Antrag eingegangen", "Verlauf", "Rechtsgrundlage", "Unterlagen", "02.03.2026", "12.04.1995"):
        assert german not in case_file


def test_the_language_choice_belongs_to_the_user_and_beats_the_browser(browser, make, clerk, case):
    colleague = make.user(office=clerk.office, name="Carl Colleague")
    english_user = browser()
    english_user.log_in(clerk)
    english_user.choose_language("en", back_to="/cases")

    colleague_session = browser()
    colleague_session.log_in(colleague)
    clerk_with_german_browser = browser(accept_language="de-DE,de;q=0.9")
    clerk_with_german_browser.log_in(clerk)

    assert "Arbeitsvorrat" in colleague_session.get("/cases")
    assert "Work queue" in clerk_with_german_browser.get("/cases")
    db.session.expire_all()
    assert (clerk.locale, colleague.locale) == ("en", None)


def test_switching_back_to_german_is_remembered_too(browser, clerk, case):
    first = browser()
    first.log_in(clerk)
    first.choose_language("en", back_to="/cases")
    first.choose_language("de", back_to="/cases")

    later = browser()
    later.log_in(clerk)

    assert "Arbeitsvorrat" in later.get("/cases")


def test_after_logout_the_login_page_stays_in_the_users_language(browser, clerk):
    chosen_elsewhere = browser()
    chosen_elsewhere.log_in(clerk)
    chosen_elsewhere.choose_language("en", back_to="/cases")
    here = browser()
    here.log_in(clerk)

    here.post("/logout", {})
    login_page = here.get("/login")

    assert "You have been logged out." in login_page and "Log in" in login_page


def test_an_anonymous_visitor_can_switch_the_login_page_to_english(browser, clerk):
    visitor = browser()
    assert "Anmelden" in visitor.get("/login") and "Passwort" in visitor.get("/login")

    visitor.choose_language("en", back_to="/login")
    login_page = visitor.get("/login")
    refused = visitor.post("/login", {"email": clerk.email, "password": "wrong"}).get_data(as_text=True)

    assert '<html lang="en">' in login_page
    assert "Log in" in login_page and "Email address" in login_page and "Password" in login_page
    assert "Anmelden" not in login_page and "Passwort" not in login_page
    assert "The email address or password is incorrect." in refused
    assert "Anmelden" in browser().get("/login")  # the choice lives in this visitor's session only


# --- English wording ----------------------------------------------------------------------------------------

VISIBLE_ISO_DATE = re.compile(r">[^<]*\b\d{4}-\d{2}-\d{2}\b[^<]*<")


def test_english_navigation_says_procedures_and_the_procedure_field_stays_singular(browser, clerk, case):
    english = browser()
    english.log_in(clerk)
    english.choose_language("en", back_to="/cases")

    queue = english.get("/cases")
    procedures = english.get("/procedures/")

    nav = queue.split('<nav aria-label="Main navigation">')[1].split("</nav>")[0]
    assert re.search(r">\s*Procedures\s*</a>", nav)
    assert "<h1>Procedures</h1>" in procedures
    assert ">Procedure<" in english.get("/cases/new").replace("\n", "")  # the form field: one procedure


def test_english_case_file_shows_dates_as_2_mar_2026_with_capitalised_explanations(browser, clerk, case):
    english = browser()
    english.log_in(clerk)
    english.choose_language("en", back_to="/cases")

    case_file = english.get(f"/cases/{case.id}")

    assert VISIBLE_ISO_DATE.findall(case_file) == []
    assert "Application received Mon 2 Mar 2026" in case_file  # the receipt timer's explanation, first line
    assert "+ 1 month = Thu 2 Apr 2026" in case_file
    assert "2 Apr 2026" in case_file


def test_switching_language_after_a_refused_form_goes_back_to_the_page_it_was_sent_from(client, make):
    """Browser review: the switch on a refused step (a POST answered with the case page) sent the step's address as
    the page to return to, which takes no GET: "Diese Adresse ist kein Seitenaufruf"."""
    from tests.factories import PASSWORD

    office = make.office()
    clerk = make.user(office=office)
    case = make.case(office=office, actor=clerk)
    client.post("/login", data={"email": clerk.email, "password": PASSWORD})
    refused = client.post(f"/cases/{case.id}/transitions/issue_deficit_notice", data={"version": case.version},
                          headers={"Referer": f"http://localhost/cases/{case.id}"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'name="next" value=""' in page  # no step address to return to
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    data = {"lang": "en", "next": ""} | ({"csrf_token": token.group(1)} if token else {})
    switched = client.post("/language", data=data, headers={"Referer": f"http://localhost/cases/{case.id}"})
    assert switched.status_code == 302 and switched.headers["Location"].endswith(f"/cases/{case.id}")
