"""Fixtures shared by the timer tests: a recognition body and one of its clerks."""
import pytest


@pytest.fixture
def body(make):
    return make.office(kind="recognition_body")


@pytest.fixture
def clerk(make, body):
    return make.user(role="recognition_clerk", office=body)
