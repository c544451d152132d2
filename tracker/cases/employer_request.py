"""An employer asks an immigration office for the accelerated skilled-worker procedure (§ 81a(1) AufenthG) from the
portal: "Der Arbeitgeber kann … ein beschleunigtes Fachkräfteverfahren beantragen", in the worker's name and with
the worker's power of attorney. The case opens at the chosen office in its first state (advice and the agreement,
§ 81a(2)), received today; the power of attorney the employer declares is recorded from the day it was given, so
the employer follows the case in the portal at once. The office checks it when it concludes the agreement (the
checklist keeps asking for the signed document) and revokes it if it does not hold."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select

from tracker import clock
from tracker.auth.models import User
from tracker.cases.models import Authorisation, Case
from tracker.cases.service import (
    ACCESS_MESSAGE,
    PROCEDURE_81A,
    AccessDenied,
    CaseError,
    add_authorisation,
    open_case,
)
from tracker.extensions import db
from tracker.parties.models import Employer
from tracker.procedures.definition import LocalText
from tracker.procedures.engine import Refusal
from tracker.procedures.vocabulary import AuthorisationKind, OfficeKind, Role

NOT_AN_IMMIGRATION_OFFICE = LocalText("Bitte wählen Sie eine Ausländerbehörde aus der Liste.",
                                      "Please choose an immigration office from the list.")
GRANTED_IN_FUTURE = LocalText("Die Vollmacht kann nicht an einem künftigen Tag erteilt worden sein.",
                              "The power of attorney cannot have been given on a day still to come.")


def request_accelerated_procedure(user, *, office, applicant, granted_on: date, profession: str,
                                  reference_occupation: str, training_country: str,
                                  submission_key: str | None = None) -> Case:
    """Open the § 81a case of ``user``'s organisation at ``office`` for ``applicant`` (a new ``Person``), with the
    power of attorney given on ``granted_on``. Only an employer's active user may; raises ``AccessDenied`` or
    ``CaseError`` (with the field: ``office``, ``granted_on``)."""
    if user.role != Role.EMPLOYER or user.employer is None or not user.active:
        raise AccessDenied([ACCESS_MESSAGE])
    if office is None or office.kind != OfficeKind.IMMIGRATION_OFFICE:
        raise CaseError([NOT_AN_IMMIGRATION_OFFICE], (Refusal("office", NOT_AN_IMMIGRATION_OFFICE, "office"),))
    if granted_on > clock.today():
        raise CaseError([GRANTED_IN_FUTURE], (Refusal("granted_on", GRANTED_IN_FUTURE, "granted_on"),))
    _require_room_for_a_request(user.employer)
    case = open_case(procedure_id=PROCEDURE_81A, applicant=applicant, office=office, actor=user,
                     employer=user.employer, received_on=clock.today(), profession=profession,
                     reference_occupation=reference_occupation, training_country=training_country,
                     submission_key=submission_key)
    add_authorisation(case, user, employer=user.employer, kind=AuthorisationKind.POWER_OF_ATTORNEY_81A,
                      grantor=applicant.full_name, valid_from=granted_on)
    return case


def _require_room_for_a_request(employer: Employer) -> None:
    """At most ``PORTAL_REQUESTS_PER_DAY`` requests by one organisation in 24 hours (rolling): each puts a case with
    a person's data into an office's queue, so the portal must not become a way to fill it without end. A request
    is counted by the power of attorney its users recorded. The organisation's row is locked first: two requests
    at once cannot both take the last place (PostgreSQL)."""
    limit = current_app.config["PORTAL_REQUESTS_PER_DAY"]
    db.session.execute(select(Employer.id).where(Employer.id == employer.id).with_for_update())
    recent = db.session.scalar(
        select(func.count(Authorisation.id)).join(User, User.id == Authorisation.recorded_by_id)
        .where(Authorisation.employer_id == employer.id, User.employer_id == employer.id,
               Authorisation.recorded_at > clock.now() - timedelta(days=1)))
    if recent >= limit:
        raise CaseError([LocalText(
            f"Ihr Unternehmen hat in den letzten 24 Stunden schon {limit} Verfahren beantragt, die Höchstzahl. Bitte "
            "versuchen Sie es morgen erneut oder wenden Sie sich an die Ausländerbehörde.",
            f"Your organisation has requested {limit} procedures in the last 24 hours, the most allowed. Please try "
            "again tomorrow or contact the immigration office.")])
