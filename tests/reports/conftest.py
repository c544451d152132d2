"""A small year of recognition cases, played through the real verbs (``flask simulate`` stories), whose figures are
worked out by hand in ``test_figures.py``.

All cases are BQFG recognitions (non-regulated professions), standard mode: decision period 3 months from complete
documents (§ 6(3) BQFG). Office IHK holds A–E and H, office HWK holds F and G.

  A  received 06.01.2025, complete that day; full equivalence 05.02.2025            lead 30, official 30
  B  received 13.01.2025, complete that day; deficit notice 14.03.2025               lead 60, official 60
  C  received 03.02.2025, complete; documents requested 17.02. with a deadline of 03.03. (pause of 14 days,
     § 6(4) BQFG: the set deadline's length), answered 24.02.; full equivalence 13.05.2025
                                                                  lead 99 (net 85), official 99; in the period
                                                                  (the pause moves its end), not within 3 months
  D  received 03.03.2025, complete; refused (no equivalence) 01.07.2025, after the period ended 03.06.
                                                                  lead 120, official 120; late
  E  received 10.03.2025, complete; withdrawn 10.04.2025: settled without a decision
  F  (HWK) received 10.02.2025 with the diploma missing; diploma arrived 10.03.2025; full equivalence 09.04.2025
                                                                  lead 58, official 30 (from 10.03.)
  G  (HWK) received 01.12.2025; full equivalence 15.01.2026: outside the year 2025
  H  received 03.11.2025; still open on 02.03.2026, its period ended 03.02.2026: breached
  W  received 10.12.2025; still open on 02.03.2026, its period ends 10.03.2026: warned on 24.02. (14 days before)
"""
from __future__ import annotations

import pytest

from tracker.auth.models import User
from tracker.cases.simulation import play, read_story
from tracker.extensions import db
from tracker.parties.models import Office

COMPLETE = ["passport", "transcript", "cv_german", "no_earlier_application"]

STORY = f"""
until: 2026-03-02
offices:
  - {{code: IHK, kind: recognition_body, name: IHK Erfurt}}
  - {{code: HWK, kind: recognition_body, name: HWK Erfurt}}
steps:
  - day: 2025-01-06
    open: {{case: A, procedure: recognition-bqfg, office: IHK, occupation: Elektroniker/in,
           training_country: Vietnam, nationality: Vietnam}}
  - day: 2025-01-06
    documents: {{case: A, status: received, items: required, received_on: 2025-01-06}}
  - day: 2025-01-06
    do: {{case: A, transition: confirm_receipt_complete}}
  - day: 2025-01-13
    open: {{case: B, procedure: recognition-bqfg, office: IHK, occupation: Elektroniker/in,
           training_country: Indien, nationality: Indien}}
  - day: 2025-01-13
    documents: {{case: B, status: received, items: required, received_on: 2025-01-13}}
  - day: 2025-01-13
    do: {{case: B, transition: confirm_receipt_complete}}
  - day: 2025-02-03
    open: {{case: C, procedure: recognition-bqfg, office: IHK, occupation: Mechatroniker/in,
           training_country: Vietnam, nationality: Vietnam}}
  - day: 2025-02-03
    documents: {{case: C, status: received, items: required, received_on: 2025-02-03}}
  - day: 2025-02-03
    do: {{case: C, transition: confirm_receipt_complete}}
  - day: 2025-02-05
    do: {{case: A, transition: grant_full_equivalence, inputs: {{date: 2025-02-05}}}}
  - day: 2025-02-10
    open: {{case: F, procedure: recognition-bqfg, office: HWK, occupation: Elektroniker/in,
           training_country: Türkei, nationality: Syrien}}
  - day: 2025-02-10
    documents: {{case: F, status: received, items: {COMPLETE}, received_on: 2025-02-10}}
  - day: 2025-02-10
    do: {{case: F, transition: confirm_receipt_incomplete, inputs: {{documents: diploma}}}}
  - day: 2025-02-17
    do: {{case: C, transition: request_documents, inputs: {{due_date: 2025-03-03, kind: information}}}}
  - day: 2025-02-24
    do: {{case: C, transition: record_requested_documents_received}}
  - day: 2025-03-03
    open: {{case: D, procedure: recognition-bqfg, office: IHK, occupation: Mechatroniker/in,
           training_country: Indien, nationality: Indien}}
  - day: 2025-03-03
    documents: {{case: D, status: received, items: required, received_on: 2025-03-03}}
  - day: 2025-03-03
    do: {{case: D, transition: confirm_receipt_complete}}
  - day: 2025-03-10
    open: {{case: E, procedure: recognition-bqfg, office: IHK, occupation: Elektroniker/in,
           training_country: Vietnam, nationality: Vietnam}}
  - day: 2025-03-10
    documents: {{case: E, status: received, items: required, received_on: 2025-03-10}}
  - day: 2025-03-10
    do: {{case: E, transition: confirm_receipt_complete}}
  - day: 2025-03-10
    documents: {{case: F, status: received, items: [diploma], received_on: 2025-03-10}}
  - day: 2025-03-10
    do: {{case: F, transition: confirm_documents_complete}}
  - day: 2025-03-14
    do: {{case: B, transition: issue_deficit_notice, inputs: {{date: 2025-03-14, differences: Elektrotechnik}}}}
  - day: 2025-04-09
    do: {{case: F, transition: grant_full_equivalence, inputs: {{date: 2025-04-09}}}}
  - day: 2025-04-10
    do: {{case: E, transition: withdraw}}
  - day: 2025-05-13
    do: {{case: C, transition: grant_full_equivalence, inputs: {{date: 2025-05-13}}}}
  - day: 2025-07-01
    do: {{case: D, transition: refuse, inputs: {{date: 2025-07-01, ground: no_equivalence, reason: Keine}}}}
  - day: 2025-11-03
    open: {{case: H, procedure: recognition-bqfg, office: IHK, occupation: Elektroniker/in,
           training_country: Vietnam, nationality: Vietnam}}
  - day: 2025-11-03
    documents: {{case: H, status: received, items: required, received_on: 2025-11-03}}
  - day: 2025-11-03
    do: {{case: H, transition: confirm_receipt_complete}}
  - day: 2025-12-01
    open: {{case: G, procedure: recognition-bqfg, office: HWK, occupation: Elektroniker/in,
           training_country: Türkei, nationality: Türkei}}
  - day: 2025-12-01
    documents: {{case: G, status: received, items: required, received_on: 2025-12-01}}
  - day: 2025-12-01
    do: {{case: G, transition: confirm_receipt_complete}}
  - day: 2025-12-10
    open: {{case: W, procedure: recognition-bqfg, office: IHK, occupation: Elektroniker/in,
           training_country: Vietnam, nationality: Vietnam}}
  - day: 2025-12-10
    documents: {{case: W, status: received, items: required, received_on: 2025-12-10}}
  - day: 2025-12-10
    do: {{case: W, transition: confirm_receipt_complete}}
  - day: 2026-01-15
    do: {{case: G, transition: grant_full_equivalence, inputs: {{date: 2026-01-15}}}}
"""


@pytest.fixture
def year(app):
    """The story played; returns (result, offices by code, case ids by name)."""
    result = play(read_story(STORY))
    refused = [step for step in result["steps"] if step["result"] != "ok"]
    assert refused == []
    offices = {office.code: office for office in db.session.query(Office)}
    return result, offices


@pytest.fixture
def people(year, make):
    """A team lead of each office, a clerk of IHK and an admin (the ministry)."""
    _, offices = year
    return {
        "lead_ihk": make.user(role="team_lead", office=offices["IHK"]),
        "lead_hwk": make.user(role="team_lead", office=offices["HWK"]),
        "clerk_ihk": make.user(role="recognition_clerk", office=offices["IHK"]),
        "admin": make.user(role="admin", office=None),
    }


def as_user(user: User):
    return user
