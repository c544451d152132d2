"""Readings are data (point, reading, source, what they govern), and the § 81a routes of nos. 2 and 2a AufenthG:
recognition or a certificate evaluation / expert body's confirmation, the licence to practise where regulated."""
from datetime import date
from pathlib import Path

import pytest

from tracker.extensions import db
from tracker.procedures.engine import check_transition
from tracker.procedures.guards import GuardContext, latest_steps
from tracker.procedures.loader import load_directory

from .test_loader import errors_of, minimal

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
ABH = {"immigration_clerk"}
TODAY = date(2026, 3, 2)


@pytest.fixture(scope="module")
def registry():
    return load_directory(WORKFLOWS)


def test_every_reading_cites_its_source_and_names_what_it_governs(registry):
    for workflow in registry.all():
        assert workflow.readings, workflow.id
        for reading in workflow.readings:
            assert reading.source.strip(), (workflow.id, reading.point.en)
            assert reading.applies_to, (workflow.id, reading.point.en)
            # In both languages: the procedure page shows them in the reader's.
            assert reading.point.de and reading.reading.de and reading.point.de != reading.point.en
            for item in reading.applies_to:
                assert workflow.name_of(item).de != item, (workflow.id, item)


def test_the_open_points_of_the_law_are_readings_not_comments(registry):
    """The open points of docs/law.md, 2 (Werktage), 3 (calendars), 4 (extension after a shifted end), 6 (§ 31(3)
    for the authority's periods), 7 (practice only) and the accelerated ThürBQFG rule (§ 7), are each a reading
    that cites the point as its source."""
    points = {workflow.id: " ".join(r.point.en for r in workflow.readings) for workflow in registry.all()}
    sources = {workflow.id: " ".join(r.source for r in workflow.readings) for workflow in registry.all()}
    assert "open point 2" in sources["skilled-worker-81a"] and "open point 3" in sources["skilled-worker-81a"]
    assert "open point 7" in sources["skilled-worker-81a"]
    for procedure in ("recognition-bqfg", "recognition-thuerbqfg", "recognition-thuerbqfg-nonregulated"):
        assert "open point 6" in sources[procedure], procedure
        assert "withdrawal" in points[procedure], procedure
    for procedure in ("recognition-thuerbqfg", "recognition-thuerbqfg-nonregulated"):
        assert "Accelerated ThürBQFG" in points[procedure]
        assert "§ 2(1), (2) ThürBQFG" in points[procedure]


def test_a_reading_naming_an_unknown_item_is_an_error(tmp_path):
    data = minimal()
    data["readings"] = [{"point": {"de": "p", "en": "p"}, "reading": {"de": "r", "en": "r"}, "source": "§ 1",
                         "applies_to": ["decision", "decisoin"]}]
    assert errors_of(tmp_path, data) == ["demo.yaml: readings[0].applies_to[1]: no state, transition, timer or "
                                         "document 'decisoin'"]


def test_a_reading_without_its_source_is_an_error(tmp_path):
    data = minimal()
    data["readings"] = [{"point": {"de": "p", "en": "p"}, "reading": {"de": "r", "en": "r"}}]
    assert errors_of(tmp_path, data) == ["demo.yaml: readings[0].source: required key missing"]


def test_a_reading_in_one_language_only_is_an_error(tmp_path):
    data = minimal()
    data["readings"] = [{"point": {"de": "p", "en": "p"}, "reading": {"en": "r"}, "source": "§ 1"}]
    assert any("readings[0].reading" in error and "de" in error for error in errors_of(tmp_path, data))


def test_thuerbqfg_cites_intent_to_work_as_its_own_section_2_2(registry):
    for procedure in ("recognition-thuerbqfg", "recognition-thuerbqfg-nonregulated"):
        refuse = registry.latest(procedure).transitions["refuse"]
        labels = " ".join(choice.label.de for choice in refuse.input("ground").choices)
        assert "§ 2(2) ThürBQFG" in labels and "§ 12(6)" not in labels and "§ 5(6)" not in labels


def test_the_non_regulated_thuerbqfg_variant_has_no_compensation_measures(registry):
    workflow = registry.latest("recognition-thuerbqfg-nonregulated")
    assert not workflow.regulated_profession and registry.latest("recognition-thuerbqfg").regulated_profession
    assert {s.outcome for s in workflow.states.values() if s.terminal} == {"positive", "partial", "negative",
                                                                           "withdrawn"}
    assert "require_compensation" not in workflow.transitions and "aptitude_test" not in workflow.timers
    assert workflow.transitions["issue_deficit_notice"].basis.startswith("§ 7(2) ThürBQFG")
    # The binding periods run in accelerated cases too, beside the accelerated ones (LAW.md § 7).
    assert workflow.timers["decision"].only_when is None and workflow.timers["receipt_confirmation"].only_when is None
    assert workflow.timers["decision_accelerated"].only_when == "accelerated"
    # The non-regulated chapter has no § 12(3) s. 3: every request with a deadline suspends (§ 6(4), § 5(4), (5)).
    assert all(pause.unless is None for pause in workflow.timers["decision"].pauses)


def context(**changes) -> GuardContext:
    return GuardContext(today=TODAY, **changes)


def pre_approval(registry, ctx, **inputs):
    ef = registry.latest("skilled-worker-81a")
    return check_transition(ef, "issue_pre_approval", "ba_cleared", ABH, {"date": "2026-03-01", **inputs}, ctx)


def codes(decision):
    return [refusal.code for refusal in decision.refusals]


def steps(*pairs):
    return latest_steps(pairs)


def test_pre_approval_after_a_positive_expert_confirmation_without_recognition(registry):
    confirmed = steps(("start_qualification_check", {"route": "expert_confirmation"}),
                      ("record_expert_confirmation", {"result": "confirmed"}))
    assert pre_approval(registry, context(steps=confirmed)).allowed
    # § 16d follows a recognition notice with differences, not a confirmation.
    assert codes(pre_approval(registry, context(steps=confirmed), purpose="16d")) == [
        "guard:pre_approval_recognition"]


def test_the_latest_evaluation_counts(registry):
    negative_then_positive = steps(("record_expert_confirmation", {"result": "not_confirmed"}),
                                   ("record_expert_confirmation", {"result": "confirmed"}))
    assert pre_approval(registry, context(steps=negative_then_positive)).allowed
    positive_then_negative = steps(("record_expert_confirmation", {"result": "confirmed"}),
                                   ("record_expert_confirmation", {"result": "not_confirmed"}))
    assert codes(pre_approval(registry, context(steps=positive_then_negative))) == ["guard:pre_approval_recognition"]


def test_a_negative_confirmation_closes_the_case_and_a_positive_one_does_not(registry):
    ef = registry.latest("skilled-worker-81a")
    started = ("start_qualification_check", {"route": "certificate_evaluation"})
    negative = context(steps=steps(started, ("record_expert_confirmation", {"result": "not_confirmed"})))
    positive = context(steps=steps(started, ("record_expert_confirmation", {"result": "confirmed"})))
    assert check_transition(ef, "close_qualification_not_confirmed", "ba_pending", ABH, {}, negative).allowed
    assert codes(check_transition(ef, "close_qualification_not_confirmed", "ba_pending", ABH, {}, positive)) == [
        "guard:qualification_not_confirmed"]


def test_a_case_running_through_a_linked_recognition_records_no_evaluation_and_is_not_closed_by_one(registry):
    ef = registry.latest("skilled-worker-81a")
    through_recognition = context(linked_exists=True, steps=steps(
        ("conclude_agreement", {}), ("start_recognition", {"procedure": "recognition-bqfg"})))
    assert codes(check_transition(ef, "record_expert_confirmation", "ba_cleared", ABH, {"result": "not_confirmed"},
                                  through_recognition)) == ["guard:qualification_check_route"]
    # Even with such a result on record (entered before this check existed), the case does not close on it.
    recorded = context(linked_exists=True, steps=steps(("start_recognition", {}),
                                                       ("record_expert_confirmation", {"result": "not_confirmed"})))
    assert codes(check_transition(ef, "close_qualification_not_confirmed", "ba_cleared", ABH, {}, recorded)) == [
        "guard:qualification_check_route"]
    on_the_route = context(steps=steps(("start_qualification_check", {"route": "expert_confirmation"})))
    assert check_transition(ef, "record_expert_confirmation", "ba_cleared", ABH, {"result": "not_confirmed"},
                            on_the_route).allowed


def test_a_deemed_approval_is_corrected_only_where_the_fiction_took_effect(registry):
    ef = registry.latest("skilled-worker-81a")
    inputs = {"reason": "Mitteilung der BA vom 10.03.2026"}
    assert codes(check_transition(ef, "correct_ba_fiction", "ba_cleared", ABH, inputs, context())) == [
        "guard:fiction_applied"]
    assert check_transition(ef, "correct_ba_fiction", "ba_cleared", ABH, inputs,
                            context(fiction_applied=True)).allowed


@pytest.mark.parametrize("ctx_changes, inputs, allowed", [
    # A regulated ThürBQFG recognition: the licence first (granted or promised, § 18(2) no. 3 AufenthG).
    ({"linked_outcome": "positive", "linked_exists": True, "linked_regulated": True}, {}, False),
    ({"linked_outcome": "positive", "linked_exists": True, "linked_regulated": True,
      "steps": {"record_licence_obtained": {"licence": "promised"}}}, {}, True),
    # The clerk said the profession is regulated when starting the confirmation route.
    ({"steps": {"start_qualification_check": {"regulated": "yes"},
                "record_expert_confirmation": {"result": "confirmed"}}}, {}, False),
    ({"steps": {"start_qualification_check": {"regulated": "yes"}, "record_licence_obtained": {"licence": "granted"},
                "record_expert_confirmation": {"result": "confirmed"}}}, {}, True),
    # Not regulated: no licence needed.
    ({"linked_outcome": "positive", "linked_exists": True}, {}, True),
    # Towards § 16d after a deficit notice no licence can exist yet.
    ({"linked_outcome": "partial", "linked_exists": True, "linked_regulated": True}, {"purpose": "16d"}, True),
])
def test_licence_to_practise_before_pre_approval_where_the_profession_is_regulated(registry, ctx_changes, inputs,
                                                                                  allowed):
    decision = pre_approval(registry, context(**ctx_changes), **inputs)
    assert decision.allowed is allowed
    assert allowed or codes(decision) == ["guard:licence_if_regulated"]


def test_the_route_instead_of_recognition_starts_from_the_agreement(registry):
    ef = registry.latest("skilled-worker-81a")
    decision = check_transition(ef, "start_qualification_check", "agreement_concluded", ABH,
                                {"route": "certificate_evaluation", "body": "ZAB"}, context())
    assert decision.allowed and ef.transitions["start_qualification_check"].target == "qualification_check_running"
    assert {t.id for t in ef.transitions_from("qualification_check_running")} >= {
        "request_ba_approval", "record_ba_approval_not_required", "record_expert_confirmation", "request_licence",
        "record_licence_obtained", "forward_confirmations", "invite_employer", "withdraw"}
    assert "record_expert_confirmation" in ef.timers["employer_invitation"].starts_on


def test_the_procedure_page_shows_each_reading_with_its_source_and_what_it_governs(client, make, login):
    clerk = make.user(role="immigration_clerk", office=make.office(kind="immigration_office"))
    login(clerk)
    page = client.get("/procedures/skilled-worker-81a").get_data(as_text=True)
    # The reading in the reader's language; the source as the definition cites it.
    assert "<dt>Werktage in § 81a Abs. 3 Nr. 3 AufenthG</dt>" in page
    assert "„Werktage“ werden als Montag bis Samstag ohne gesetzliche Feiertage gelesen" in page
    assert "Working days in" not in page
    assert "Quelle:</strong> <span lang=\"en\">§ 81a(3) s. 1 no. 3 AufenthG" in page
    assert "Betrifft:</strong> Einladung des Arbeitgebers" in page
    clerk.locale = "en"
    db.session.commit()
    english = client.get("/procedures/skilled-worker-81a").get_data(as_text=True)
    assert "<dt>Working days in § 81a(3) no. 3 AufenthG</dt>" in english
    assert "Applies to:</strong> Invitation of the employer" in english
    assert "Source:</strong>" in english


def test_a_legal_basis_cites_sentence_and_number_in_the_page_s_language():
    """Browser review: German pages showed "§ 13(3) s. 3-5 ThürBQFG" where the definition wrote the English way."""
    from tracker.procedures.labels import legal_basis

    assert legal_basis("§ 13(3) s. 3-5 ThürBQFG; § 81a(3) no. 2 AufenthG", "de") == \
        "§ 13(3) S. 3-5 ThürBQFG; § 81a(3) Nr. 2 AufenthG"
    assert legal_basis("§ 6(3) S. 2 BQFG; § 81a(3) Nr. 2 AufenthG", "en") == "§ 6(3) s. 2 BQFG; § 81a(3) no. 2 AufenthG"
    assert legal_basis("Art. 15 DSGVO", "en") == "Art. 15 DSGVO"  # an article stays as written
