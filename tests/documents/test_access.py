"""Every new door (downloads, uploads, messages, the read mark) for every role and for anonymous users, against the
user's own case and a foreign one. A case the user may not see answers 404, like a case that does not exist; the
portal's doors are for employer users only (403 for everyone else, as for every portal page)."""
from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.documents import samples
from tracker import clock
from tracker.cases import service
from tracker.documents.models import Upload
from tracker.documents.storage import document_storage
from tracker.documents.uploads import receive_upload
from tracker.extensions import db
from tracker.messages.models import Message

ROLES = ("anonymous", "clerk", "team_lead", "clerk_other_office", "clerk_linked_office", "admin", "employer",
         "employer_expired", "employer_revoked", "employer_other", "advisor", "advisor_other")

#: What each role gets on its own case (the one case a party is involved in, held by the clerk's office).
#: Route keys: download (workspace), portal_download, message (workspace), read, portal_upload, portal_message.
OWN = {
    "anonymous": dict(download=302, portal_download=302, message=302, read=302, portal_upload=302,
                      portal_message=302),
    "clerk": dict(download=200, portal_download=403, message=302, read=302, portal_upload=403, portal_message=403),
    "team_lead": dict(download=200, portal_download=403, message=302, read=302, portal_upload=403,
                      portal_message=403),
    "clerk_other_office": dict(download=404, portal_download=403, message=404, read=404, portal_upload=403,
                               portal_message=403),
    # The immigration office that started the recognition reads it, documents too, but the thread is the
    # recognition body's with the parties.
    "clerk_linked_office": dict(download=200, portal_download=403, message=404, read=404, portal_upload=403,
                                portal_message=403),
    "admin": dict(download=200, portal_download=403, message=302, read=302, portal_upload=403, portal_message=403),
    "employer": dict(download=200, portal_download=200, message=302, read=403, portal_upload=302,
                     portal_message=302),
    "employer_expired": dict(download=404, portal_download=404, message=404, read=404, portal_upload=404,
                             portal_message=404),
    "employer_revoked": dict(download=404, portal_download=404, message=404, read=404, portal_upload=404,
                             portal_message=404),
    "employer_other": dict(download=404, portal_download=404, message=404, read=404, portal_upload=404,
                           portal_message=404),
    # Advisors follow the case in the portal and write in the thread, but neither read the worker's papers (404:
    # not theirs) nor send documents (403: the employer's act).
    "advisor": dict(download=404, portal_download=404, message=302, read=403, portal_upload=403,
                    portal_message=302),
    "advisor_other": dict(download=404, portal_download=404, message=404, read=404, portal_upload=404,
                          portal_message=404),
}


@pytest.fixture
def world(app, make, tmp_path):
    app.config["DOCUMENTS_DIR"] = str(tmp_path / "documents")
    clock.travel_to(date(2026, 3, 2))
    immigration = make.office(kind="immigration_office")
    body, other_body = make.office(), make.office()
    ours, theirs, expired_employer, revoked_employer = (make.employer() for _ in range(4))
    parent = make.case(procedure_id="skilled-worker-81a", office=immigration, employer=ours)
    clerk = make.user(office=body, name="Clara Clerk")
    own = make.case(office=body, actor=clerk, employer=ours, parent=parent, received_on=date(2026, 2, 2))
    foreign_clerk = make.user(office=other_body)
    foreign = make.case(office=other_body, actor=foreign_clerk, employer=theirs, received_on=date(2026, 2, 2))
    make.authorisation(own, actor=clerk)
    make.authorisation(own, employer=expired_employer, actor=clerk, valid_from=date(2026, 2, 2),
                       valid_until=date(2026, 3, 1))
    revoked = make.authorisation(own, employer=revoked_employer, actor=clerk)
    service.revoke_authorisation(own, revoked.id, clerk, "widerrufen")
    make.authorisation(foreign, actor=foreign_clerk)
    db.session.commit()
    advisor, advisor_other = make.user(role="advisor"), make.user(role="advisor")
    make.grant(ours, advisor=advisor)
    make.grant(make.employer(), advisor=advisor_other)  # advisor_other accompanies an employer with no case here
    users = {
        "clerk": clerk, "team_lead": make.user(role="team_lead", office=body),
        "clerk_other_office": make.user(office=make.office()),
        "clerk_linked_office": make.user(role="immigration_clerk", office=immigration),
        "admin": make.user(role="admin"),
        "employer": make.user(role="employer", employer=ours),
        "employer_expired": make.user(role="employer", employer=expired_employer),
        "employer_revoked": make.user(role="employer", employer=revoked_employer),
        "employer_other": make.user(role="employer", employer=make.employer()),
        "advisor": advisor, "advisor_other": advisor_other,
    }
    uploads = {}
    for case, uploader in ((own, users["employer"]), (foreign, make.user(role="employer", employer=theirs))):
        file = io.BytesIO(samples.good_pdf())
        file.filename = "zeugnis.pdf"
        uploads[case.id] = receive_upload(case, "passport", file, uploaded_by_user=uploader)
        db.session.commit()
    return own, foreign, users, uploads


def request(client, route: str, case, upload):
    base = f"/cases/{case.id}"
    if route == "download":
        return client.get(f"{base}/uploads/{upload.id}")
    if route == "portal_download":
        return client.get(f"/portal{base}/uploads/{upload.id}")
    if route == "message":
        return client.post(f"{base}/messages", data={"body": "Guten Tag"})
    if route == "read":
        return client.post(f"{base}/messages/read")
    if route == "portal_upload":
        return client.post(f"/portal{base}/documents/diploma", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(samples.good_png()), "zeugnis.png")})
    if route == "portal_message":
        return client.post(f"/portal{base}/messages", data={"body": "Guten Tag"})
    raise AssertionError(route)


def rows() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Upload)),
            db.session.scalar(select(func.count()).select_from(Message)))


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reaches_exactly_the_doors_of_its_own_case(client, login, world, role):
    own, _foreign, users, uploads = world
    if role != "anonymous":
        login(users[role])
    for route, expected in OWN[role].items():
        before = rows()
        response = request(client, route, own, uploads[own.id])
        assert response.status_code == expected, (role, route, response.status_code)
        if expected == 302 and role == "anonymous":
            assert response.location.startswith("/login")
        if expected != 302 or role == "anonymous":
            assert rows() == before, (role, route)  # a refused door changes nothing
        if expected == 200:
            assert hashlib.sha256(response.data).hexdigest() == uploads[own.id].sha256


@pytest.mark.parametrize("role", ROLES)
def test_a_foreign_case_answers_404_to_every_role_but_the_admin(client, login, world, role):
    own, foreign, users, uploads = world
    if role != "anonymous":
        login(users[role])
    for route in OWN["clerk"]:
        before = rows()
        response = request(client, route, foreign, uploads[foreign.id])
        if role == "anonymous":
            assert response.status_code == 302 and response.location.startswith("/login")
        elif role == "admin":
            assert response.status_code in (200, 302, 403)  # admins see every case; the portal is not theirs
        elif route.startswith("portal_") and not role.startswith(("employer", "advisor")):
            assert response.status_code == 403, (role, route)  # the portal's own guard, before any case
        else:
            assert response.status_code == 404, (role, route, response.status_code)
        if role != "admin":
            assert rows() == before
    # An upload of the foreign case through the user's own case is no way round either.
    if role not in ("anonymous", "admin") and OWN[role]["download"] == 200:
        assert client.get(f"/cases/{own.id}/uploads/{uploads[foreign.id].id}").status_code == 404


def test_a_download_is_an_attachment_never_sniffed_never_cached(client, login, world):
    own, _foreign, users, uploads = world
    login(users["clerk"])

    response = client.get(f"/cases/{own.id}/uploads/{uploads[own.id].id}")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f'filename="document-{uploads[own.id].id}.pdf"' in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_a_stored_file_that_changed_on_disk_is_not_handed_out(client, login, world, app):
    own, _foreign, users, uploads = world
    upload = uploads[own.id]
    path = document_storage()._path(upload.storage_key)
    path.write_bytes(b"%PDF-1.4 replaced behind the application's back")
    login(users["clerk"])

    assert client.get(f"/cases/{own.id}/uploads/{upload.id}").status_code == 404


@pytest.mark.parametrize("role", ["employer", "advisor"])
def test_the_portal_case_page_links_a_file_only_for_whom_the_download_answers(client, login, world, role):
    """The advisor sees that a file came, without a link that would answer 404; the employer gets the link."""
    own, _foreign, users, uploads = world
    login(users[role])
    href = f"/portal/cases/{own.id}/uploads/{uploads[own.id].id}"

    page = client.get(f"/portal/cases/{own.id}").get_data(as_text=True)

    assert "zeugnis.pdf" in page
    assert (f'href="{href}"' in page) == (client.get(href).status_code == 200)
    assert (f'href="{href}"' in page) == (role == "employer")


def test_staff_downloads_of_an_upload_and_reads_through_the_api_are_in_the_read_log(app, client, login, world):
    """Security review: the read log held case files and letters only; a linked office's clerk could download the
    worker's passport, or read the case through the API, and leave no trace for the data-protection officer."""
    from tracker.auth import tokens
    from tracker.privacy.models import CaseRead

    own, _foreign, users, uploads = world
    linked_clerk = users["clerk_linked_office"]
    login(linked_clerk)
    assert request(client, "download", own, uploads[own.id]).status_code == 200
    _row, secret = tokens.issue(linked_clerk, name="Fachverfahren", scopes="read")
    db.session.commit()
    api = app.test_client()
    for path in ("", "/events", "/documents", "/timers"):
        assert api.get(f"/api/v1/cases/{own.id}{path}", headers={"Authorization": f"Bearer {secret}"}).status_code == 200

    logged = [(read.user_id, read.what) for read in db.session.scalars(
        select(CaseRead).where(CaseRead.case_id == own.id).order_by(CaseRead.id))]
    assert logged == [(linked_clerk.id, f"upload:{uploads[own.id].id}"), (linked_clerk.id, "api:case"),
                      (linked_clerk.id, "api:events"), (linked_clerk.id, "api:documents"),
                      (linked_clerk.id, "api:timers")]
    # The employer's own download is no staff read (the authorisation is its record).
    client.post("/logout")
    login(users["employer"])
    request(client, "portal_download", own, uploads[own.id])
    assert db.session.scalar(select(func.count()).select_from(CaseRead).where(CaseRead.case_id == own.id)) == 5
