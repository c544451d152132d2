"""The employer's home and case page: their cases in plain language, the § 81a chain as a task list, what is
needed from them, and a timeline without the authority's internal events."""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import event

from tests.cases.test_transitions import (
    TODAY,
    SkilledWorker,
    grant_equivalence,
    open_skilled_worker_case,
    start_linked_recognition,
    step,
)
from tracker import clock
from tracker.cases import service
from tracker.portal import overview
from tracker.extensions import db
from tracker.registry import workflow_of


def steps_of(page: str) -> list[tuple[str, str]]:
    """(step title, its status line) of the chain, in order."""
    section = page.split('id="steps-heading"', 1)[1].split("</section>", 1)[0]
    return [(re.sub(r"\s+", " ", title).strip(), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip())
            for title, body in re.findall(r"<h3>(.*?)</h3>\s*<p>(.*?)</p>", section, re.S)]


def authorised(worker: SkilledWorker):
    make_authorisation = service.record_authorisation(
        worker.case, worker.clerk, employer=worker.employer, kind="power_of_attorney_81a",
        grantor=worker.case.applicant.full_name, valid_from=worker.case.received_on)
    db.session.commit()
    return make_authorisation


def documents_asked_of_the_worker(make, due_date: str):
    """An authorised § 81a case whose recognition body asked the worker for the diploma by ``due_date``."""
    worker = open_skilled_worker_case(make)
    authorised(worker)
    recognition = start_linked_recognition(worker)
    step(recognition, "confirm_receipt_incomplete", worker.body_clerk, documents="diploma")
    step(recognition, "request_missing_documents", worker.body_clerk, due_date=due_date, documents="diploma")
    return worker, recognition


def test_the_home_page_lists_the_cases_with_state_who_owes_the_next_step_and_the_deadline(client, login, make):
    worker = open_skilled_worker_case(make)
    authorised(worker)
    recognition = start_linked_recognition(worker)
    step(worker.case, "request_ba_approval", worker.clerk)
    login(make.user(role="employer", employer=worker.employer))

    response = client.get("/", follow_redirects=True)
    page = response.get_data(as_text=True)

    assert response.request.path == "/portal"  # the employer's own home
    assert worker.case.reference in page
    assert recognition.reference not in page  # the recognition case is part of the § 81a chain, not authorised itself
    state = workflow_of(worker.case).state("ba_pending")
    assert state.employer.de in page and state.description.de not in page
    assert "Bundesagentur für Arbeit" in page  # who owes the next step
    assert "09.03.2026" in page  # the BA's week (§ 36(2) BeschV) ends Mon 9 Mar


def test_the_case_page_shows_the_81a_chain_with_states_dates_and_who_owes_each_step(client, login, make):
    worker = open_skilled_worker_case(make)
    authorised(worker)
    recognition = start_linked_recognition(worker)
    step(worker.case, "record_ba_approval_not_required", worker.clerk, reason="§ 39(1) AufenthG")
    grant_equivalence(recognition, worker.body_clerk)
    step(worker.case, "issue_pre_approval", worker.clerk, date=TODAY)
    step(worker.case, "request_visa_appointment", worker.clerk, date=TODAY)
    login(make.user(role="employer", employer=worker.employer, name="Erika Employer"))

    page = client.get(f"/portal/cases/{worker.case.id}").get_data(as_text=True)
    chain = steps_of(page)

    assert [title for title, _ in chain] == [
        "Vereinbarung und Gebühr (§ 81a Abs. 2 AufenthG)",
        "Anerkennung des Berufsabschlusses bei der zuständigen Stelle",
        "Zustimmung der Bundesagentur für Arbeit", "Vorabzustimmung der Ausländerbehörde",
        "Termin bei der Auslandsvertretung", "Entscheidung über das Visum", "Einreise"]
    assert chain[0][1].startswith("erledigt am 02.03.2026")
    assert chain[1][1].startswith("erledigt")
    assert chain[2][1].startswith("erledigt") and chain[3][1].startswith("erledigt")
    # The mission owes the appointment within three weeks (§ 31a(1) AufenthV): Mon 23 Mar.
    assert "läuft" in chain[4][1] and "Auslandsvertretung" in chain[4][1] and "23.03.2026" in chain[4][1]
    assert chain[5][1] == "noch nicht begonnen" and chain[6][1] == "noch nicht begonnen"


def test_the_case_page_says_what_is_needed_from_the_employer_with_its_due_date(client, login, make):
    worker, recognition = documents_asked_of_the_worker(make, "2026-03-20")
    step(worker.case, "request_ba_approval", worker.clerk)
    step(worker.case, "record_ba_information_missing", worker.clerk, reason="Arbeitszeit fehlt")
    login(make.user(role="employer", employer=worker.employer))

    page = client.get(f"/portal/cases/{worker.case.id}").get_data(as_text=True)
    needed = page.split('id="requests-heading"', 1)[1].split("</section>", 1)[0]

    assert workflow_of(worker.case).state("ba_information_missing").employer.de in needed
    assert "Unterlage nachreichen: Ausbildungsnachweis" in needed and "20.03.2026" in needed
    assert "Arbeitgeber" in page  # the BA step now waits for the employer


def test_the_timeline_leaves_out_notes_assignments_and_clerk_names(client, login, make):
    worker = open_skilled_worker_case(make)
    authorised(worker)
    service.add_note(worker.case, worker.clerk, "Vertraulich: Rückfrage beim Zoll")
    service.assign(worker.case, worker.clerk, worker.clerk)
    db.session.commit()
    login(make.user(role="employer", employer=worker.employer))

    page = client.get(f"/portal/cases/{worker.case.id}").get_data(as_text=True)
    timeline = page.split('id="timeline-heading"', 1)[1]

    assert "Fall angelegt" in timeline and "Vollmacht für" in timeline
    assert "Notiz" not in page and "Rückfrage beim Zoll" not in page
    assert "Zuständigkeit" not in timeline
    assert worker.clerk.name not in page


def test_the_timeline_dates_each_step_by_its_fact_and_names_a_step_once(client, login, make):
    worker = open_skilled_worker_case(make)
    authorised(worker)
    start_linked_recognition(worker)
    clock.travel_to(date(2026, 3, 5))
    step(worker.case, "record_ba_approval_not_required", worker.clerk, reason="§ 39(1) AufenthG",
         effective_on=date(2026, 3, 3))
    login(make.user(role="employer", employer=worker.employer))

    timeline = client.get(f"/portal/cases/{worker.case.id}").get_data(as_text=True).split('id="timeline-heading"')[1]

    # Recorded on the 5th, the step happened on the 3rd, as the chain above says.
    assert "erfasst am 05.03.2026, wirksam am 03.03.2026" in timeline
    # The step is named like the state it reaches: said once, not "… → …" twice.
    assert "Vereinbarung geschlossen – Gebühr bezahlt</p>" in timeline
    assert "Vereinbarung geschlossen – Gebühr bezahlt → Vereinbarung geschlossen" not in timeline


def test_clerks_see_the_staff_text_and_employers_the_employer_text_in_english_too(client, login, make):
    worker = open_skilled_worker_case(make)
    authorised(worker)
    state = workflow_of(worker.case).state(worker.case.state)
    login(worker.clerk)
    clerk_page = client.get(f"/cases/{worker.case.id}").get_data(as_text=True)
    assert state.staff.de in clerk_page and state.employer.de not in clerk_page

    client.post("/logout")
    login(make.user(role="employer", employer=worker.employer))
    client.post("/language", data={"lang": "en"})
    english = client.get(f"/portal/cases/{worker.case.id}").get_data(as_text=True)
    assert state.employer.en in english and "Agreement and fee" in english


def test_a_clerk_records_and_revokes_an_authorisation_from_the_case_file(client, login, make):
    worker = open_skilled_worker_case(make)
    employer_user = make.user(role="employer", employer=worker.employer)
    login(worker.clerk)

    response = client.post(f"/cases/{worker.case.id}/authorisations", data={
        "version": worker.case.version, "employer": worker.employer.id, "kind": "power_of_attorney_81a",
        "grantor": "Anh Nguyen", "scope": "alle Handlungen im Verfahren", "valid_from": "2026-03-02",
        "valid_until": "", "evidence": "power_of_attorney"})
    assert response.status_code == 302
    db.session.expire_all()
    (authorisation,) = worker.case.authorisations
    assert authorisation.evidence.document_id == "power_of_attorney"
    page = client.get(f"/cases/{worker.case.id}").get_data(as_text=True)
    assert "Vollmacht für" in page
    assert "Nachweis: Vollmacht der Fachkraft für den Arbeitgeber" in page  # the item's title, not its key

    refused = client.post(f"/cases/{worker.case.id}/authorisations/{authorisation.id}/revoke",
                          data={"version": worker.case.version, "reason": ""})
    assert refused.status_code == 422
    client.post(f"/cases/{worker.case.id}/authorisations/{authorisation.id}/revoke",
                data={"version": worker.case.version, "reason": "Widerruf der Fachkraft"})
    db.session.expire_all()
    assert authorisation.revoked_at is not None and authorisation.revoked_by_id == worker.clerk.id
    client.post("/logout")
    login(employer_user)
    assert client.get(f"/portal/cases/{worker.case.id}").status_code == 404


def test_only_the_office_holding_the_case_records_an_authorisation(make):
    worker = open_skilled_worker_case(make)
    employer_user = make.user(role="employer", employer=worker.employer)
    stranger = make.user("immigration_clerk", make.office("immigration_office"))
    for actor in (employer_user, stranger, worker.body_clerk):
        try:
            service.record_authorisation(worker.case, actor, employer=worker.employer, kind="power_of_attorney_81a",
                                         grantor="Anh Nguyen", valid_from=worker.case.received_on)
        except service.AccessDenied:
            db.session.rollback()
        else:
            raise AssertionError(f"{actor.role} recorded an authorisation")
    assert worker.case.authorisations == []


def test_the_home_page_reads_a_fixed_number_of_statements_however_many_cases(app, client, login, make):
    office = make.office()
    clerk = make.user(office=office)
    employer = make.employer()
    login(make.user(role="employer", employer=employer))

    def statements_for_home() -> int:
        count = [0]

        def counted(*_args):
            count[0] += 1

        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            assert client.get("/portal").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        return count[0]

    for _ in range(2):
        make.authorisation(make.case(office=office, actor=clerk, employer=employer), actor=clerk)
    few = statements_for_home()
    for _ in range(6):
        make.authorisation(make.case(office=office, actor=clerk, employer=employer), actor=clerk)
    assert statements_for_home() == few


def test_the_home_page_shows_every_case_once_page_by_page_with_the_total(client, login, make, monkeypatch):
    monkeypatch.setattr(overview, "HOME_PAGE_SIZE", 3)
    office = make.office()
    clerk = make.user(office=office)
    employer = make.employer()
    references = []
    for _ in range(7):
        case = make.case(office=office, actor=clerk, employer=employer)
        make.authorisation(case, actor=clerk)
        references.append(case.reference)
    db.session.commit()
    login(make.user(role="employer", employer=employer))

    def listed(page: str) -> list[str]:
        return [reference for reference in re.findall(r">([A-Z]{2,4}-[A-Z0-9]+-\d{4}-\d{6})</a>", page)]

    seen, url, pages = [], "/portal", 0
    while url:
        page = client.get(url).get_data(as_text=True)
        pages += 1
        assert "7 Fälle" in page and f"Seite {pages} von 3" in page
        seen += listed(page)
        following = re.search(r'href="([^"]+)" rel="next"', page)
        url = following.group(1).replace("&amp;", "&") if following else None
    assert pages == 3 and sorted(seen) == sorted(references)  # each case once, none left out

    last = client.get("/portal?page=99").get_data(as_text=True)  # past the end: the last page
    assert "Seite 3 von 3" in last and listed(last) == seen[-1:]
    for odd in ("abc", "-1", "0", "99999999999999999999"):
        response = client.get(f"/portal?page={odd}")
        assert response.status_code == 200 and "Seite 1 von 3" in response.get_data(as_text=True)


def test_the_employer_is_told_the_working_day_a_documents_deadline_on_a_saturday_ends(client, login, make):
    """The body asks for the diploma by Sat 21 Mar 2026: the deadline ends on Mon 23 Mar (§ 31(3) s. 1 VwVfG), and
    the home and the case page say so, as the request letter does."""
    worker, recognition = documents_asked_of_the_worker(make, "2026-03-21")
    login(make.user(role="employer", employer=worker.employer))

    (request,) = [item for item in overview.requests_of(worker.case, workflow_of(worker.case)) if item.due_on]
    assert request.due_on.isoformat() == "2026-03-23" and request.case.id == recognition.id
    page = client.get(f"/portal/cases/{worker.case.id}").get_data(as_text=True)
    needed = page.split('id="requests-heading"', 1)[1].split("</section>", 1)[0]
    assert "Unterlage nachreichen: Ausbildungsnachweis" in needed and "bis 23.03.2026" in needed
    assert "21.03.2026" not in page
    home = client.get("/portal").get_data(as_text=True)
    assert "bis 23.03.2026" in home and "21.03.2026" not in home


def test_the_chain_says_the_worker_owes_the_recognition_step_while_the_body_waits_for_documents(client, login, make):
    """Browser review: while the body waited for the worker's documents, the chain said the body was to act, with
    the worker's documents deadline as the body's "gesetzliche Frist"."""
    worker, recognition = documents_asked_of_the_worker(make, "2026-03-20")
    login(make.user(role="employer", employer=worker.employer))

    chain = dict(steps_of(client.get(f"/portal/cases/{worker.case.id}").get_data(as_text=True)))
    line = chain["Anerkennung des Berufsabschlusses bei der zuständigen Stelle"]
    assert "am Zug: Antragsteller/in" in line and "Frist: 20.03.2026" in line, line
    assert "gesetzliche Frist" not in line and "Anerkennungsstelle" not in line, line

    step(recognition, "record_documents_received", worker.body_clerk)
    line = dict(steps_of(client.get(f"/portal/cases/{worker.case.id}").get_data(as_text=True)))[
        "Anerkennung des Berufsabschlusses bei der zuständigen Stelle"]
    assert "am Zug: Anerkennungsstelle" in line, line


def test_the_home_page_lists_first_the_cases_waiting_for_the_employer(client, login, make):
    """A case that waits for the employer comes first, whether or not a deadline runs on it: the BA's request for
    information stops the BA's week, so that case has no deadline, while the other's week runs."""
    waiting = open_skilled_worker_case(make)
    running = SkilledWorker(make.case("skilled-worker-81a", office=waiting.case.office, actor=waiting.clerk,
                                      employer=waiting.employer), waiting.clerk, waiting.body, waiting.body_clerk,
                            waiting.employer)
    for worker in (running, waiting):
        authorised(worker)
        start_linked_recognition(worker)
        step(worker.case, "request_ba_approval", worker.clerk)
    step(waiting.case, "record_ba_information_missing", waiting.clerk, reason="Arbeitszeit fehlt")
    login(make.user(role="employer", employer=waiting.employer))

    page = client.get("/portal").get_data(as_text=True)

    assert waiting.case.next_due_on is None and running.case.next_due_on is not None
    assert page.index(waiting.case.reference) < page.index(running.case.reference)
    assert "Offene Fälle zuerst: die, bei denen Sie am Zug sind" in page
