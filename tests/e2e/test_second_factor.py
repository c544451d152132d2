"""Two-factor login in Chromium: enrolment page and code step free of WCAG 2.1 AA violations (error states
included), the code from an authenticator app logs in, and logout still ends a copied session."""
from __future__ import annotations

import re
import time
import uuid

import pyotp
import pytest

from tests.e2e.conftest import describe_violations, switch_language

pytestmark = pytest.mark.browser
PASSWORD = "a long e2e passphrase"


@pytest.fixture
def staff_email(live_server):
    """A clerk of the Handwerkskammer of its own (the demo accounts stay without a second factor)."""
    from sqlalchemy import select

    from tracker.auth.models import User
    from tracker.extensions import db
    from tracker.parties.models import Office

    email = f"totp-{uuid.uuid4().hex[:8]}@hwk-erfurt.demo"
    with live_server.app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "HWK-EF"))
        user = User(email=email, name="Tamara Totp", role="recognition_clerk", office=office)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        db.session.remove()
    return email


def assert_accessible(page, axe):
    violations = axe(page)
    assert violations == [], f"axe found WCAG 2.1 AA violations on {page.url}:\n{describe_violations(violations)}"


def type_password(page, email):
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("main button[type=submit]").click()


@pytest.mark.parametrize("lang", ["de", "en"])
def test_enrol_then_log_in_with_the_code(new_page, axe, staff_email, lang):
    page = new_page()
    type_password(page, staff_email)
    page.wait_for_url(re.compile(r"/cases"))
    if lang == "en":
        switch_language(page, "en")

    page.goto("/account/second-factor")
    assert_accessible(page, axe)
    page.set_viewport_size({"width": 320, "height": 640})  # the long otpauth address reflows (WCAG 1.4.10)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") == 0
    page.set_viewport_size({"width": 1280, "height": 900})
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    assert page.locator("#totp-uri").inner_text().startswith("otpauth://totp/")
    page.locator("#code").fill("000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    page.locator("main button[type=submit]").click()
    page.locator("#code-error").wait_for()  # the refused code, after the page reloaded
    assert_accessible(page, axe)  # the error state too
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases"))
    page.locator(".header-tools button.link-button", has_text=re.compile("Abmelden|Log out")).click()

    type_password(page, staff_email)
    page.wait_for_url(re.compile(r"/login/code"))
    assert_accessible(page, axe)
    page.locator("#code").fill("12345x")
    page.locator("main button[type=submit]").click()
    page.locator(".error-summary").wait_for()
    assert_accessible(page, axe)
    page.locator("#code").fill(pyotp.TOTP(secret).at(time.time() + 30))  # the enrolment code is spent
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases"))

    # Logout still ends every copy of the session.
    thief = new_page()
    thief.context.add_cookies(page.context.cookies())
    thief.goto("/cases")
    assert "/cases" in thief.url and "/login" not in thief.url
    page.locator(".header-tools button.link-button", has_text=re.compile("Abmelden|Log out")).click()
    page.wait_for_url(re.compile(r"/login"))
    thief.goto("/cases")
    assert "/login" in thief.url
