"""Demo data for ``make run``: realistic, invented offices, people and cases in many states of all three procedures.

Cases are created and moved only through the engine (``open_case``, ``apply_transition``) with the clock set back,
so their histories, timers and audit chains are exactly what real use would produce. Loading twice changes nothing.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tracker import clock
from tracker.advisors.service import grant_access
from tracker.auth.models import User
from tracker.cases.models import Case
from tracker.cases.service import (
    apply_transition,
    open_case,
    record_authorisation,
    set_document_status,
)
from tracker.cases.sweep import sweep
from tracker.extensions import db
from tracker.parties.models import Employer, Office, Person
from tracker.procedures.vocabulary import (
    AuthorisationKind,
    CalendarName,
    OfficeKind,
    Role,
)
from tracker.seed.parties import OFFICE_CONTACTS

DEMO_PASSWORD = "demo-passwort"  # printed by `flask demo`; demo accounts only, never in production

OFFICES = [
    ("ABH-EF", "Ausländerbehörde Stadt Erfurt", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH, "Erfurt"),
    ("ABH-EIC", "Ausländerbehörde Landkreis Eichsfeld", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH_FRONLEICHNAM, "Heilbad Heiligenstadt"),
    ("TLVWA-550", "Thüringer Landesverwaltungsamt, Referat 550", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Weimar"),
    ("HWK-EF", "Handwerkskammer Erfurt, Anerkennungsstelle", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Erfurt"),
]
DEMO_USERS = [  # email, name, role, office code
    ("sachbearbeitung@abh-erfurt.demo", "Katrin Vogel", Role.IMMIGRATION_CLERK, "ABH-EF"),
    ("leitung@abh-erfurt.demo", "Thomas Richter", Role.TEAM_LEAD, "ABH-EF"),
    ("anerkennung@hwk-erfurt.demo", "Miriam Schulze", Role.RECOGNITION_CLERK, "HWK-EF"),
    ("anerkennung2@hwk-erfurt.demo", "Jonas Becker", Role.RECOGNITION_CLERK, "HWK-EF"),
    ("leitung@hwk-erfurt.demo", "Sabine Krause", Role.TEAM_LEAD, "HWK-EF"),
    ("anerkennung@tlvwa.demo", "Andreas Wolf", Role.RECOGNITION_CLERK, "TLVWA-550"),
    ("personal@stadtwerke-erfurt.demo", "Petra Neumann (Stadtwerke Erfurt)", Role.EMPLOYER, None),
    ("beratung@thaff.demo", "Lena Hoffmann (ThAFF)", Role.ADVISOR, None),
    ("admin@tracker.demo", "Administration", Role.ADMIN, None),
    ("datenschutz@tracker.demo", "Datenschutzbeauftragte", Role.DATA_PROTECTION, None),
]

#: Invented postal addresses of the demo applicants, by nationality: (street, postcode, city, country).
DEMO_ADDRESSES = {
    "Türkei": ("Krämpferstraße 5", "99084", "Erfurt", "Deutschland"),
    "Brasilien": ("Rua das Flores 120", "80020-000", "Curitiba", "Brasilien"),
    "Ukraine": ("vul. Khreshchatyk 22", "01001", "Kyjiw", "Ukraine"),
    "Indien": ("12 MG Road", "560001", "Bengaluru", "Indien"),
    "Vietnam": ("15 Phố Huế", "100000", "Hà Nội", "Vietnam"),
    "Nigeria": ("7 Allen Avenue", "100271", "Ikeja, Lagos", "Nigeria"),
    "Philippinen": ("88 Ayala Avenue", "1226", "Makati City", "Philippinen"),
}


def demo_address(given: str, family: str) -> str:
    """The demo person's e-mail address: the names' words joined by dots ("Thi Lan" has a space, which no address
    may hold unquoted)."""
    return ".".join(f"{given} {family}".lower().split()) + "@example.org"


def load_demo() -> bool:
    """Create the demo data unless it is there already; returns whether it created anything."""
    if db.session.scalar(select(Office).where(Office.code == "ABH-EF")) is not None:
        return False
    try:
        _create()
        db.session.commit()
    finally:
        clock.resume()
    return True


def _create() -> None:
    offices = {code: Office(code=code, name=name, kind=kind, calendar=calendar, city=city,
                            street=OFFICE_CONTACTS[code][0], postcode=OFFICE_CONTACTS[code][1],
                            phone=OFFICE_CONTACTS[code][2], email=OFFICE_CONTACTS[code][3])
               for code, name, kind, calendar, city in OFFICES}
    db.session.add_all(offices.values())
    stadtwerke = Employer(name="Stadtwerke Erfurt GmbH", city="Erfurt", contact_email="personal@stadtwerke-erfurt.demo",
                          street="Magdeburger Allee 34", postcode="99086")
    klinik = Employer(name="Helios Klinikum Erfurt (Demo)", city="Erfurt", street="Nordhäuser Straße 74",
                      postcode="99089")
    kita = Employer(name="Kita-Verbund Eichsfeld e. V. (Demo)", city="Leinefelde-Worbis", street="Bahnhofstraße 2",
                    postcode="37327")
    db.session.add_all([stadtwerke, klinik, kita])
    users = {}
    for email, name, role, office_code in DEMO_USERS:
        user = User(email=email, name=name, role=role, office=offices.get(office_code),
                    employer=stadtwerke if role == Role.EMPLOYER else None)
        user.set_password(DEMO_PASSWORD)
        users[email] = user
        db.session.add(user)
    advisor = users["beratung@thaff.demo"]
    db.session.flush()

    abh = users["sachbearbeitung@abh-erfurt.demo"]
    hwk, hwk2 = users["anerkennung@hwk-erfurt.demo"], users["anerkennung2@hwk-erfurt.demo"]
    lvwa = users["anerkennung@tlvwa.demo"]
    today = clock.today()

    def person(given, family, born, nationality, language="en"):
        street, postcode, city, country = DEMO_ADDRESSES[nationality]
        applicant = Person(given_names=given, family_name=family, date_of_birth=born, nationality=nationality,
                           email=demo_address(given, family), preferred_language=language,
                           street=street, postcode=postcode, city=city, country=country)
        db.session.add(applicant)
        return applicant

    def at(days_ago: int):
        clock.travel_to(today - timedelta(days=days_ago))

    def act(case, transition, actor, **inputs):
        apply_transition(case, transition, actor, inputs)  # the engine takes dates as they are

    def documents(case, actor, status="received", only=None):
        for document in case.documents:
            if only is None or document.document_id in only:
                set_document_status(case, document.document_id, status, actor)

    # 1. BQFG, received five weeks ago, receipt not yet confirmed: the one-month deadline is breached.
    at(36)
    open_case(procedure_id="recognition-bqfg", applicant=person("Mehmet", "Yilmaz", date(1990, 2, 3), "Türkei", "de"),
              office=offices["HWK-EF"], actor=hwk, employer=stadtwerke, received_on=today - timedelta(days=36),
              profession="Elektrik-Meister (Türkei)", reference_occupation="Elektroniker/in", assignee=hwk)

    # 2. BQFG, incomplete: documents requested with a deadline next week.
    at(50)
    case = open_case(procedure_id="recognition-bqfg", applicant=person("Ana", "Pereira", date(1993, 7, 21), "Brasilien"),
                     office=offices["HWK-EF"], actor=hwk2, employer=stadtwerke, received_on=today - timedelta(days=50),
                     profession="Técnico em Mecatrônica", reference_occupation="Mechatroniker/in", assignee=hwk2)
    documents(case, hwk2, only={"passport", "diploma", "cv_german"})
    at(45)
    act(case, "confirm_receipt_incomplete", hwk2, documents="transcript, experience, translations, no_earlier_application")
    at(20)
    act(case, "request_missing_documents", hwk2, due_date=today + timedelta(days=6),
        documents="transcript, translations", reason="Bitte beglaubigte Übersetzungen beifügen.")

    # 3. ThürBQFG, Erzieherin, complete and in review: the three-month decision period runs.
    at(40)
    case = open_case(procedure_id="recognition-thuerbqfg",
                     applicant=person("Olena", "Kovalenko", date(1988, 11, 5), "Ukraine"), office=offices["TLVWA-550"],
                     actor=lvwa, employer=kita, received_on=today - timedelta(days=41),
                     profession="Вихователь дошкільного закладу (Erzieherin, Ukraine)",
                     reference_occupation="Staatlich anerkannte Erzieherin", assignee=lvwa)
    documents(case, lvwa)
    at(30)
    act(case, "confirm_receipt_complete", lvwa)

    # 4. ThürBQFG: compensation measure required, aptitude test chosen (six months, § 11(4) BQFG).
    at(150)
    case = open_case(procedure_id="recognition-thuerbqfg",
                     applicant=person("Rahul", "Sharma", date(1991, 1, 17), "Indien"), office=offices["TLVWA-550"],
                     actor=lvwa, received_on=today - timedelta(days=152), profession="B.Ed. (India)",
                     reference_occupation="Lehrkraft (Gymnasium)", assignee=lvwa)
    documents(case, lvwa)
    at(140)
    act(case, "confirm_receipt_complete", lvwa)
    at(80)
    act(case, "require_compensation", lvwa, date=today - timedelta(days=80),
        differences="Fachdidaktik Deutsch als Zweitfach fehlt")
    at(60)
    act(case, "choose_aptitude_test", lvwa)

    # 5. BQFG, decided: full equivalence.
    at(120)
    case = open_case(procedure_id="recognition-bqfg", applicant=person("Nguyen", "Thi Lan", date(1996, 6, 30), "Vietnam"),
                     office=offices["HWK-EF"], actor=hwk, employer=klinik, received_on=today - timedelta(days=120),
                     profession="Kỹ thuật viên điện (Elektrotechniker)", reference_occupation="Elektroniker/in")
    documents(case, hwk)
    at(110)
    act(case, "confirm_receipt_complete", hwk)
    at(30)
    act(case, "grant_full_equivalence", hwk, date=today - timedelta(days=30))

    # 6. § 81a at the ABH Erfurt: agreement, accelerated recognition started, BA asked three days ago.
    at(35)
    skilled = open_case(procedure_id="skilled-worker-81a",
                        applicant=person("Samuel", "Okafor", date(1992, 9, 9), "Nigeria"), office=offices["ABH-EF"],
                        actor=abh, employer=stadtwerke, advisor=advisor, received_on=today - timedelta(days=35),
                        profession="HND Electrical Engineering", reference_occupation="Elektroniker/in", assignee=abh)
    at(33)
    act(skilled, "conclude_agreement", abh, date=today - timedelta(days=33), fee_paid_on=today - timedelta(days=33))
    at(30)
    act(skilled, "start_recognition", abh, procedure="recognition-bqfg", recognition_office=offices["HWK-EF"].id)
    at(3)
    act(skilled, "request_ba_approval", abh)

    # 7. § 81a: BA asked nine days ago and silent: the sweep lets § 36(2) BeschV's fiction apply.
    at(60)
    skilled = open_case(procedure_id="skilled-worker-81a",
                        applicant=person("Maria", "Santos", date(1994, 3, 14), "Philippinen"), office=offices["ABH-EF"],
                        actor=abh, employer=klinik, received_on=today - timedelta(days=60),
                        profession="BS Electrical Technology", reference_occupation="Elektroniker/in", assignee=abh)
    at(58)
    act(skilled, "conclude_agreement", abh, date=today - timedelta(days=58), fee_paid_on=today - timedelta(days=58))
    at(55)
    act(skilled, "start_recognition", abh, procedure="recognition-bqfg", recognition_office=offices["HWK-EF"].id)
    recognition = skilled.children[0]
    documents(recognition, hwk)
    at(50)
    act(recognition, "confirm_receipt_complete", hwk)
    at(9)
    act(skilled, "request_ba_approval", abh)
    at(8)
    act(recognition, "grant_full_equivalence", hwk, date=today - timedelta(days=8))
    db.session.flush()
    clock.resume()

    # The demo employer's administrator sees the Stadtwerke cases for which the worker authorised the employer;
    # one authorisation ended last week, so that case is not in the portal.
    users["personal@stadtwerke-erfurt.demo"].employer_admin = True
    clerks = {user.office_id: user for user in users.values() if user.role in (Role.IMMIGRATION_CLERK,
                                                                                 Role.RECOGNITION_CLERK)}
    for number, case in enumerate(db.session.scalars(select(Case).where(Case.employer_id == stadtwerke.id)
                                                     .order_by(Case.id))):
        record_authorisation(
            case, clerks[case.office_id], employer=stadtwerke, grantor=case.applicant.full_name,
            kind=AuthorisationKind.POWER_OF_ATTORNEY_81A if case.procedure_id == "skilled-worker-81a"
            else AuthorisationKind.RECOGNITION_APPLICANT, valid_from=case.received_on,
            valid_until=today - timedelta(days=7) if number == 1 else None,
            evidence_document_id="power_of_attorney" if any(
                d.document_id == "power_of_attorney" for d in case.documents) else None)

    # The Stadtwerke's administrator lets the ThAFF advisor follow the company's cases (recorded consent, until
    # revoked): the advisor's overview shows the cases the company sees.
    db.session.flush()
    grant_access(users["personal@stadtwerke-erfurt.demo"], advisor_id=advisor.id, valid_from=clock.today(),
                 valid_until=None, consented=True, lang="de")

    sweep()  # applies the BA fiction to case 7 and flags the breach of case 1, recorded as done by the system
