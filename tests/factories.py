"""Test data built through the same service functions the app uses (cases are opened by the engine)."""
from __future__ import annotations

import itertools
from datetime import date

from tracker.extensions import db

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


def _password_hash() -> str:
    # Hashing is slow on purpose; tests hash the one test password once.
    global _HASH
    if _HASH is None:
        from werkzeug.security import generate_password_hash

        _HASH = generate_password_hash(PASSWORD)
    return _HASH


_HASH = None


class Factory:
    def office(self, kind="recognition_body", calendar="th", code=None, name=None):
        from tracker.parties.models import Office

        number = next(_numbers)
        office = Office(code=code or f"OFF{number}", name=name or f"Office {number}", kind=kind, calendar=calendar)
        db.session.add(office)
        db.session.commit()  # set-up data is committed, as in production; a request's rollback keeps it
        return office

    def user(self, role="recognition_clerk", office=None, employer=None, name=None):
        from tracker.auth.models import User

        number = next(_numbers)
        user = User(email=f"user{number}@example.org", name=name or f"User {number}", role=role,
                    office=office, employer=employer)
        user.password_hash = _password_hash()
        db.session.add(user)
        db.session.commit()  # set-up data is committed, as in production; a request's rollback keeps it
        return user

    def employer(self, name=None):
        from tracker.parties.models import Employer

        employer = Employer(name=name or f"Employer {next(_numbers)} GmbH", city="Erfurt")
        db.session.add(employer)
        db.session.commit()  # set-up data is committed, as in production; a request's rollback keeps it
        return employer

    def person(self, given="Anh", family=None):
        from tracker.parties.models import Person

        person = Person(given_names=given, family_name=family or f"Nguyen{next(_numbers)}",
                        date_of_birth=date(1995, 4, 12), nationality="Vietnam", email="anh@example.org")
        db.session.add(person)
        db.session.commit()  # set-up data is committed, as in production; a request's rollback keeps it
        return person

    def case(self, procedure_id="recognition-bqfg", office=None, actor=None, employer=None, received_on=None,
             applicant=None, commit=True, **kwargs):
        from tracker.cases.service import open_case

        kind = "immigration_office" if procedure_id == "skilled-worker-81a" else "recognition_body"
        if procedure_id == "skilled-worker-81a" and employer is None:
            employer = self.employer()  # the procedure is the employer's (§ 81a(1) AufenthG): open_case needs one
        office = office or self.office(kind=kind)
        actor = actor or self.user(role="immigration_clerk" if kind == "immigration_office" else "recognition_clerk",
                                   office=office)
        case = open_case(procedure_id=procedure_id, applicant=applicant or self.person(), office=office, actor=actor,
                         employer=employer, received_on=received_on, profession="Bachelor of Nursing",
                         reference_occupation="Pflegefachfrau", **kwargs)
        if commit:
            db.session.commit()
        return case

    def authorisation(self, case, employer=None, actor=None, valid_from=None, valid_until=None, kind=None):
        """The employer's authorisation for ``case`` (default: the case's employer, from the day received, until
        revoked), recorded by a clerk of the case's office through the service verb."""
        from tracker.cases.service import (
            record_authorisation,  # as the other factories: no app import at collection
        )

        kind = kind or ("power_of_attorney_81a" if case.procedure_id == "skilled-worker-81a"
                        else "recognition_applicant")
        role = "immigration_clerk" if case.office.kind == "immigration_office" else "recognition_clerk"
        authorisation = record_authorisation(
            case, actor or self.user(role=role, office=case.office), employer=employer or case.employer, kind=kind,
            grantor=case.applicant.full_name, valid_from=valid_from or case.received_on, valid_until=valid_until)
        db.session.commit()
        return authorisation

    def grant(self, employer, advisor=None, valid_from=None, valid_until=None, revoked=False, by=None):
        """An employer's grant to a ThAFF advisor. Written as a row (not through the verb, which refuses a start
        in the past), so tests can build expired and revoked grants; ``tests/portal/test_advisors.py`` tests the
        verbs."""
        from datetime import datetime, timezone

        from tracker import clock
        from tracker.auth.grants import AdvisorGrant

        grant = AdvisorGrant(advisor=advisor or self.user(role="advisor"), employer=employer, granted_by=by,
                             granted_at=clock.now(), consent_text="Einwilligung (Test)",
                             valid_from=valid_from or clock.today(), valid_until=valid_until,
                             revoked_at=datetime(2026, 3, 1, 9, tzinfo=timezone.utc) if revoked else None)
        db.session.add(grant)
        db.session.commit()
        return grant
