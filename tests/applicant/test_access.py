"""Who reaches a status page: the right reference and code, or a valid signed link for the current code; nobody
else, and never another applicant's case. The code is kept hashed, renewing it ends the old one."""
from __future__ import annotations

from datetime import date

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from tests.applicant.conftest import REFUSED, enter, fresh, issue, step, text
from tracker import clock
from tracker.applicant import codes
from tracker.applicant.models import AccessCode
from tracker.audit.models import Event, EventKind
from tracker.extensions import db


def test_the_right_reference_and_code_open_the_page_with_the_least_personal_data(client, case, clerk):
    issued = issue(case, clerk)

    response = enter(client, case.reference, issued.code)
    assert response.status_code == 302 and response.headers["Location"].endswith("/status")
    page = text(client.get("/status"))
    assert "Guten Tag," in page and "Thị" not in page  # no name: the page shows no personal data
    assert case.reference in page
    assert "Anerkennung eines ausländischen Berufsabschlusses" in page
    assert "Handwerkskammer Erfurt, Anerkennungsstelle" in page and "0361 000-6000" in page
    # Nothing about the person: no name, birth date, address or nationality.
    for private in ("Nguyễn", "Ánh", "12.04.1995", "Phố Huế", "Hà Nội", "Vietnam", "anh@example.org"):
        assert private not in page
    assert "Clara Clerk" not in page  # nor the clerk


def test_the_code_is_typed_as_it_reads_on_paper(client, case, clerk):
    issued = issue(case, clerk)
    typed = " " + codes.grouped(issued.code).lower() + " "  # ABCDE-FGHJK, in small letters, with spaces
    assert enter(client, case.reference.lower(), typed).status_code == 302


def test_a_wrong_code_and_a_wrong_reference_get_the_same_answer(client, case, clerk, make):
    issued = issue(case, clerk)
    other = make.case(office=case.office, actor=clerk)  # a case without a code

    answers = [enter(client, case.reference, "ACDEF-GHJKM"),
               enter(client, "ANR-BQ-2026-999999", issued.code),
               enter(client, other.reference, issued.code),
               enter(client, case.reference, "")]
    assert [answer.status_code for answer in answers[:3]] == [422, 422, 422]
    bodies = [text(answer) for answer in answers[:3]]
    assert all(REFUSED in body for body in bodies)
    assert bodies[0] == bodies[1] == bodies[2]  # no hint which part was wrong
    assert answers[3].status_code == 422
    assert "so steht Ihr Verfahren" not in text(client.get("/status"))  # nobody entered


def test_the_code_is_stored_only_as_a_hash_and_never_in_the_audit_trail(client, case, clerk):
    issued = issue(case, clerk)
    record = db.session.scalar(select(AccessCode).where(AccessCode.case_id == case.id))
    assert issued.code not in record.code_hash and record.code_hash.startswith(("scrypt:", "pbkdf2:"))
    events = list(db.session.scalars(select(Event).where(Event.case_id == case.id,
                                                         Event.kind == EventKind.ACCESS_CODE_ISSUED)))
    assert len(events) == 1 and events[0].data == {"generation": 1, "renewed": False}
    assert all(issued.code not in str(event.data) + event.reason for event in db.session.scalars(select(Event)))


def test_a_renewed_code_invalidates_the_old_one_and_its_sessions(client, case, clerk, app):
    first = issue(case, clerk)
    assert enter(client, case.reference, first.code).status_code == 302
    assert "so steht Ihr Verfahren" in text(client.get("/status"))

    second = issue(case, clerk)
    assert second.generation == 2 and second.code != first.code
    page = text(client.get("/status"))  # the open session ended with the renewal
    assert "so steht Ihr Verfahren" not in page and "Zugangscode wurde erneuert" in page
    assert enter(client, case.reference, first.code).status_code == 422
    assert enter(client, case.reference, second.code).status_code == 302
    event = db.session.scalars(select(Event).where(Event.case_id == case.id, Event.kind == EventKind.ACCESS_CODE_ISSUED)
                               .order_by(Event.seq.desc())).first()
    assert event.data == {"generation": 2, "renewed": True}


def test_the_signed_link_opens_the_page_and_carries_no_code(client, case, clerk):
    issued = issue(case, clerk)
    token = codes.link_token(case.id, issued.generation)
    assert codes.normalise_code(issued.code) not in token.upper().replace("-", "").replace("_", "")

    response = client.get(f"/status/link?t={token}")
    assert response.status_code == 302 and response.headers["Location"].endswith("/status")
    assert "so steht Ihr Verfahren" in text(client.get("/status"))


def test_an_expired_a_forged_and_a_superseded_link_open_nothing(client, app, case, clerk):
    issued = issue(case, clerk)
    token = codes.link_token(case.id, issued.generation)
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert client.get(f"/status/link?t={tampered}").status_code == 404
    assert client.get("/status/link?t=").status_code == 404
    # A link signed with another key (anyone can make the payload; nobody else has the key).
    foreign = URLSafeTimedSerializer("another key", salt=codes.LINK_SALT).dumps({"case": case.id, "generation": 1})
    assert client.get(f"/status/link?t={foreign}").status_code == 404

    clock.advance(days=app.config["STATUS_LINK_DAYS"], minutes=1)
    expired = client.get(f"/status/link?t={token}")
    assert expired.status_code == 404 and "Der Link ist abgelaufen oder ungültig" in text(expired)
    clock.travel_to(date(2026, 3, 2))

    issue(case, clerk)  # renewed: the link of the first code ends with it
    assert client.get(f"/status/link?t={token}").status_code == 404
    assert "so steht Ihr Verfahren" not in text(client.get("/status"))


def test_another_applicants_case_is_never_reachable(client, case, clerk, make):
    mine = issue(case, clerk)
    other_case = make.case(office=case.office, actor=clerk, applicant=make.person(given="Rahul", family="Sharma"))
    theirs = issue(other_case, clerk)

    # My code with their reference, their link's payload with my generation: nothing opens their case.
    assert enter(client, other_case.reference, mine.code).status_code == 422
    assert enter(client, case.reference, mine.code).status_code == 302
    page = text(client.get("/status"))
    assert case.reference in page and other_case.reference not in page and "Rahul" not in page
    # The page takes no case id from the request: whatever is asked, it shows the session's case.
    for url in (f"/status?case={other_case.id}", f"/status?reference={other_case.reference}"):
        shown = text(client.get(url))
        assert other_case.reference not in shown and case.reference in shown
    assert theirs.code != mine.code


def test_leaving_ends_the_session_on_this_device(client, case, clerk):
    issued = issue(case, clerk)
    enter(client, case.reference, issued.code)
    response = client.post("/status/leave")
    assert response.status_code == 303 and response.headers["Location"].endswith("/status/left")
    left = client.get("/status/left")  # the address bar now holds a page that can be reloaded
    assert left.status_code == 200 and "Sie haben die Statusseite verlassen" in text(left)
    assert "so steht Ihr Verfahren" not in text(client.get("/status"))


def test_leaving_ends_every_copy_of_the_session_and_the_code_still_opens_it_again(client, app, case, clerk):
    # A copy of the cookie (another device, a session a shared computer kept) ends with the one that left.
    issued = issue(case, clerk)
    enter(client, case.reference, issued.code)
    copy = app.test_client()
    name, domain = app.config["SESSION_COOKIE_NAME"], app.config["SERVER_NAME"]
    copy.set_cookie(name, client.get_cookie(name, domain=domain).value, domain=domain)
    assert "so steht Ihr Verfahren" in text(copy.get("/status"))

    client.post("/status/leave")
    assert "so steht Ihr Verfahren" not in text(copy.get("/status"))
    sent = copy.post("/status/messages", data={"body": "nach dem Verlassen"})
    assert sent.status_code in (302, 400, 403) and "nach dem Verlassen" not in text(copy.get("/status"))

    enter(client, case.reference, issued.code)  # the code itself is unchanged: entering again works
    assert "so steht Ihr Verfahren" in text(client.get("/status"))


def test_the_session_ends_after_some_idle_minutes(client, app, case, clerk):
    issued = issue(case, clerk)
    enter(client, case.reference, issued.code)
    clock.advance(minutes=app.config["STATUS_SESSION_MINUTES"] - 1)
    assert "so steht Ihr Verfahren" in text(client.get("/status"))
    clock.advance(minutes=app.config["STATUS_SESSION_MINUTES"] + 1)
    assert "so steht Ihr Verfahren" not in text(client.get("/status"))


def test_the_applicant_session_is_no_staff_login(client, case, clerk):
    issued = issue(case, clerk)
    enter(client, case.reference, issued.code)
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post(f"/cases/{case.id}/access-code").status_code == 302  # to the login, nothing issued
    assert fresh(case) and db.session.scalar(select(AccessCode.generation).where(AccessCode.case_id == case.id)) == 1


def test_a_closed_case_still_shows_its_outcome(client, case, clerk):
    issued = issue(case, clerk)
    step(fresh(case), "withdraw", clerk, reason="zurückgezogen")
    enter(client, case.reference, issued.code)
    page = text(client.get("/status"))
    assert "Ihr Verfahren ist abgeschlossen" in page
    assert "Was wir von Ihnen brauchen" not in page
    assert "schreiben Sie uns hier" not in page  # no message form on a closed case, so no promise of one


def test_the_page_speaks_german_and_english(client, case, clerk):
    issued = issue(case, clerk)
    enter(client, case.reference, issued.code)
    german = text(client.get("/status"))
    assert "Wo Ihr Verfahren steht" in german and "Antrag eingegangen" in german
    assert "Ihr Antrag ist bei uns angekommen." in german  # the definition's text for the applicant

    response = client.post("/language", data={"lang": "en", "next": "/status"})
    assert response.status_code == 302
    english = text(client.get("/status"))
    assert "Hello," in english and "Thị" not in english and "Where your case stands" in english and "What happens next" in english
    assert "We have received your application." in english and "Application received" in english
    assert "It is our turn: Handwerkskammer Erfurt, Anerkennungsstelle is working on your application." in english
    assert "Wo Ihr Verfahren steht" not in english
    entry = client.post("/status/leave", follow_redirects=True)
    assert "You have left the status page" in text(entry)
    refused = enter(client, case.reference, "ACDEF-GHJKM")
    assert "The reference or the access code is not right. Please check both." in text(refused)


def test_the_link_opens_the_page_in_the_applicants_language(client, case, clerk):
    case.applicant.preferred_language = "en"
    db.session.commit()
    issued = issue(case, clerk)
    client.get(f"/status/link?t={codes.link_token(case.id, issued.generation)}")
    assert "Where your case stands" in text(client.get("/status"))


def test_the_page_names_the_office_responsible_not_an_assignee(client, case, clerk):
    """Browser review: the English page said "Assigned to: Handwerkskammer Erfurt", the clerks' word for a colleague."""
    enter(client, case.reference, issue(case, clerk).code)
    assert "Zuständige Stelle Handwerkskammer Erfurt" in text(client.get("/status"))
    client.post("/language", data={"lang": "en", "next": "/status"})
    english = text(client.get("/status"))
    assert "Responsible office Handwerkskammer Erfurt" in english and "Assigned to" not in english
