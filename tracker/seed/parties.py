"""The offices, staff and employers seeded cases refer to: invented, recognisable as synthetic, created once."""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from tracker import clock
from tracker.auth.models import User
from tracker.extensions import db
from tracker.parties.models import Employer, Office
from tracker.procedures.vocabulary import CalendarName, OfficeKind, Role

SEED_PASSWORD = "seed-passwort"  # every seeded account; synthetic data only
EMAIL_DOMAIN = "seed.example"

GERMAN_GIVEN = ("Katrin", "Thomas", "Miriam", "Jonas", "Sabine", "Andreas", "Petra", "Lena", "Stefan", "Claudia",
                "Michael", "Anja", "Frank", "Susanne", "Jens", "Kerstin", "Uwe", "Nadine", "Tobias", "Julia",
                "Matthias", "Franziska", "Sebastian", "Doreen", "Ronny", "Mandy", "Sandra", "Christian")
GERMAN_FAMILY = ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
                 "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
                 "Braun", "Krüger", "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Herrmann",
                 "Walter", "König", "Vogel")
#: (code, name, kind, holiday calendar, city, weight among offices of its kind)
OFFICES = (
    ("ABH-EF", "Ausländerbehörde Stadt Erfurt", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH, "Erfurt", 4),
    ("ABH-J", "Ausländerbehörde Stadt Jena", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH, "Jena", 2),
    ("ABH-G", "Ausländerbehörde Stadt Gera", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH, "Gera", 1),
    ("ABH-EIC", "Ausländerbehörde Landkreis Eichsfeld", OfficeKind.IMMIGRATION_OFFICE, CalendarName.TH_FRONLEICHNAM,
     "Heilbad Heiligenstadt", 1),
    ("TLVWA-550", "Thüringer Landesverwaltungsamt, Referat 550", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Weimar", 0),
    ("HWK-EF", "Handwerkskammer Erfurt, Anerkennungsstelle", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Erfurt", 5),
    ("HWK-SHL", "Handwerkskammer Südthüringen, Anerkennungsstelle", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Suhl", 3),
    ("HWK-GE", "Handwerkskammer für Ostthüringen, Anerkennungsstelle", OfficeKind.RECOGNITION_BODY, CalendarName.TH, "Gera", 2),
)
#: Invented postal addresses and contacts for the letters' sender block: (street, postcode, phone, e-mail).
OFFICE_CONTACTS = {
    "ABH-EF": ("Löberstraße 34", "99096", "0361 000-1000", "auslaenderbehoerde@erfurt.demo"),
    "ABH-J": ("Am Anger 26", "07743", "03641 000-2000", "auslaenderbehoerde@jena.demo"),
    "ABH-G": ("Kornmarkt 12", "07545", "0365 000-3000", "auslaenderbehoerde@gera.demo"),
    "ABH-EIC": ("Friedensplatz 8", "37308", "03606 000-4000", "auslaenderbehoerde@eichsfeld.demo"),
    "TLVWA-550": ("Jorge-Semprún-Platz 4", "99423", "0361 000-5500", "anerkennung@tlvwa.demo"),
    "HWK-EF": ("Fischmarkt 13", "99084", "0361 000-6000", "anerkennung@hwk-erfurt.demo"),
    "HWK-SHL": ("Rosa-Luxemburg-Straße 7", "98527", "03681 000-7000", "anerkennung@hwk-suedthueringen.demo"),
    "HWK-GE": ("Handwerkstraße 5", "07545", "0365 000-8000", "anerkennung@hwk-gera.demo"),
}
#: Invented postcodes of the employers' cities (an employer's letter goes there, § 81a AufenthG).
POSTCODES = {"Erfurt": "99084", "Jena": "07743", "Gera": "07545", "Weimar": "99423", "Gotha": "99867",
             "Suhl": "98527", "Nordhausen": "99734", "Eisenach": "99817", "Ilmenau": "98693", "Mühlhausen": "99974"}
#: Which recognition bodies decide which procedure (the ThürBQFG professions go to the Landesverwaltungsamt).
DECIDING_OFFICES = {"recognition-thuerbqfg": ("TLVWA-550",), "recognition-bqfg": ("HWK-EF", "HWK-SHL", "HWK-GE")}
EMPLOYER_KINDS = ("Elektrotechnik GmbH", "Pflegedienst GmbH", "Bau GmbH & Co. KG", "Haustechnik GmbH",
                  "Metallbau GmbH", "Logistik GmbH", "Gastronomie GmbH", "Kfz-Service GmbH", "Software GmbH",
                  "Maschinenbau AG")
CITIES = ("Erfurt", "Jena", "Gera", "Weimar", "Gotha", "Suhl", "Nordhausen", "Eisenach", "Ilmenau", "Mühlhausen",
          "Altenburg", "Saalfeld", "Leinefelde-Worbis", "Sömmerda", "Arnstadt")
EMPLOYER_COUNT = 150


@dataclass(frozen=True)
class Actor:
    """Who acts in a seeded event: the fields an audit event takes from its actor."""

    id: int | None
    role: str
    name: str


@dataclass
class Parties:
    offices: dict[str, dict]  #: code -> {"id", "code", "kind", "calendar", "clerks": [Actor], "weight"}
    employer_ids: list[int]

    def office_by_id(self, office_id: int) -> dict:
        return next(office for office in self.offices.values() if office["id"] == office_id)


def ensure_parties() -> Parties:
    """The offices, their clerks and team leads, and the employers seeded cases refer to; created if missing."""
    existing = {office.code: office for office in db.session.scalars(sa.select(Office))}
    for code, name, kind, calendar, city, _weight in OFFICES:
        if code not in existing:
            street, postcode, phone, email = OFFICE_CONTACTS[code]
            existing[code] = Office(code=code, name=name, kind=kind, calendar=calendar, city=city, street=street,
                                    postcode=postcode, phone=phone, email=email)
            db.session.add(existing[code])
    db.session.flush()
    emails = set(db.session.scalars(sa.select(User.email).where(User.email.like(f"%.{EMAIL_DOMAIN}"))))
    password_hash = None
    for index, (code, _name, kind, _calendar, _city, weight) in enumerate(OFFICES):
        clerk_role = Role.IMMIGRATION_CLERK if kind == OfficeKind.IMMIGRATION_OFFICE else Role.RECOGNITION_CLERK
        for number in range(max(3, 2 * weight) + 1):
            role = Role.TEAM_LEAD if number == 0 else clerk_role
            given = GERMAN_GIVEN[(index * 7 + number * 3) % len(GERMAN_GIVEN)]
            family = GERMAN_FAMILY[(index * 5 + number * 11) % len(GERMAN_FAMILY)]
            email = f"{slug(given)}.{slug(family)}@{code.lower()}.{EMAIL_DOMAIN}"
            if email in emails:
                continue
            password_hash = password_hash or generate_password_hash(SEED_PASSWORD)
            db.session.add(User(email=email, name=f"{given} {family}", role=role, office=existing[code],
                                password_hash=password_hash, created_at=clock.now()))
            emails.add(email)
    employer_names = set(db.session.scalars(sa.select(Employer.name).where(
        Employer.contact_email.like(f"%.{EMAIL_DOMAIN}"))))
    for number in range(EMPLOYER_COUNT):
        family = GERMAN_FAMILY[number % len(GERMAN_FAMILY)]
        kind = EMPLOYER_KINDS[(number // len(GERMAN_FAMILY) * 3 + number) % len(EMPLOYER_KINDS)]
        city = CITIES[number % len(CITIES)]
        name = f"{family} {kind}" if number < 120 else f"Klinikum {city} gGmbH" if number % 2 else \
            f"Kita-Verbund {city} e. V."
        if name in employer_names:
            continue
        db.session.add(Employer(name=name, city=city, contact_email=f"personal@employer{number}.{EMAIL_DOMAIN}",
                                street=f"Industriestraße {number % 90 + 1}", postcode=POSTCODES.get(city, "99084")))
        employer_names.add(name)
    db.session.commit()

    weights = {code: weight for code, *_rest, weight in OFFICES}
    offices = {}
    staff = db.session.scalars(sa.select(User).where(User.office_id.is_not(None), User.active)
                               .order_by(User.id)).all()
    for code, office in existing.items():
        members = [user for user in staff if user.office_id == office.id]
        clerks = [Actor(user.id, user.role, user.name) for user in members
                  if user.role in (Role.IMMIGRATION_CLERK, Role.RECOGNITION_CLERK)]
        leads = [Actor(user.id, user.role, user.name) for user in members if user.role == Role.TEAM_LEAD]
        offices[code] = {"id": office.id, "code": code, "kind": office.kind, "calendar": office.calendar,
                         "clerks": clerks or leads, "weight": weights.get(code, 0)}
    employer_ids = list(db.session.scalars(sa.select(Employer.id).order_by(Employer.id)))
    return Parties({code: office for code, office in offices.items() if office["clerks"]}, employer_ids)


def slug(text: str) -> str:
    text = text.replace("ß", "ss").replace("ı", "i")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char for char in ascii_text.lower() if char.isalnum() or char == "-")

