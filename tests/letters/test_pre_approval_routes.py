"""The pre-approval letter says on what it rests: equivalence, a deficit notice towards § 16d, or instead of
recognition a certificate evaluation / an expert body's confirmation (§ 81a(3) nos. 2, 2a AufenthG), and the
licence to practise where the profession is regulated (§ 18(2) no. 3 AufenthG)."""
from __future__ import annotations

import pytest

from tracker.cases import service
from tracker.cases.service import TransitionRefused

from .test_letters_kept import (  # noqa: F401 (fixtures)
    applicant,
    fresh,
    mark_all_received,
    office,
    skilled_worker_case,
    step,
    text_of,
)


def test_pre_approval_after_a_certificate_evaluation_cites_no_2_and_the_licence(client, login, skilled_worker_case):
    parent, clerk = skilled_worker_case
    step(parent, "start_qualification_check", clerk, route="certificate_evaluation", regulated="yes",
         body="Zentralstelle für ausländisches Bildungswesen")
    step(fresh(parent), "record_ba_approval_not_required", clerk, reason="§ 39(1) AufenthG")
    step(fresh(parent), "record_expert_confirmation", clerk, result="confirmed")
    with pytest.raises(TransitionRefused) as refused:
        service.apply_transition(fresh(parent), "issue_pre_approval", clerk, {"date": "2026-03-02"})
    assert "Berufsausübungserlaubnis" in refused.value.text("de")
    step(fresh(parent), "record_licence_obtained", clerk, licence="promised")
    step(fresh(parent), "issue_pre_approval", clerk, date="2026-03-02")
    login(clerk)

    german = text_of(client.get(f"/cases/{parent.id}/letters/pre_approval"))
    assert ("Die Vergleichbarkeit des ausländischen Hochschulabschlusses wurde durch Zeugnisbewertung bestätigt "
            "(Stelle: Zentralstelle für ausländisches Bildungswesen; § 81a Abs. 3 Nr. 2 AufenthG).") in german
    assert "Die Berufsausübungserlaubnis wurde zugesagt (§ 18 Abs. 2 Nr. 3 AufenthG)." in german
    assert "Gleichwertigkeit" not in german
    english = text_of(client.get(f"/cases/{parent.id}/letters/pre_approval?lang=en"))
    assert "The licence to practise the profession has been promised (section 18(2) no. 3 Residence Act)." in english


def test_pre_approval_after_an_expert_confirmation_cites_no_2a(client, login, skilled_worker_case):
    parent, clerk = skilled_worker_case
    step(parent, "start_qualification_check", clerk, route="expert_confirmation", body="IHK FOSA")
    step(fresh(parent), "record_ba_approval_not_required", clerk, reason="§ 39(1) AufenthG")
    step(fresh(parent), "record_expert_confirmation", clerk, result="confirmed")
    step(fresh(parent), "issue_pre_approval", clerk, date="2026-03-02")
    login(clerk)

    german = text_of(client.get(f"/cases/{parent.id}/letters/pre_approval"))
    assert ("Eine fachkundige inländische Stelle hat die staatlich anerkannte ausländische Qualifikation "
            "bestätigt (Stelle: IHK FOSA; § 81a Abs. 3 Nr. 2a AufenthG).") in german
    assert "Berufsausübungserlaubnis" not in german


def test_pre_approval_towards_16d_does_not_claim_equivalence(client, login, skilled_worker_case, office, clerk):
    parent, immigration_clerk = skilled_worker_case
    step(parent, "start_recognition", immigration_clerk, procedure="recognition-bqfg", recognition_office=str(office.id))
    recognition = fresh(parent).children[0]
    step(fresh(parent), "record_ba_approval_not_required", immigration_clerk, reason="§ 39(1) AufenthG")
    mark_all_received(recognition, clerk)
    step(fresh(recognition), "confirm_receipt_complete", clerk)
    step(fresh(recognition), "issue_deficit_notice", clerk, date="2026-03-02", differences="Praxisanteile fehlen")
    step(fresh(parent), "issue_pre_approval", immigration_clerk, date="2026-03-02", purpose="16d")
    login(immigration_clerk)

    german = text_of(client.get(f"/cases/{parent.id}/letters/pre_approval"))
    assert "wurden wesentliche Unterschiede festgestellt" in german and "§ 16d AufenthG" in german
    assert "Gleichwertigkeit der Berufsqualifikation wurde" not in german


def test_a_regulated_recognition_with_a_measure_to_come_leads_towards_16d(client, login, skilled_worker_case, office,
                                                                          clerk):
    """A § 10 notice in a profession regulated by Land law keeps the recognition open for the measure: the entry
    for it is the § 16d path (§ 81a(3) s. 2), before the recognition ends; not the employment path."""
    parent, immigration_clerk = skilled_worker_case
    step(parent, "start_recognition", immigration_clerk, procedure="recognition-thuerbqfg",
         recognition_office=str(office.id))
    recognition = fresh(parent).children[0]
    step(fresh(parent), "record_ba_approval_not_required", immigration_clerk, reason="§ 39(1) AufenthG")
    mark_all_received(recognition, clerk)
    step(fresh(recognition), "confirm_receipt_complete", clerk)
    step(fresh(recognition), "require_compensation", clerk, date="2026-03-02", differences="Praxisanteile fehlen")
    assert fresh(recognition).is_open
    with pytest.raises(TransitionRefused):
        service.apply_transition(fresh(parent), "issue_pre_approval", immigration_clerk,
                                 {"date": "2026-03-02", "purpose": "employment"})
    step(fresh(parent), "issue_pre_approval", immigration_clerk, date="2026-03-02", purpose="16d")
    login(immigration_clerk)

    german = text_of(client.get(f"/cases/{parent.id}/letters/pre_approval"))
    assert "wurden wesentliche Unterschiede festgestellt" in german and "§ 16d AufenthG" in german


def test_a_letter_to_the_employer_as_representative_is_kept_in_german(skilled_worker_case, office, clerk):
    from tracker.letters.service import case_letters

    parent, immigration_clerk = skilled_worker_case
    fresh(parent).applicant.preferred_language = "en"
    step(parent, "start_recognition", immigration_clerk, procedure="recognition-bqfg", recognition_office=str(office.id))
    recognition = fresh(parent).children[0]
    mark_all_received(recognition, clerk)
    step(fresh(recognition), "confirm_receipt_complete", clerk)

    (receipt,) = case_letters(recognition.id)
    assert receipt.language == "de"  # to the employer, an organisation in Germany, whatever the worker reads
