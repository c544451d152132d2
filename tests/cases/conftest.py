"""Fixtures shared by the case tests: a recognition body and one of its clerks."""
import pytest


@pytest.fixture
def office(make):
    return make.office(name="Anerkennungsstelle Erfurt")


@pytest.fixture
def clerk(make, office):
    return make.user(office=office, name="Clara Clerk")
