"""Issue 9's journey across all roles, in a real browser with CSRF on, each role in its own browser context:

1. the immigration office's clerk concludes the § 81a agreement and invites the employer's first contact;
2. the invitation arrives once; the employer sets a password with the one-time link and lands on the portal;
3. the employer's administrator gives the ThAFF advisor access, with consent;
4. the clerk asks for a document and starts the recognition; the employer uploads a PDF; the clerk finds it under
   "new documents" in the queue and accepts it;
5. the clerk issues an access code; the applicant (English browser) sees the new state in English, and the expected
   date section of the linked recognition case;
6. the advisor's overview lists the case;
7. every e-mail of the journey arrives exactly once.

Mail goes through the outbox into .eml files (the live server has no MAIL_SERVER), read from a temporary
MAIL_OUTBOX_DIR. axe-core checks the main pages on the way."""
from __future__ import annotations

import re
import uuid
from collections import Counter
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.documents import samples
from tests.e2e.conftest import HWK_CLERK, login, switch_language
from tests.e2e.test_accessibility import assert_accessible, open_all_details
from tracker import clock

pytestmark = pytest.mark.browser
CLERK = "sachbearbeitung@abh-erfurt.demo"
ADVISOR = "beratung@thaff.demo"
ADVISOR_NAME = "Lena Hoffmann (ThAFF)"
NEW_PASSWORD = "Kupferdraht-Umspannwerk-Gera-2026"


@pytest.fixture
def mail_dir(live_server, tmp_path):
    """The .eml files of this test alone; links in mails point at the live server (BASE_URL)."""
    config = live_server.app.config
    previous = config["MAIL_OUTBOX_DIR"], config["BASE_URL"]
    config["MAIL_OUTBOX_DIR"], config["BASE_URL"] = str(tmp_path / "outbox"), live_server.url
    yield tmp_path / "outbox"
    config["MAIL_OUTBOX_DIR"], config["BASE_URL"] = previous


@pytest.fixture
def documents_dir(live_server, tmp_path):
    previous = live_server.app.config["DOCUMENTS_DIR"]
    live_server.app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    yield tmp_path / "documents"
    live_server.app.config["DOCUMENTS_DIR"] = previous


@pytest.fixture
def pending_81a_case(live_server):
    """A fresh § 81a case at the ABH Erfurt, agreement still pending, for a new employer (no portal user yet) whose
    power of attorney the clerk recorded when the case was opened. Returns (case id, reference, applicant e-mail,
    employer name)."""
    from sqlalchemy import select

    from tracker.auth.models import User
    from tracker.cases.service import open_case, record_authorisation
    from tracker.extensions import db
    from tracker.parties.models import Employer, Office, Person

    tag = uuid.uuid4().hex[:6]
    with live_server.app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "ABH-EF"))
        clerk = db.session.scalar(select(User).where(User.email == CLERK))
        employer = Employer(name=f"Solarwerk Weimar {tag} GmbH", city="Weimar",
                            contact_email=f"info@solar-{tag}.example.com")
        applicant = Person(given_names="Amara", family_name=f"Eze-{tag}", nationality="Nigeria",
                           preferred_language="en", email=f"amara.{tag}@example.com")
        db.session.add(employer)
        case = open_case(procedure_id="skilled-worker-81a", applicant=applicant, office=office, actor=clerk,
                         employer=employer, profession="HND Electrical Engineering",
                         reference_occupation="Elektroniker/in", assignee=clerk)
        record_authorisation(case, clerk, employer=employer, grantor=applicant.full_name,
                             kind="power_of_attorney_81a", valid_from=clock.today())
        db.session.commit()
        result = case.id, case.reference, applicant.email, employer.name
        db.session.remove()
    return result


def mails(mail_dir: Path) -> list[tuple[str, str, str]]:
    """(recipient, subject, body) of every .eml written so far."""
    found = []
    for path in sorted(mail_dir.rglob("*.eml")) if mail_dir.exists() else []:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        body = message.get_body(preferencelist=("plain",))
        found.append((str(message["To"]), str(message["Subject"]), body.get_content() if body else ""))
    return found


def wait_for_mail(page, mail_dir: Path, recipient: str, count: int = 1) -> list[tuple[str, str, str]]:
    """The outbox is delivered after the commit (in-process without Redis): poll the files, not the clock."""
    for _ in range(100):
        to_recipient = [mail for mail in mails(mail_dir) if mail[0] == recipient]
        if len(to_recipient) >= count:
            return to_recipient
        page.wait_for_timeout(100)
    raise AssertionError(f"no mail to {recipient} in {mail_dir}: {mails(mail_dir)}")


def journey_mails(page, mail_dir: Path, recipients: set[str], expected: int) -> Counter:
    """(recipient, subject, state named) of the mails to ``recipients``, once at least ``expected`` are there. Without
    Redis the outbox delivers in the request that committed the change, so a duplicate would already be written."""
    def collect() -> Counter:
        found = Counter()
        for to, subject, body in mails(mail_dir):
            if to in recipients:
                state = re.search(r"(?:has changed|hat sich geändert): (.+)\.\n", body)
                found[(to, subject, state.group(1) if state else "")] += 1
        return found

    for _ in range(100):
        if sum(collect().values()) >= expected:
            break
        page.wait_for_timeout(100)
    return collect()


def linked_estimate(live_server, case_id: int):
    """What the estimate of past cases gives for this case (the page must say the same)."""
    from tracker.applicant.estimate import estimate_for
    from tracker.cases.models import Case
    from tracker.extensions import db

    with live_server.app.app_context():
        estimate = estimate_for(db.session.get(Case, case_id))
        db.session.remove()
    return estimate


def linked_case_id(live_server, case_id: int) -> int:
    from tracker.cases.models import Case
    from tracker.extensions import db

    with live_server.app.app_context():
        linked = db.session.get(Case, case_id).children[0].id
        db.session.remove()
    return linked


def office_id(live_server, code: str) -> str:
    from sqlalchemy import select

    from tracker.extensions import db
    from tracker.parties.models import Office

    with live_server.app.app_context():
        found = db.session.scalar(select(Office.id).where(Office.code == code))
        db.session.remove()
    return str(found)


def state_title(live_server, state: str, lang: str, procedure: str = "skilled-worker-81a") -> str:
    from tracker.registry import registry

    with live_server.app.app_context():
        return registry().latest(procedure).state(state).title.get(lang)


def issue_access_code(page, case_id: int) -> str:
    page.goto(f"/cases/{case_id}")
    page.locator("#status-page button[type=submit]").click()
    page.wait_for_url(re.compile(r"/access-code$"))
    return page.locator(".access-code strong").inner_text().strip()


def enter_status_page(page, reference: str, code: str) -> None:
    page.goto("/status")
    if page.locator("html").get_attribute("lang") != "en":
        switch_language(page, "en")
    page.get_by_label(re.compile("^(Aktenzeichen|Reference)")).fill(reference)
    page.get_by_label(re.compile("^(Zugangscode|Access code)")).fill(code)
    page.locator("main button[type=submit]").click()
    expect(page.locator("#state-heading")).to_be_visible()


def test_a_81a_case_across_all_roles(new_page, axe, live_server, mail_dir, documents_dir, pending_81a_case):
    case_id, reference, applicant_email, employer_name = pending_81a_case
    today = clock.today().isoformat()
    employer_email = f"personal.{uuid.uuid4().hex[:6]}@solarwerk-weimar.de"

    # 1. The clerk concludes the agreement and invites the employer's first contact.
    clerk = new_page()
    login(clerk, CLERK)
    clerk.goto(f"/cases/{case_id}")
    expect(clerk.locator("h1")).to_contain_text(reference)
    action = clerk.locator("#action-conclude_agreement")
    action.locator("summary").click()
    action.get_by_label("Datum der Vereinbarung").fill(today)
    action.get_by_label("Gebühr (411 €) bezahlt am").fill(today)
    action.locator("button[type=submit]").click()
    expect(clerk.locator("h1 .state-badge")).to_have_text(state_title(live_server, "agreement_concluded", "de"))
    open_all_details(clerk)
    assert_accessible(clerk, axe)
    clerk.locator("#invite-name").fill("Jana Köhler")
    clerk.locator("#invite-email").fill(employer_email)
    clerk.get_by_role("button", name="Einladung senden").click()
    expect(clerk.locator(".flash-success")).to_contain_text(employer_email)

    # 2. The invitation arrives once; the one-time link sets the password.
    [(_to, _subject, body)] = wait_for_mail(clerk, mail_dir, employer_email)
    link = re.search(r"https?://\S+/invitation/\S+", body).group(0)
    employer = new_page()
    employer.goto(link)
    assert_accessible(employer, axe)
    employer.get_by_label("Neues Passwort").fill(NEW_PASSWORD)
    employer.get_by_label("Passwort wiederholen").fill(NEW_PASSWORD)
    employer.get_by_role("button", name="Passwort speichern").click()
    employer.wait_for_url(re.compile(r"/login"))
    login(employer, employer_email, NEW_PASSWORD)
    employer.wait_for_url(re.compile(r"/portal"))
    expect(employer.locator("main")).to_contain_text(reference)
    assert_accessible(employer, axe)
    employer.goto(link)  # one-time: the second use is refused
    expect(employer.locator("main")).to_contain_text("ungültig, abgelaufen oder wurde schon benutzt")

    # 3. The employer's administrator gives the ThAFF advisor access, with consent.
    employer.goto("/portal/advisors")
    employer.get_by_label("Beratung der ThAFF").select_option(label=ADVISOR_NAME)
    employer.get_by_label("Wir willigen wie oben beschrieben ein.").check()
    employer.get_by_role("button", name="Zugang geben").click()
    expect(employer.locator("table.advisor-grants")).to_contain_text(ADVISOR_NAME)
    assert_accessible(employer, axe)

    # 4. The clerk asks for the diploma and starts the recognition; the employer uploads it; the clerk accepts it.
    clerk.goto(f"/cases/{case_id}")
    row = clerk.locator("#documents tbody tr").filter(has=clerk.locator("select[id='doc-diploma-status']"))
    row.locator("#doc-diploma-status").select_option("requested")
    with clerk.expect_navigation():  # the select shows the new value before the form is sent: wait for the reload
        row.get_by_role("button", name="Speichern").click()
    expect(clerk.locator("#doc-diploma-status")).to_have_value("requested")
    action = clerk.locator("#action-start_recognition")
    action.locator("summary").click()
    action.locator("#tr-start_recognition-procedure").select_option("recognition-bqfg")
    action.locator("#tr-start_recognition-recognition_office").select_option(office_id(live_server, "HWK-EF"))
    action.locator("button[type=submit]").click()
    expect(clerk.locator("h1 .state-badge")).to_have_text(state_title(live_server, "recognition_running", "de"))

    employer.goto("/portal")
    employer.locator("main a", has_text=reference).first.click()
    expect(employer.locator("h1")).to_contain_text(reference)
    form = employer.locator("#document-diploma form")
    form.locator("input[type=file]").set_input_files(
        {"name": "Diplom.pdf", "mimeType": "application/pdf", "buffer": samples.good_pdf()})
    form.locator("button[type=submit]").click()
    expect(employer.locator("#document-diploma")).to_contain_text("Diplom.pdf")
    assert_accessible(employer, axe)

    clerk.goto("/cases?docs=1")
    queue_row = clerk.locator("table.queue tbody tr", has_text=reference)
    expect(queue_row.locator(".marker-documents")).to_be_visible()
    assert_accessible(clerk, axe)
    queue_row.get_by_role("link", name=re.compile(reference)).first.click()
    expect(clerk.locator("#documents")).to_contain_text("Diplom.pdf")
    clerk.locator("#doc-diploma-status").select_option("accepted")
    with clerk.expect_navigation():
        clerk.locator("#documents tbody tr").filter(has=clerk.locator("#doc-diploma-status")) \
            .get_by_role("button", name="Speichern").click()
    expect(clerk.locator("#doc-diploma-status")).to_have_value("accepted")
    clerk.goto("/cases?docs=1")
    expect(clerk.locator("table.queue tbody tr", has_text=reference)).to_have_count(0)

    # 5. The access code, shown once; the applicant's page in English.
    code = issue_access_code(clerk, case_id)
    assert_accessible(clerk, axe)
    applicant = new_page(locale="en-GB")
    enter_status_page(applicant, reference, code)
    assert applicant.locator("html").get_attribute("lang") == "en"
    expect(applicant.locator("#state-heading")).to_have_text("Where your case stands")
    expect(applicant.locator("#state .state-badge")).to_have_text(
        state_title(live_server, "recognition_running", "en"))
    # The § 81a workflow has no decision period of the immigration office (no timer from complete documents), so
    # today its page shows no expected date at all; the recognition runs in the linked case, whose page has one.
    assert_accessible(applicant, axe)

    hwk = new_page()
    login(hwk, HWK_CLERK)
    linked_id = linked_case_id(live_server, case_id)
    linked_code = issue_access_code(hwk, linked_id)
    linked_reference = hwk.locator("h1").inner_text().rsplit("–", 1)[-1].strip()
    applicant_2 = new_page(locale="en-GB")
    enter_status_page(applicant_2, linked_reference, linked_code)
    expect(applicant_2.locator("#state-heading")).to_have_text("Where your case stands")
    expected = applicant_2.locator("#expected")
    expect(expected).to_be_visible()
    estimate = linked_estimate(live_server, linked_id)
    if estimate.supported:  # at least 10 decided cases alike: the page says how it estimates
        expect(expected).to_contain_text(f"How we estimate: {estimate.within} of {estimate.cases} similar cases")
    else:  # the demo data: fewer than 10 decided BQFG cases at the Handwerkskammer, and the page says so
        expect(expected).to_contain_text("there are not enough similar finished cases (at least 10)")
    assert_accessible(applicant_2, axe)

    # 6. The advisor's overview shows the case.
    advisor = new_page()
    login(advisor, ADVISOR)
    advisor.goto("/portal/overview")
    expect(advisor.locator("main")).to_contain_text(employer_name)
    assert_accessible(advisor, axe)
    # The overview counts open cases by procedure and state; the count links to the cases behind it.
    advisor.locator("main tr", has_text=state_title(live_server, "recognition_running", "de")) \
        .get_by_role("link").first.click()
    expect(advisor.locator("main")).to_contain_text(reference)
    assert_accessible(advisor, axe)

    # 7. Every mail of this journey exactly once: one per state change, document request and access code, each
    # to the party it concerns (the advisor and staff get none of these; nobody hears of their own action).
    def concerning(state: str, lang: str) -> str:
        return state_title(live_server, state, lang)

    expected = Counter({
        (employer_email, "Einladung / Invitation – Fallverfolgung Fachkräfteeinwanderung", ""): 1,
        (employer_email, f"Ihr Verfahren {reference}: neuer Stand", concerning("recognition_running", "de")): 1,
        (employer_email, f"Ihr Verfahren {reference}: Unterlagen benötigt", ""): 1,
        (applicant_email, f"Your case {reference}: new status", concerning("agreement_concluded", "en")): 1,
        (applicant_email, f"Your case {reference}: new status", concerning("recognition_running", "en")): 1,
        (applicant_email, f"Your case {reference}: documents needed", ""): 1,
        (applicant_email, f"Your case {reference}: access to the status page", ""): 1,
        (applicant_email, f"Your case {linked_reference}: access to the status page", ""): 1,
    })
    sent = journey_mails(clerk, mail_dir, {employer_email, applicant_email}, sum(expected.values()))
    assert sent == expected
    code_mails = [body for to, subject, body in mails(mail_dir) if subject.endswith("access to the status page")]
    assert f"Access code: {code}" in code_mails[0] and f"Access code: {linked_code}" in code_mails[1]
