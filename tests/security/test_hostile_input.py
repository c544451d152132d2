"""Generated hostile input (Hypothesis) for every form field and route parameter of the clerk workspace: whatever
arrives, the answer is never a 500."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.extensions import db
from tracker.timers.models import Timer

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "-1", "99999999999999999999", "2147483648", "1e400", "abc", "NaN", "\x00",
                     "0001-01-01", "9999-12-31", "2026-02-30", "[true,null,1e400]", "' OR 1=1 --", "²", "٣",
                     "<script>alert(1)</script>", "a" * 6000]),
    st.integers(min_value=-2**70, max_value=2**70).map(str),
)
#: Every field name a workspace form knows, so each one gets hostile values.
FIELDS = ["version", "body", "reason", "period", "status", "assignee", "case_ids", "date", "effective_on", "documents", "office",
          "procedure", "received_on", "given_names", "family_name", "date_of_birth", "nationality", "email",
          "phone", "preferred_language", "profession", "reference_occupation", "employer", "reasons", "outcome"]
QUERY = ["procedure", "state", "office", "assignee", "overdue", "week", "waiting", "q", "closed", "after", "size"]
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                            HealthCheck.too_slow])


@pytest.fixture
def workspace(make, login):
    office = make.office()
    clerk = login(make.user(office=office))
    case = make.case(office=office, actor=clerk)
    timer = db.session.query(Timer).filter_by(case_id=case.id).first()
    return case, timer


def assert_no_500(response, what):
    assert response.status_code < 500, (what, response.status_code)


@SETTINGS
@given(form=st.dictionaries(st.sampled_from(FIELDS), st.one_of(HOSTILE, st.lists(HOSTILE, max_size=3))),
       route=st.sampled_from(["notes", "assign", "transitions/withdraw", "transitions/confirm_receipt_incomplete",
                              "documents/passport", "timers/TIMER/pause", "timers/TIMER/extend", "new", "bulk"]))
def test_hostile_forms_never_give_a_500(client, workspace, form, route):
    case, timer = workspace
    url = {"new": "/cases/new", "bulk": "/cases/assign"}.get(route) or (
        f"/cases/{case.id}/" + route.replace("TIMER", str(timer.id)))
    assert_no_500(client.post(url, data=form), (url, form))


@SETTINGS
@given(query=st.dictionaries(st.sampled_from(QUERY), HOSTILE))
def test_hostile_queue_queries_never_give_a_500(client, workspace, query):
    assert_no_500(client.get("/cases", query_string=query), query)


@SETTINGS
@given(segment=HOSTILE, kind=st.sampled_from(["case", "timer", "transition", "document", "letter", "lang"]))
def test_hostile_route_parameters_never_give_a_500(client, workspace, segment, kind):
    case, timer = workspace
    quoted = "".join(c if c.isalnum() else f"%{ord(c):02X}" if ord(c) < 256 else "x" for c in segment) or "x"
    url, method = {
        "case": (f"/cases/{quoted}", "GET"),
        "timer": (f"/cases/{case.id}/timers/{quoted}/pause", "POST"),
        "transition": (f"/cases/{case.id}/transitions/{quoted}", "POST"),
        "document": (f"/cases/{case.id}/documents/{quoted}", "POST"),
        "letter": (f"/cases/{case.id}/letters/{quoted}", "GET"),
        "lang": (f"/cases/{case.id}/letters/receipt?lang={quoted}", "GET"),
    }[kind]
    assert_no_500(client.open(url, method=method, data={"version": str(case.version)}), url)
