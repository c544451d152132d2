"""The legal basis an employer's authorisation is recorded with, as the audit trail keeps it."""
from __future__ import annotations

from tracker.audit.models import EventKind
from tracker.audit.service import case_events


def _basis(case) -> str:
    (event,) = [e for e in case_events(case.id) if e.kind == EventKind.AUTHORISATION_RECORDED]
    return event.basis


def test_recognition_authorisation_cites_the_representation_rule_through_the_thuringian_act(make):
    # A party may act through an authorised representative (§ 14(1) VwVfG, "Bevollmächtigte und Beistände");
    # a Thuringian body applies the federal VwVfG through § 1(1) s. 1 ThürVwVfG.
    employer = make.employer()
    case = make.case("recognition-thuerbqfg", employer=employer)
    make.authorisation(case)
    assert _basis(case) == "§ 14(1) VwVfG i. V. m. § 1(1) S. 1 ThürVwVfG"


def test_power_of_attorney_in_81a_cites_the_workers_authorisation_not_the_third_party_mandate(make):
    # § 81a(1) s. 1: the employer applies "in Vollmacht des Ausländers"; s. 2 is the employer's mandate to third
    # parties; the agreement records it (§ 81a(2) no. 2).
    employer = make.employer()
    case = make.case("skilled-worker-81a", employer=employer)
    make.authorisation(case)
    assert _basis(case) == "§ 81a(1) S. 1, (2) Nr. 2 AufenthG"
