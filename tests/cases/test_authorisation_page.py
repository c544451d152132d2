"""Recording an employer's authorisation on a page of its own: the case file links to it instead of listing every
employer the authority knows; the employer list starts with the case's employer and is narrowed by a name search;
a refused form comes back with what the clerk entered."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.cases.test_transitions import open_skilled_worker_case
from tracker.cases import service
from tracker.extensions import db
from tracker.parties.models import Employer
from tracker.web.workspace.case_file import EMPLOYER_CHOICES


def options(page: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of the employer list."""
    select = page.split('id="authorisation-employer"', 1)[1].split("</select>", 1)[0]
    return [(re.search(r'value="(\d+)"', attrs).group(1), label.strip(), "selected" in attrs)
            for attrs, label in re.findall(r'<option([^>]*)>(.*?)</option>', select, re.S)]


def test_the_case_file_links_to_the_form_instead_of_listing_every_employer(client, login, make):
    worker = open_skilled_worker_case(make)
    login(worker.clerk)

    page = client.get(f"/cases/{worker.case.id}").get_data(as_text=True)

    assert f'href="/cases/{worker.case.id}/authorisations/new"' in page
    assert 'id="authorisation-employer"' not in page


def test_the_form_starts_with_the_cases_employer_chosen_and_the_applicant_as_grantor(client, login, make):
    worker = open_skilled_worker_case(make)
    make.employer("Aaron Logistik GmbH")  # sorts before the case's employer by name
    login(worker.clerk)

    page = client.get(f"/cases/{worker.case.id}/authorisations/new").get_data(as_text=True)

    first = options(page)[0]
    assert first[0] == str(worker.employer.id) and first[2]
    assert f'value="{worker.case.applicant.full_name}"' in page


def test_a_name_search_narrows_the_list_and_keeps_the_cases_employer(client, login, make):
    worker = open_skilled_worker_case(make)
    wanted = make.employer("Bäckerei 100% Korn GmbH")
    make.employer("Bäckerei Vollkorn GmbH")  # no literal "100%" in its name: % is no wildcard
    login(worker.clerk)

    page = client.get(f"/cases/{worker.case.id}/authorisations/new",
                      query_string={"employer_search": "100%"}).get_data(as_text=True)

    assert [value for value, _label, _selected in options(page)] == [str(worker.employer.id), str(wanted.id)]
    nothing = client.get(f"/cases/{worker.case.id}/authorisations/new",
                         query_string={"employer_search": "Zzz-nicht-vorhanden"}).get_data(as_text=True)
    assert "Kein Arbeitgeber mit „Zzz-nicht-vorhanden“ im Namen." in nothing


def test_with_many_employers_the_list_is_bounded_and_asks_for_a_name(client, login, make):
    worker = open_skilled_worker_case(make)
    db.session.add_all(Employer(name=f"Pflegedienst {number:03d} GmbH", city="Jena")
                       for number in range(EMPLOYER_CHOICES + 20))
    db.session.commit()
    login(worker.clerk)

    page = client.get(f"/cases/{worker.case.id}/authorisations/new").get_data(as_text=True)

    assert len(options(page)) <= EMPLOYER_CHOICES + 1  # the case's employer may come on top
    assert f"Die Liste zeigt die ersten {EMPLOYER_CHOICES} Arbeitgeber." in page
    found = client.get(f"/cases/{worker.case.id}/authorisations/new",
                       query_string={"employer_search": "Pflegedienst 117"}).get_data(as_text=True)
    assert "Pflegedienst 117 GmbH" in found


def test_a_refused_form_comes_back_with_what_was_entered(client, login, make):
    worker = open_skilled_worker_case(make)
    other = make.employer("Zimmerei Weber GmbH")
    login(worker.clerk)

    response = client.post(f"/cases/{worker.case.id}/authorisations", data={
        "version": worker.case.version, "employer": other.id, "kind": "power_of_attorney_81a", "grantor": "",
        "scope": "nur die Zustimmung der BA", "valid_from": "2026-03-02", "valid_until": "", "evidence": ""})

    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Bitte korrigieren Sie:" in page and 'href="#authorisation-grantor"' in page
    assert 'value="nur die Zustimmung der BA"' in page
    assert (str(other.id), "Zimmerei Weber GmbH (Erfurt)", True) in options(page)
    assert not worker.case.authorisations


def test_a_stale_form_is_refused_as_a_conflict_and_kept(client, login, make):
    worker = open_skilled_worker_case(make)
    login(worker.clerk)
    stale = worker.case.version
    client.post(f"/cases/{worker.case.id}/notes", data={"version": stale, "body": "Rückruf vereinbart"})

    response = client.post(f"/cases/{worker.case.id}/authorisations", data={
        "version": stale, "employer": worker.employer.id, "kind": "power_of_attorney_81a",
        "grantor": "Anh Nguyen", "scope": "alle Handlungen", "valid_from": "2026-03-02", "valid_until": "",
        "evidence": ""})

    page = response.get_data(as_text=True)
    db.session.expire_all()
    assert response.status_code == 409
    assert 'value="alle Handlungen"' in page and not worker.case.authorisations
    assert f'name="version" type="hidden" value="{worker.case.version}"' in page


def test_only_the_office_holding_the_case_opens_the_form(client, login, make):
    worker = open_skilled_worker_case(make)
    url = f"/cases/{worker.case.id}/authorisations/new"
    login(make.user("immigration_clerk", make.office("immigration_office")))
    assert client.get(url).status_code == 404
    client.post("/logout")
    login(make.user(role="employer", employer=worker.employer))
    assert client.get(url).status_code in (403, 404)


def test_an_employer_authorised_on_the_case_does_not_open_the_staff_form(client, login, make):
    # The form lists the authority's employer directory (other organisations' names and cities): staff only.
    worker = open_skilled_worker_case(make)
    make.authorisation(worker.case, employer=worker.employer, actor=worker.clerk)
    db.session.commit()
    login(make.user(role="employer", employer=worker.employer))
    assert client.get(f"/cases/{worker.case.id}").status_code in (200, 302)  # the employer sees the case …
    response = client.get(f"/cases/{worker.case.id}/authorisations/new?employer_search=a")
    assert response.status_code == 403  # … but not the staff form
    assert 'id="authorisation-employer"' not in response.get_data(as_text=True)


def test_a_recognition_case_offers_and_takes_only_the_representatives_authorisation(client, login, make):
    office = make.office()
    clerk = make.user(office=office)
    employer = make.employer("Stadtwerke Erfurt GmbH")
    case = make.case("recognition-bqfg", office=office, actor=clerk, employer=employer)
    login(clerk)

    page = client.get(f"/cases/{case.id}/authorisations/new").get_data(as_text=True)
    kinds = re.findall(r'<option[^>]*value="(power_of_attorney_81a|recognition_applicant)"', page)
    assert kinds == ["recognition_applicant"]  # § 14 VwVfG; the § 81a power of attorney is not offered

    response = client.post(f"/cases/{case.id}/authorisations", data={
        "version": case.version, "employer": employer.id, "kind": "power_of_attorney_81a", "grantor": "Anh Nguyen",
        "scope": "", "valid_from": "2026-03-02", "valid_until": "", "evidence": ""})
    assert response.status_code == 422
    assert 'href="#authorisation-kind"' in response.get_data(as_text=True)
    db.session.refresh(case)
    assert not case.authorisations


def test_the_service_refuses_the_kind_of_the_other_procedure(make):
    worker = open_skilled_worker_case(make)
    with pytest.raises(service.CaseError) as refused:
        service.record_authorisation(worker.case, worker.clerk, employer=worker.employer, kind="recognition_applicant",
                                     grantor="Anh Nguyen", valid_from=date(2026, 3, 2))
    assert [refusal.field for refusal in refused.value.refusals] == ["kind"]
    assert "§ 81a AufenthG" in refused.value.text("de")
    assert not worker.case.authorisations


def test_the_same_authorisation_is_recorded_once_and_a_renewal_after_it_ends_is_taken(client, login, make):
    worker = open_skilled_worker_case(make)
    login(worker.clerk)
    form = {"employer": worker.employer.id, "kind": "power_of_attorney_81a", "grantor": "Anh Nguyen",
            "scope": "alle Handlungen", "valid_from": "2026-03-02", "valid_until": "2026-06-30", "evidence": ""}

    def send(**changes):
        db.session.expire_all()
        return client.post(f"/cases/{worker.case.id}/authorisations",
                           data={**form, "version": worker.case.version, **changes})

    assert send().status_code == 302
    again = send(valid_from="2026-04-01", valid_until="")
    page = again.get_data(as_text=True)
    assert again.status_code == 422
    assert "ist schon eine Vollmacht erfasst, die in diesem Zeitraum gilt (ab 02.03.2026)" in page
    assert 'value="2026-04-01"' in page  # what was typed comes back
    assert send(valid_from="2026-07-01", valid_until="").status_code == 302  # a renewal after it ends
    db.session.expire_all()
    assert [(a.valid_from, a.valid_until) for a in worker.case.authorisations] == [
        (date(2026, 3, 2), date(2026, 6, 30)), (date(2026, 7, 1), None)]


def test_a_closed_case_takes_no_new_authorisation_or_invitation_but_one_may_still_be_revoked(client, login, make):
    worker = open_skilled_worker_case(make)
    held = service.record_authorisation(worker.case, worker.clerk, employer=worker.employer,
                                        kind="power_of_attorney_81a", grantor="Anh Nguyen", valid_from=date(2026, 3, 2))
    db.session.commit()
    service.apply_transition(worker.case, "withdraw", worker.clerk, {"reason": "Rücknahme durch den Arbeitgeber"})
    db.session.commit()
    login(worker.clerk)

    page = client.get(f"/cases/{worker.case.id}").get_data(as_text=True)
    assert "Vollmacht erfassen" not in page and "Arbeitgeber-Kontakt einladen" not in page
    assert "Widerrufen" in page  # ending the employer's access stays possible
    with pytest.raises(service.CaseError, match="abgeschlossen"):
        service.record_authorisation(worker.case, worker.clerk, employer=make.employer("Zimmerei Weber GmbH"),
                                     kind="power_of_attorney_81a", grantor="Anh Nguyen", valid_from=date(2026, 3, 2))
    service.revoke_authorisation(worker.case, held.id, worker.clerk, "Vollmacht widerrufen")
