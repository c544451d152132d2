"""Fixtures of a recognition case whose letters can be addressed: an office with its postal address and contact, an
applicant with an address abroad (and names outside Latin-1), and their case, received on Fri 27 Feb 2026.
Imported by the test modules that need them (the status page, the letters kept as sent)."""
from __future__ import annotations

from datetime import date

import pytest

from tracker.extensions import db


@pytest.fixture
def office(make):
    office = make.office(name="Handwerkskammer Erfurt, Anerkennungsstelle")
    office.street, office.postcode, office.city = "Fischmarkt 13", "99084", "Erfurt"
    office.phone, office.email = "0361 000-6000", "anerkennung@hwk-erfurt.demo"
    db.session.commit()
    return office


@pytest.fixture
def applicant(make):
    person = make.person(given="Thị Ánh", family="Nguyễn")
    person.street, person.postcode, person.city, person.country = "15 Phố Huế", "100000", "Hà Nội", "Vietnam"
    db.session.commit()
    return person


@pytest.fixture
def case(make, office, clerk, applicant):
    return make.case(office=office, actor=clerk, received_on=date(2026, 2, 27), applicant=applicant)
