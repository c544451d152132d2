"""Every response of every route carries the security headers; everything but static files is ``no-store``; pages
contain no inline script or style (the CSP would block them); HSTS only in production."""
from __future__ import annotations

import re

import pytest

from tracker import create_app
from tracker.cases import service
from tracker.extensions import db
from tracker.letters.models import LetterRecord
from tracker.timers.models import Timer
from tracker.web.headers import CONTENT_SECURITY_POLICY

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
ROUTE_VALUES = {"transition_id": "confirm_receipt_incomplete", "document_id": "passport", "action": "pause",
                "kind": "receipt", "filename": "app.css", "procedure_id": "recognition-bqfg", "user_id": 1,
                "authorisation_id": 1, "token": "not-a-token", "grant_id": 1, "key": "summary", "file_format": "csv",
                "export_id": 1, "name": "none.eml", "token_id": 1, "upload_id": 1}
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=", re.IGNORECASE)


def every_request(app, case):
    timer = db.session.query(Timer).filter_by(case_id=case.id).first()
    letter = db.session.query(LetterRecord).filter_by(case_id=case.id).first()
    values = {"case_id": case.id, "timer_pk": timer.id, "letter_id": letter.id if letter else 1,
              "person_id": case.applicant_id, **ROUTE_VALUES}
    for rule in app.url_map.iter_rules():
        missing = rule.arguments - values.keys()
        assert not missing, f"{rule.endpoint}: give this test a value for {missing}"
        url = rule.build({name: values[name] for name in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule.endpoint, method, url


def assert_headers(response, endpoint, *, production=False):
    where = (endpoint, response.request.method, response.request.path, response.status_code)
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, (where, name)
    csp = response.headers.get("Content-Security-Policy", "")
    assert csp == CONTENT_SECURITY_POLICY, where
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp, where
    assert "camera=()" in response.headers.get("Permissions-Policy", ""), where
    if endpoint != "static":
        assert response.headers.get("Cache-Control") == "no-store", where
    assert ("Strict-Transport-Security" in response.headers) is production, where


@pytest.fixture
def case_and_clerk(make):
    office = make.office()
    clerk = make.user(office=office)
    return make.case(office=office, actor=clerk), clerk


def test_every_route_carries_the_headers_anonymous_and_logged_in(app, client, login, case_and_clerk):
    case, clerk = case_and_clerk
    requests = list(every_request(app, case))
    assert len({endpoint for endpoint, _, _ in requests}) >= 15  # the map was really read

    for endpoint, method, url in requests:
        assert_headers(client.open(url, method=method), endpoint)
    login(clerk)
    for endpoint, method, url in requests:
        response = client.open(url, method=method, data={"body": "Notiz", "reason": "weil", "version": "1"})
        assert_headers(response, endpoint)
        if response.mimetype == "text/html":
            assert not INLINE.search(response.get_data(as_text=True)), (endpoint, INLINE.search(
                response.get_data(as_text=True)).group(0))
        if endpoint == "auth.logout":
            login(clerk)


def test_error_pages_carry_the_headers(client, login, case_and_clerk):
    _case, clerk = case_and_clerk
    login(clerk)
    for url in ("/cases/999999", "/no-such-page", "/static/no-such-file.css", "/static/../tracker/config.py"):
        response = client.get(url)
        assert response.status_code == 404
        assert_headers(response, "error")  # no-store: a missing static file too was a cacheable error page


def test_case_file_letter_and_pdf_are_not_stored(client, login, case_and_clerk):
    case, clerk = case_and_clerk
    service.apply_transition(case, "confirm_receipt_incomplete", clerk, {"documents": "diploma"})
    db.session.commit()
    login(clerk)
    for url in (f"/cases/{case.id}", f"/cases/{case.id}/letters/receipt", f"/cases/{case.id}/letters/receipt.pdf"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store"


def test_pages_name_an_icon_served_without_login_and_cacheable(client):
    """Without one, every browser asks for /favicon.ico, and a 404 for it sits in the console of every page."""
    pages = [client.get(url).get_data(as_text=True) for url in ("/login", "/status", "/api/v1/docs")]
    links = {re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page).group(1) for page in pages}
    assert len(links) == 1
    for url in (*links, "/favicon.ico"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "image/svg+xml" and response.data.startswith(b"<svg"), url
        assert response.headers.get("Cache-Control") != "no-store", url


def test_production_adds_hsts(monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.setenv("AUDIT_KEY", "y" * 32)
    monkeypatch.setenv("TOTP_KEY", "z" * 32)
    monkeypatch.setenv("BASE_URL", "https://tracker.example")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    app = create_app({"TESTING": True})

    response = app.test_client().get("/login", base_url="https://tracker.example")

    assert_headers(response, "auth.login", production=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_templates_have_no_inline_script_or_style():
    from pathlib import Path

    from tracker.config import ROOT
    for template in Path(ROOT / "templates").rglob("*.html"):
        found = INLINE.search(template.read_text())
        assert found is None, (template, found and found.group(0))
