"""A date that does not exist (31 February), typed into the browser's date field: Chromium sends such a field empty,
so without a word from the page the server would call it missing, or take an optional one as no date at all. The
page marks it (static/date-check.js) and the server names the problem at the field; the rest of the form is kept."""
from __future__ import annotations

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (fails in CI)
    expect = None

from tests.e2e.conftest import HWK_CLERK, login

pytestmark = pytest.mark.browser


def type_into_date_field(page, selector: str, day: str, month: str, year: str) -> None:
    """Type as a user does into Chromium's date field, in the order of its segments, which follows the machine's
    locale (day first in German, month first where the system speaks US English): found by typing 01 02 first."""
    field = page.locator(selector)

    def typed(digits: str) -> None:
        field.fill("")
        field.click(position={"x": 12, "y": 10})  # the first segment
        page.keyboard.type(digits)

    typed("01022026")
    day_first = field.input_value() == "2026-02-01"
    typed(day + month + year if day_first else month + day + year)


def test_a_date_that_does_not_exist_is_named_at_its_field_and_the_form_is_kept(page):
    login(page, HWK_CLERK)
    page.goto("/cases/new")
    page.locator("#family_name").fill("Okonkwo")
    type_into_date_field(page, "#received_on", "31", "02", "2026")
    assert page.locator("#received_on").evaluate("field => field.validity.badInput")  # what the user typed

    page.get_by_role("button", name="Fall anlegen").click()

    error = page.locator("#received_on-error")
    expect(error).to_contain_text("Dieses Datum gibt es nicht. Bitte prüfen Sie Tag, Monat und Jahr.")
    assert "Bitte geben Sie ein Datum an" not in error.inner_text()  # not "missing": it was typed
    assert page.input_value("#family_name") == "Okonkwo"
