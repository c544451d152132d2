"""The load test (``python -m bench.load``) acts as a clerk does: it reads the queue's case links and submits one of
the steps the case page offers, unchanged. Its light reader must find what a browser finds on the real pages."""
from __future__ import annotations

from datetime import date

import pytest

from bench.load import forms_to, links
from tracker.cases.models import Case
from tracker.extensions import db


@pytest.fixture
def clerk_with_csrf(base_app, login, clerk):
    """The clerk logged in, then CSRF protection on (the shared test app leaves it off), as in production."""
    login(clerk)
    base_app.config["WTF_CSRF_ENABLED"] = True
    yield clerk
    base_app.config["WTF_CSRF_ENABLED"] = False


def test_reads_the_queue_links_and_submits_a_step_the_case_page_offers(client, make, office, clerk_with_csrf):
    case = make.case(office=office, actor=clerk_with_csrf, received_on=date(2026, 2, 27))

    queue = client.get("/cases").get_data(as_text=True)
    assert f"/cases/{case.id}" in links(queue, r"/cases/\d+")

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    forms = forms_to(page, "/transitions/")
    actions = {form.action.rsplit("/", 1)[1] for form in forms}
    # The steps the case page offers a form for; "receipt complete" is blocked (documents missing): no form.
    assert actions == {"confirm_receipt_incomplete", "withdraw"}
    assert all(form.action.startswith(f"/cases/{case.id}/transitions/") for form in forms)
    step = next(form for form in forms if form.action.endswith("/withdraw"))  # needs no input
    assert step.fields["version"] == str(case.version) and step.fields["csrf_token"]

    answer = client.post(step.action, data=step.fields)

    assert answer.status_code == 302  # carried out, not refused (CSRF, version, input)
    db.session.expire_all()
    assert db.session.get(Case, case.id).state == "withdrawn"
