"""§ 81a(3) nos. 2, 2a AufenthG in the case file: a clerk starts a certificate evaluation instead of recognition,
records its result, and the pre-approval waits for the licence to practise where the profession is regulated."""
from __future__ import annotations

import re

from tracker.cases import service
from tracker.cases.models import Case
from tracker.extensions import db


def offered_actions(page: str) -> list[str]:
    return re.findall(r'action="/cases/\d+/transitions/(\w+)"', page)


def fresh(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def post(client, case, transition_id, **data):
    return client.post(f"/cases/{case.id}/transitions/{transition_id}", data={"version": fresh(case).version, **data})


def test_a_clerk_runs_the_certificate_evaluation_route_and_the_licence_through_the_case_file(client, login, make):
    office = make.office(kind="immigration_office")
    clerk = make.user(role="immigration_clerk", office=office)
    case = make.case("skilled-worker-81a", office=office, actor=clerk, employer=make.employer())
    service.apply_transition(case, "conclude_agreement", clerk, {"date": "2026-03-02", "fee_paid_on": "2026-03-02"})
    db.session.commit()
    login(clerk)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert {"start_recognition", "start_qualification_check"} <= set(offered_actions(page))
    assert "Zeugnisbewertung oder Bestätigung einer fachkundigen Stelle einleiten" in page

    response = post(client, case, "start_qualification_check", route="certificate_evaluation",
                    body="Zentralstelle für ausländisches Bildungswesen", regulated="yes")
    assert response.status_code == 302
    assert fresh(case).state == "qualification_check_running" and fresh(case).children == []

    assert post(client, case, "record_ba_approval_not_required", reason="§ 39(1) AufenthG").status_code == 302
    assert post(client, case, "record_expert_confirmation", result="confirmed").status_code == 302

    refused = post(client, case, "issue_pre_approval", date="2026-03-02")
    assert refused.status_code == 422
    assert "Erst muss die Berufsausübungserlaubnis erteilt oder zugesagt sein" in refused.get_data(as_text=True)
    assert fresh(case).state == "ba_cleared"

    assert post(client, case, "request_licence", body="Landesverwaltungsamt").status_code == 302
    assert post(client, case, "record_licence_obtained", licence="granted").status_code == 302
    assert post(client, case, "issue_pre_approval", date="2026-03-02").status_code == 302
    assert fresh(case).state == "pre_approval_issued"
