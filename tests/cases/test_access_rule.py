"""The one access rule has two faces, the SQL filter (lists, searches, counts) and the per-case check (every case
route): generated worlds of offices, employers, advisors, users, linked cases, employers' authorisations and employers'
grants to advisors (each valid, not yet valid, expired or revoked) must get the same answer from both, for every user
and every case."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tracker import clock
from tracker.auth.grants import AdvisorGrant
from tracker.auth.models import User
from tracker.cases.access import (
    can_act_on_case,
    can_download_documents,
    can_read_letters,
    can_use_messages,
    can_use_notes,
    can_view_case,
    case_visibility,
    documents_scope,
    letters_scope,
    messages_scope,
    notes_scope,
    office_condition,
    queue_scope,
    report_scope,
    view_scope,
)
from tracker.cases.models import Authorisation, Case
from tracker.cases.visible import visible_cases
from tracker.extensions import db
from tracker.parties.models import Employer, Office, Person
from tracker.procedures.vocabulary import AuthorisationKind, OfficeKind, Role

OFFICE_KINDS = (OfficeKind.IMMIGRATION_OFFICE, OfficeKind.RECOGNITION_BODY)
TODAY = date(2026, 6, 15)
#: (valid_from, valid_until, revoked) relative to TODAY, in days: every edge of the validity window.
VALIDITIES = st.sampled_from([
    (0, None, False), (-30, 0, False), (-30, 30, False), (0, 0, False),  # valid today
    (-30, -1, False),  # expired yesterday
    (1, None, False),  # begins tomorrow
    (-30, None, True), (-30, 30, True),  # revoked
])


@st.composite
def worlds(draw):
    office_kinds = draw(st.lists(st.sampled_from(OFFICE_KINDS), min_size=1, max_size=4))
    employers = draw(st.integers(min_value=0, max_value=3))
    cases = []
    for _ in range(draw(st.integers(min_value=0, max_value=8))):
        cases.append({
            "office": draw(st.integers(0, len(office_kinds) - 1)),
            "employer": draw(st.none() | st.integers(0, employers - 1)) if employers else None,
            # a recognition case opened from an earlier (§ 81a) case of the world, or none
            "parent": draw(st.none() | st.integers(0, len(cases) - 1)) if cases else None,
            # authorisations of employers (not necessarily the case's own employer): valid, expired, revoked …
            "authorisations": draw(st.lists(st.tuples(st.integers(0, employers - 1), VALIDITIES), max_size=3))
            if employers else [],
        })
    users = []
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        role = draw(st.sampled_from(Role.people()))
        users.append({
            "role": role,
            "office": draw(st.none() | st.integers(0, len(office_kinds) - 1)) if role.is_staff else None,
            "employer": draw(st.none() | st.integers(0, employers - 1)) if role is Role.EMPLOYER and employers
            else None,
            # grants of employers to this advisor: valid, expired, not yet valid, revoked …
            "grants": draw(st.lists(st.tuples(st.integers(0, employers - 1), VALIDITIES), max_size=3))
            if role is Role.ADVISOR and employers else [],
        })
    return office_kinds, employers, cases, users


def build(world):
    office_kinds, employer_count, case_specs, user_specs = world
    offices = [Office(code=f"O{i}", name=f"Office {i}", kind=kind) for i, kind in enumerate(office_kinds)]
    employers = [Employer(name=f"Employer {i}") for i in range(employer_count)]
    person = Person(given_names="Anh", family_name="Nguyen", date_of_birth=date(1995, 4, 12), nationality="VN")
    db.session.add_all([*offices, *employers, person])
    cases = []
    for number, spec in enumerate(case_specs):
        case = Case(reference=f"T-{number}", procedure_id="recognition-bqfg", procedure_version=1, state="received",
                    applicant=person, office=offices[spec["office"]], received_on=date(2026, 3, 2),
                    employer=employers[spec["employer"]] if spec["employer"] is not None else None,
                    parent=cases[spec["parent"]] if spec["parent"] is not None else None)
        cases.append(case)
    recorder = User(email="recorder@example.org", name="Recorder", password_hash="-", role=Role.IMMIGRATION_CLERK)
    for case, spec in zip(cases, case_specs):
        for employer, (begins, ends, revoked) in spec["authorisations"]:
            case.authorisations.append(Authorisation(
                employer=employers[employer], kind=AuthorisationKind.POWER_OF_ATTORNEY_81A, grantor="Anh Nguyen",
                valid_from=TODAY + timedelta(days=begins),
                valid_until=TODAY + timedelta(days=ends) if ends is not None else None,
                revoked_at=datetime(2026, 6, 1, tzinfo=timezone.utc) if revoked else None,
                recorded_by=recorder))
    users = []
    for number, spec in enumerate(user_specs):
        user = User(email=f"u{number}@example.org", name=f"U{number}", password_hash="-", role=spec["role"],
                    office=offices[spec["office"]] if spec["office"] is not None else None,
                    employer=employers[spec["employer"]] if spec["employer"] is not None else None)
        for employer, (begins, ends, revoked) in spec["grants"]:
            db.session.add(AdvisorGrant(
                advisor=user, employer=employers[employer], valid_from=TODAY + timedelta(days=begins),
                valid_until=TODAY + timedelta(days=ends) if ends is not None else None,
                revoked_at=datetime(2026, 6, 1, tzinfo=timezone.utc) if revoked else None))
        users.append(user)
    db.session.add_all([*cases, *users])
    db.session.flush()
    return cases, users


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(world=worlds())
def test_the_sql_filter_and_the_case_check_agree_for_every_user_and_case(app, world):
    clock.travel_to(TODAY)
    savepoint = db.session.begin_nested()
    try:
        cases, users = build(world)
        for user in users:
            listed = set(db.session.scalars(select(Case.id).where(case_visibility(user))))
            checked = {case.id for case in cases if can_view_case(user, case)}
            assert listed == checked, (user.role, user.office_id, user.employer_id)
            # The portal's pages list a party's cases from the authorisations' ids: the same cases, counted right.
            visible = visible_cases(view_scope(user))
            assert set(db.session.scalars(select(Case.id).where(visible.condition))) == checked
            assert visible.count() == len(checked)
            # The work queue lists only what the user may see.
            assert set(db.session.scalars(select(Case.id).where(queue_scope(user).condition()))) <= checked
            # Acting needs seeing: no user may change a case they could not open.
            assert {case.id for case in cases if can_act_on_case(user, case)} <= checked
            # Internal notes: only within what the user sees, and both faces of the notes scope agree.
            with_notes = {case.id for case in cases if can_use_notes(user, case)}
            assert with_notes <= checked
            assert set(db.session.scalars(select(Case.id).where(notes_scope(user).condition()))) == with_notes
            # Reports: within what the user sees, and the offices face agrees with the case faces.
            reported = {case.id for case in cases if report_scope(user).admits(case)}
            assert reported <= checked
            assert set(db.session.scalars(select(Case.id).where(report_scope(user).condition()))) == reported
            assert set(db.session.scalars(select(Case.id).where(
                office_condition(report_scope(user), Case.office_id)))) == reported
            # Downloads of uploaded documents, the message thread and the kept letters: the same, for their scopes.
            for scope, check in ((documents_scope, can_download_documents), (messages_scope, can_use_messages),
                                 (letters_scope, can_read_letters)):
                admitted = {case.id for case in cases if check(user, case)}
                assert admitted <= checked
                assert set(db.session.scalars(select(Case.id).where(scope(user).condition()))) == admitted
            if user.role == Role.EMPLOYER:
                # An employer user sees exactly the cases its organisation holds a valid authorisation for.
                assert checked == {case.id for case in cases if any(
                    a.employer_id == user.employer_id and a.holds_on(TODAY) for a in case.authorisations)}
            if user.role == Role.ADVISOR:
                # An advisor sees what the employers whose grant holds today see: the cases they hold a valid
                # authorisation for. An expired, not yet valid or revoked grant admits nothing.
                granting = {grant.employer_id for grant in db.session.scalars(
                    select(AdvisorGrant).where(AdvisorGrant.advisor_id == user.id)) if grant.holds_on(TODAY)}
                assert checked == {case.id for case in cases if any(
                    a.employer_id in granting and a.holds_on(TODAY) for a in case.authorisations)}
                assert not {case.id for case in cases if can_act_on_case(user, case)}  # read-only
            if user.role in (Role.EMPLOYER, Role.ADVISOR):
                # The kept letters are the authority's file copies; the portal lists none.
                assert not {case.id for case in cases if can_read_letters(user, case)}
    finally:
        savepoint.rollback()
        db.session.expunge_all()
        clock.resume()


def test_staff_see_the_linked_case_of_another_office_but_change_only_their_own(app, make):
    immigration = make.office(kind=OfficeKind.IMMIGRATION_OFFICE)
    body = make.office(kind=OfficeKind.RECOGNITION_BODY)
    abh_clerk = make.user(role=Role.IMMIGRATION_CLERK, office=immigration)
    body_clerk = make.user(role=Role.RECOGNITION_CLERK, office=body)
    stranger = make.user(role=Role.RECOGNITION_CLERK, office=make.office())
    parent = make.case(procedure_id="skilled-worker-81a", office=immigration, actor=abh_clerk)
    child = make.case(office=body, actor=body_clerk, parent=parent)

    for clerk in (abh_clerk, body_clerk):
        assert set(db.session.scalars(select(Case.id).where(case_visibility(clerk)))) == {parent.id, child.id}
    assert can_act_on_case(abh_clerk, parent) and not can_act_on_case(abh_clerk, child)
    assert can_act_on_case(body_clerk, child) and not can_act_on_case(body_clerk, parent)
    assert not can_view_case(stranger, parent) and not can_view_case(stranger, child)
    assert list(db.session.scalars(select(Case.id).where(case_visibility(stranger)))) == []
