"""Internal notes belong to the office holding the case: staff of the linked case's other office may open the case
but neither read nor write its notes, in both directions (immigration office -> recognition case, recognition body
-> § 81a case); the holding office reads and writes them; the service refuses as the page does."""
from __future__ import annotations

import pytest

from tracker.auth.models import User
from tracker.cases import service
from tracker.cases.models import Case, Note
from tracker.extensions import db
from tracker.procedures.vocabulary import OfficeKind, Role


@pytest.fixture
def linked(make):
    immigration = make.office(kind=OfficeKind.IMMIGRATION_OFFICE)
    body = make.office(kind=OfficeKind.RECOGNITION_BODY)
    abh_clerk = make.user(role=Role.IMMIGRATION_CLERK, office=immigration)
    body_clerk = make.user(role=Role.RECOGNITION_CLERK, office=body)
    parent = make.case(procedure_id="skilled-worker-81a", office=immigration, actor=abh_clerk)
    child = make.case(office=body, actor=body_clerk, parent=parent)
    service.add_note(parent, abh_clerk, "ABH-internal: employer called about the fee.")
    service.add_note(child, body_clerk, "Body-internal: diploma looks forged?")
    db.session.commit()
    return {"abh": abh_clerk, "body": body_clerk, "parent": parent.id, "child": child.id}


@pytest.mark.parametrize("reader, own, other, own_text, other_text", [
    ("abh", "parent", "child", "ABH-internal", "Body-internal"),
    ("body", "child", "parent", "Body-internal", "ABH-internal"),
], ids=["immigration-office-on-recognition", "recognition-body-on-81a"])
def test_the_linked_office_sees_the_case_but_not_its_notes(client, login, linked, reader, own, other, own_text,
                                                           other_text):
    login(linked[reader])

    other_page = client.get(f"/cases/{linked[other]}")
    assert other_page.status_code == 200  # viewing the linked case stays allowed
    html = other_page.get_data(as_text=True)
    assert other_text not in html and 'id="notes"' not in html

    own_page = client.get(f"/cases/{linked[own]}").get_data(as_text=True)
    assert own_text in own_page and 'id="notes"' in own_page


@pytest.mark.parametrize("writer, other", [("abh", "child"), ("body", "parent")])
def test_the_linked_office_cannot_write_a_note_on_the_other_offices_case(client, login, linked, writer, other):
    login(linked[writer])
    before = db.session.query(Note).filter_by(case_id=linked[other]).count()

    response = client.post(f"/cases/{linked[other]}/notes", data={"body": "Sneaked in."})

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.query(Note).filter_by(case_id=linked[other]).count() == before


def test_the_service_refuses_a_note_by_the_linked_office(linked):
    parent = db.session.get(Case, linked["parent"])
    with pytest.raises(service.AccessDenied):
        service.add_note(parent, db.session.get(User, linked["body"].id), "No.")
    db.session.rollback()
