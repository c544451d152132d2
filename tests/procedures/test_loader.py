"""Loader: the real definitions load, and every validation rule names file and key."""
import copy
from pathlib import Path

import pytest
import yaml

from tracker.procedures.definition import EFFECTS, SAME_STATE
from tracker.procedures.diagram import layout, to_mermaid
from tracker.procedures.guards import GUARDS
from tracker.procedures.loader import DefinitionError, load_directory, load_file
from tracker.procedures.vocabulary import LetterKind, Outcome

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"
T = {"de": "Text", "en": "Text"}


def minimal():
    """A small valid definition: open -> waiting (deadline set) -> open -> done, with a fiction on the deadline."""
    return copy.deepcopy({
        "id": "demo", "version": 1, "title": T, "legal_basis": "§ 1 DemoG", "reference_prefix": "DEMO",
        "office_kind": "recognition_body", "initial_state": "open",
        "states": [
            {"id": "open", "title": T, "description": T, "employer": T, "staff": T, "responsible": "authority"},
            {"id": "waiting", "title": T, "description": T, "employer": T, "staff": T, "responsible": "applicant"},
            {"id": "done", "title": T, "description": T, "employer": T, "staff": T, "responsible": "none", "terminal": True,
             "outcome": "positive"},
        ],
        "transitions": [
            {"id": "ask", "from": "open", "to": "waiting", "label": T, "roles": ["recognition_clerk"],
             "basis": "§ 2", "inputs": [{"name": "due_date", "type": "date", "required": True, "label": T}]},
            {"id": "answer", "from": ["waiting"], "to": "open", "label": T, "roles": ["recognition_clerk"],
             "basis": "§ 3"},
            {"id": "decide", "from": ["open"], "to": "done", "label": T, "roles": ["team_lead"], "basis": "§ 4",
             "guards": ["documents_complete"]},
            {"id": "lapse", "from": ["waiting"], "to": "done", "label": T, "roles": ["system"], "basis": "§ 5"},
        ],
        "timers": [
            {"id": "decision", "name": T, "basis": "§ 4", "kind": "deadline", "period": "P1M",
             "owed_by": "authority", "starts_on": ["opened"], "stops_on": ["decide"],
             "pauses": [{"on": "ask", "until": "due_date"}], "on_expiry": "breach"},
            {"id": "reply", "name": T, "basis": "§ 5", "kind": "deadline", "due_input": "due_date",
             "owed_by": "applicant", "starts_on": ["ask"], "stops_on": ["answer"],
             "on_expiry": {"fiction": "lapse"}},
        ],
        "documents": [{"id": "passport", "title": T}],
    })


def write(directory: Path, data, name="demo.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def errors_of(tmp_path, data) -> list[str]:
    with pytest.raises(DefinitionError) as caught:
        load_file(write(tmp_path, data))
    return caught.value.messages


def assert_error(tmp_path, data, expected: str):
    messages = errors_of(tmp_path, data)
    assert any(message.startswith(f"demo.yaml: {expected}") for message in messages), messages


# --- the real definitions -----------------------------------------------------------------------------------

def test_real_definitions_load():
    registry = load_directory(WORKFLOWS)
    assert [w.id for w in registry.all()] == ["recognition-bqfg", "recognition-thuerbqfg",
                                              "recognition-thuerbqfg-nonregulated", "skilled-worker-81a"]
    assert {w.reference_prefix for w in registry.all()} == {"ANR-BQ", "ANR-TH", "ANR-TN", "ABH-EF"}


def test_pause_key_on_survives_yaml_1_1():
    # YAML 1.1 reads a bare `on` as True; the loader must still see the pause rule.
    decision = load_file(WORKFLOWS / "recognition-bqfg.yaml").timers["decision"]
    assert decision.pauses[0].on == "request_documents" and decision.pauses[0].until_input == "due_date"
    assert decision.pauses[1].resume_on == ("finish_skills_analysis",)


def test_accelerated_and_standard_timers():
    workflow = load_file(WORKFLOWS / "recognition-thuerbqfg.yaml")
    standard = {t.id for t in workflow.timers_started_by("opened", mode="standard")}
    accelerated = {t.id for t in workflow.timers_started_by("opened", mode="accelerated")}
    # Until the ThürBQFG's accelerated rule is verified, accelerated cases keep the "muss" deadline too (LAW.md § 7).
    assert standard == {"receipt_confirmation"}
    assert accelerated == {"receipt_confirmation", "receipt_confirmation_accelerated"}
    assert workflow.timers["decision_accelerated"].kind == "target"
    assert workflow.timers["decision"].extension.max == "P1M"
    assert "mirrors BQFG – verify" in workflow.timers["decision"].basis
    assert any("open point 1" in r.source for r in workflow.readings)


def test_81a_definition_shape():
    workflow = load_file(WORKFLOWS / "fachkraefteverfahren-81a.yaml")
    start = workflow.transitions["start_recognition"]
    assert start.effects == ("open_linked_recognition",)
    assert set(start.input("procedure").choice_values()) == {
        "recognition-thuerbqfg", "recognition-thuerbqfg-nonregulated", "recognition-bqfg"}
    ba = workflow.timers["ba_approval"]
    assert (ba.period, ba.on_expiry, ba.fiction_transition, ba.calendar) == ("P1W", "fiction",
                                                                             "deem_ba_approval_granted", "th")
    assert workflow.transitions["deem_ba_approval_granted"].is_system
    assert workflow.timers["employer_invitation"].working_days == 3
    assert workflow.transitions["record_body_request"].target_from("ba_pending") == "ba_pending"
    assert [d.id for d in workflow.required_documents()][-4:] == [
        "power_of_attorney", "employment_contract", "agreement", "fee_receipt"]
    # The employer sends its own papers; the worker's status page asks for and offers only the worker's.
    assert {d.id for d in workflow.documents if d.owed_by == "employer"} == {
        "power_of_attorney", "employment_contract", "agreement", "fee_receipt"}


def test_every_non_terminal_state_can_be_withdrawn():
    for workflow in load_directory(WORKFLOWS).all():
        open_states = {s.id for s in workflow.states.values() if not s.terminal}
        assert set(workflow.transitions["withdraw"].sources) == open_states, workflow.id


def test_readme_documents_every_guard_and_effect():
    readme = (WORKFLOWS / "README.md").read_text(encoding="utf-8")
    for name in [*GUARDS, *EFFECTS, "due_input", "only_when"]:
        assert f"`{name}`" in readme, name


def test_diagram_of_a_real_definition():
    workflow = load_file(WORKFLOWS / "fachkraefteverfahren-81a.yaml")
    text = to_mermaid(workflow, "en")
    assert text.startswith("stateDiagram-v2\n")
    assert "    [*] --> agreement_pending" in text
    assert "    ba_pending --> ba_pending : Recognition body's request received" in text  # `to: same`
    layers = layout(workflow)
    assert layers[0] == ["agreement_pending"]
    assert sorted(s for layer in layers for s in layer) == sorted(workflow.states)


def test_mermaid_escapes_quotes_and_semicolons(tmp_path):
    data = minimal()
    data["states"][0]["title"] = {"de": 'Der "Start"; hier', "en": "Start"}
    text = to_mermaid(load_file(write(tmp_path, data)), "de")
    assert 'state "Der #quot;Start#quot;#59; hier" as open' in text


# --- validation, one rule per test --------------------------------------------------------------------------

def test_minimal_definition_is_valid(tmp_path):
    workflow = load_file(write(tmp_path, minimal()))
    assert workflow.transitions_from("waiting") == [workflow.transitions["answer"], workflow.transitions["lapse"]]
    assert workflow.timers["reply"].due_input == "due_date"


def test_unknown_state_in_to(tmp_path):
    data = minimal()
    data["transitions"][2]["to"] = "decidd"
    assert_error(tmp_path, data, "transitions[2].to: unknown state 'decidd'")


def test_unknown_state_in_from(tmp_path):
    data = minimal()
    data["transitions"][1]["from"] = ["waitng"]
    assert_error(tmp_path, data, "transitions[1].from[0]: unknown state 'waitng'")


def test_unknown_initial_state(tmp_path):
    data = minimal()
    data["initial_state"] = "start"
    assert_error(tmp_path, data, "initial_state: unknown state 'start'")


def test_unreachable_state(tmp_path):
    data = minimal()
    data["states"].append({"id": "orphan", "title": T, "description": T, "employer": T, "staff": T, "responsible": "authority"})
    data["transitions"].append({"id": "leave", "from": "orphan", "to": "done", "label": T,
                                "roles": ["team_lead"], "basis": "§ 6"})
    assert_error(tmp_path, data, "states[3]: state 'orphan' is unreachable")


def test_terminal_state_with_outgoing_transition(tmp_path):
    data = minimal()
    data["transitions"][1]["from"] = ["waiting", "done"]
    assert_error(tmp_path, data, "transitions[1].from[1]: terminal state 'done' cannot have outgoing")


def test_non_terminal_state_without_way_out(tmp_path):
    data = minimal()
    data["states"].append({"id": "stuck", "title": T, "description": T, "employer": T, "staff": T, "responsible": "authority"})
    data["transitions"].append({"id": "park", "from": "open", "to": "stuck", "label": T,
                                "roles": ["team_lead"], "basis": "§ 6"})
    data["transitions"].append({"id": "poke", "from": "stuck", "to": SAME_STATE, "label": T,
                                "roles": ["team_lead"], "basis": "§ 7"})
    assert_error(tmp_path, data, "states[3]: non-terminal state 'stuck' has no transition to another state")


def test_self_loops_are_valid(tmp_path):
    data = minimal()
    data["transitions"].append({"id": "note", "from": ["open", "waiting"], "to": SAME_STATE, "label": T,
                                "roles": ["team_lead"], "basis": "§ 6"})
    data["transitions"].append({"id": "ping", "from": "open", "to": "open", "label": T,
                                "roles": ["team_lead"], "basis": "§ 7"})
    workflow = load_file(write(tmp_path, data))
    assert workflow.transitions["note"].target_from("waiting") == "waiting"
    assert workflow.transitions["ping"].target_from("open") == "open"


@pytest.mark.parametrize("where, key, path", [
    (("states", 0, "title"), "en", "states[0].title.en"),
    (("transitions", 0, "label"), "de", "transitions[0].label.de"),
    (("timers", 1, "name"), "en", "timers[1].name.en"),
    (("documents", 0, "title"), "de", "documents[0].title.de"),
    (("transitions", 0, "inputs", 0, "label"), "en", "transitions[0].inputs[0].label.en"),
    (("title",), "de", "title.de"),
])
def test_missing_language(tmp_path, where, key, path):
    data = minimal()
    target = data
    for step in where:
        target = target[step]
    target.pop(key)
    assert_error(tmp_path, data, f"{path}: required key missing")


def test_empty_text(tmp_path):
    data = minimal()
    data["states"][1]["description"]["de"] = "  "
    assert_error(tmp_path, data, "states[1].description.de: must not be empty")


@pytest.mark.parametrize("collection, index, key", [
    ("states", 1, "states[1].id: duplicate id 'open'"),
    ("transitions", 1, "transitions[1].id: duplicate id 'ask'"),
    ("timers", 1, "timers[1].id: duplicate id 'decision'"),
])
def test_duplicate_ids(tmp_path, collection, index, key):
    data = minimal()
    data[collection][index]["id"] = data[collection][0]["id"]
    assert_error(tmp_path, data, key)


def test_duplicate_document_and_input(tmp_path):
    data = minimal()
    data["documents"].append({"id": "passport", "title": T})
    data["transitions"][0]["inputs"].append({"name": "due_date", "type": "text", "label": T})
    messages = errors_of(tmp_path, data)
    assert "demo.yaml: documents[1].id: duplicate id 'passport'" in messages
    assert "demo.yaml: transitions[0].inputs[1].name: duplicate name 'due_date'" in messages


def test_same_id_and_version_in_two_files(tmp_path):
    write(tmp_path, minimal())
    write(tmp_path, minimal(), "demo.v2.yaml")
    with pytest.raises(DefinitionError) as caught:
        load_directory(tmp_path)
    assert caught.value.messages == [
        "demo.yaml: version: 'demo' version 1 is already defined in demo.v2.yaml"]  # files load in name order


def test_unknown_role(tmp_path):
    data = minimal()
    data["transitions"][0]["roles"] = ["clerk"]
    assert_error(tmp_path, data, "transitions[0].roles[0]: unknown role 'clerk'")


def test_system_role_stands_alone(tmp_path):
    data = minimal()
    data["transitions"][3]["roles"] = ["system", "team_lead"]
    assert_error(tmp_path, data, "transitions[3].roles: 'system' cannot be combined")


def test_system_transition_must_be_a_fiction(tmp_path):
    data = minimal()
    data["timers"][1]["on_expiry"] = "breach"
    assert_error(tmp_path, data, "transitions[3].roles: system transition is not the fiction of any timer")


def test_unknown_guard(tmp_path):
    data = minimal()
    data["transitions"][2]["guards"] = ["documents_compete"]
    assert_error(tmp_path, data, "transitions[2].guards[0]: unknown guard 'documents_compete'")


def test_guard_needing_an_input(tmp_path):
    data = minimal()
    data["transitions"][2]["guards"] = ["date_not_in_future"]
    assert_error(tmp_path, data, "transitions[2].guards[0]: guard 'date_not_in_future' needs an input named 'date'")


def test_unknown_effect(tmp_path):
    data = minimal()
    data["transitions"][2]["effects"] = ["open_linked_case"]
    assert_error(tmp_path, data, "transitions[2].effects[0]: unknown effect 'open_linked_case'")


def test_open_linked_recognition_needs_procedure_choice(tmp_path):
    data = minimal()
    data["transitions"][2]["effects"] = ["open_linked_recognition"]
    assert_error(tmp_path, data, "transitions[2].effects[0]: open_linked_recognition needs a required choice")


def test_open_linked_recognition_must_offer_loaded_procedures(tmp_path):
    data = minimal()
    data["transitions"][2]["effects"] = ["open_linked_recognition"]
    data["transitions"][2]["inputs"] = [{"name": "procedure", "type": "choice", "required": True, "label": T,
                                         "choices": [{"value": "demo", "label": T},
                                                     {"value": "recognition-xyz", "label": T}]}]
    write(tmp_path, data)
    with pytest.raises(DefinitionError) as caught:
        load_directory(tmp_path)
    assert caught.value.messages == ["demo.yaml: transitions[2].inputs[0].choices[1].value: "
                                     "no recognition procedure 'recognition-xyz' is loaded"]


def test_timer_event_names_unknown_transition(tmp_path):
    data = minimal()
    data["timers"][0]["stops_on"] = ["decidd"]
    data["timers"][0]["starts_on"] = "openend"
    messages = errors_of(tmp_path, data)
    assert "demo.yaml: timers[0].stops_on[0]: unknown transition 'decidd'" in messages
    assert "demo.yaml: timers[0].starts_on: unknown transition 'openend'" in messages


def test_pause_events_name_known_transitions(tmp_path):
    data = minimal()
    data["timers"][0]["pauses"] = [{"on": "ask", "resume_on": ["answr"]}]
    assert_error(tmp_path, data, "timers[0].pauses[0].resume_on[0]: unknown transition 'answr'")


def test_fiction_must_be_a_system_transition(tmp_path):
    data = minimal()
    data["timers"][1]["on_expiry"] = {"fiction": "answer"}
    assert_error(tmp_path, data, "timers[1].on_expiry.fiction: transition 'answer' is not a system transition")


@pytest.mark.parametrize("field, value", [("period", "P1Y"), ("period", "P0D"), ("period", "3 months"),
                                          ("warn_before", "PT1H")])
def test_invalid_period(tmp_path, field, value):
    data = minimal()
    data["timers"][0][field] = value
    assert_error(tmp_path, data, f"timers[0].{field}: invalid period '{value}'")


def test_invalid_extension_period(tmp_path):
    data = minimal()
    data["timers"][0]["extension"] = {"max": "1M", "basis": "§ 6(3) BQFG"}
    assert_error(tmp_path, data, "timers[0].extension.max: invalid period '1M'")


def test_timer_needs_exactly_one_length(tmp_path):
    data = minimal()
    data["timers"][0]["working_days"] = 3
    assert_error(tmp_path, data, "timers[0]: needs exactly one of period, working_days, due_input")


def test_pause_until_names_an_input_of_the_transition(tmp_path):
    data = minimal()
    data["timers"][0]["pauses"] = [{"on": "answer", "until": "due_date"}]
    assert_error(tmp_path, data, "timers[0].pauses[0].until: transition 'answer' has no date input 'due_date'")


def test_due_input_names_an_input_of_the_starting_transition(tmp_path):
    data = minimal()
    data["timers"][1]["starts_on"] = ["ask", "opened"]
    data["timers"][1]["due_input"] = "due_date"
    assert_error(tmp_path, data, "timers[1].due_input: starting event 'opened' has no date input 'due_date'")


def test_terminal_state_needs_outcome(tmp_path):
    data = minimal()
    del data["states"][2]["outcome"]
    data["states"][0]["outcome"] = "negative"
    messages = errors_of(tmp_path, data)
    assert "demo.yaml: states[2].outcome: a terminal state needs an outcome" in messages
    assert "demo.yaml: states[0].outcome: only terminal states have an outcome" in messages


@pytest.mark.parametrize("change, expected", [
    (lambda d: d["states"][0].update(titel=T), "states[0].titel: unknown key"),
    (lambda d: d["states"][0].update(responsible="clerk"), "states[0].responsible: 'clerk' is not one of"),
    (lambda d: d.update(version="1"), "version: must be a whole number"),
    (lambda d: d.pop("reference_prefix"), "reference_prefix: required key missing"),
    (lambda d: d["timers"][0].update(on_expiry="fiction"), "timers[0].on_expiry: must be 'breach' or"),
    (lambda d: d["timers"][0].update(only_when="fast"), "timers[0].only_when: 'fast' is not one of"),
    (lambda d: d["transitions"][0]["inputs"][0].update(type="number"), "transitions[0].inputs[0].type:"),
])
def test_structure_errors(tmp_path, change, expected):
    data = minimal()
    change(data)
    assert_error(tmp_path, data, expected)


def test_choice_input_needs_choices(tmp_path):
    data = minimal()
    data["transitions"][1]["inputs"] = [{"name": "kind", "type": "choice", "label": T}]
    assert_error(tmp_path, data, "transitions[1].inputs[0].choices: a choice input needs choices")


def test_all_errors_of_all_files_are_collected(tmp_path):
    first, second = minimal(), minimal()
    first["transitions"][0]["to"] = "nowhere"
    first["transitions"][1]["roles"] = ["clerk"]
    second["id"] = "other"
    second["initial_state"] = "start"
    write(tmp_path, first)
    write(tmp_path, second, "other.yaml")
    (tmp_path / "broken.yaml").write_text("id: [unclosed", encoding="utf-8")
    (tmp_path / "README.md").write_text("not a definition", encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_directory(tmp_path)
    files = [message.split(":")[0] for message in caught.value.messages]
    assert files.count("demo.yaml") >= 2 and "other.yaml" in files and "broken.yaml" in files
    assert any(m.startswith("broken.yaml: cannot read") for m in caught.value.messages)


def test_top_level_must_be_a_mapping(tmp_path):
    (tmp_path / "demo.yaml").write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(DefinitionError, match="demo.yaml: the top level must be a mapping"):
        load_file(tmp_path / "demo.yaml")


# --- registry ---------------------------------------------------------------------------------------------

def test_registry_versions(tmp_path):
    write(tmp_path, minimal())
    second = minimal()
    second["version"] = 2
    write(tmp_path, second, "demo.v2.yaml")
    registry = load_directory(tmp_path)
    assert registry.versions("demo") == [1, 2]
    assert registry.get("demo").version == 2 == registry.latest("demo").version
    assert registry.get("demo", 1).version == 1
    assert [w.version for w in registry.all()] == [2]
    with pytest.raises(KeyError):
        registry.get("demo", 3)
    with pytest.raises(KeyError):
        registry.get("nope")


def test_every_state_has_a_text_for_the_employer_and_for_staff(tmp_path):
    data = minimal()
    del data["states"][1]["employer"]
    assert_error(tmp_path, data, "states[1].employer: required key missing")
    data = minimal()
    data["states"][0]["staff"] = {"de": "Nur Deutsch"}
    assert_error(tmp_path, data, "states[0].staff")


def test_the_shipped_definitions_speak_to_each_audience_in_both_languages():
    for workflow in load_directory(WORKFLOWS).all():
        for state in workflow.states.values():
            for audience in ("applicant", "employer", "staff"):
                text = state.text_for(audience)
                assert text.de.strip() and text.en.strip(), (workflow.id, state.id, audience)
            assert state.employer != state.description, (workflow.id, state.id)


# --- letters and documents a step records -------------------------------------------------------------------

def test_a_step_declares_its_letter_and_the_documents_it_records(tmp_path):
    data = minimal()
    data["transitions"][0].update(letter="documents_request")
    data["transitions"][1].update(records_documents={"passport": "effective_on"}, records_requested=True)

    workflow = load_file(write(tmp_path, data))

    assert workflow.transitions["ask"].letter == "documents_request"
    assert workflow.transitions["answer"].records_documents == (("passport", "effective_on"),)
    assert workflow.transitions["answer"].records_requested is True


def test_an_unknown_letter_kind_is_refused(tmp_path):
    data = minimal()
    data["transitions"][0]["letter"] = "postcard"
    assert_error(tmp_path, data, "transitions[0].letter")


def test_records_documents_names_checklist_items_and_date_inputs(tmp_path):
    data = minimal()
    data["transitions"][0]["records_documents"] = {"pasport": "due_date", "passport": "reason"}
    messages = errors_of(tmp_path, data)
    assert "demo.yaml: transitions[0].records_documents.pasport: unknown document 'pasport'" in messages
    assert ("demo.yaml: transitions[0].records_documents.passport: 'reason' is not a date input of the transition "
            "(nor effective_on)") in messages


def test_the_real_steps_that_record_documents():
    workflows = load_directory(WORKFLOWS)
    agreement = workflows.latest("skilled-worker-81a").transitions["conclude_agreement"]
    assert dict(agreement.records_documents) == {"agreement": "date", "fee_receipt": "fee_paid_on"}
    for procedure in ("recognition-bqfg", "recognition-thuerbqfg", "recognition-thuerbqfg-nonregulated"):
        transitions = workflows.latest(procedure).transitions
        assert transitions["record_requested_documents_received"].records_requested
        assert transitions["grant_full_equivalence"].letter == LetterKind.DECISION
        assert transitions["request_documents"].letter == LetterKind.DOCUMENTS_REQUEST


def test_every_decision_of_a_recognition_body_owes_its_letter():
    """The state texts promise "Sie bekommen einen Bescheid": each step that ends a recognition with an outcome
    other than withdrawal produces the decision letter."""
    workflows = load_directory(WORKFLOWS)
    for procedure in ("recognition-bqfg", "recognition-thuerbqfg", "recognition-thuerbqfg-nonregulated"):
        workflow = workflows.latest(procedure)
        for transition in workflow.transitions.values():
            target = workflow.states.get(transition.target)
            if target is not None and target.terminal and target.outcome != Outcome.WITHDRAWN:
                assert transition.letter == LetterKind.DECISION, (procedure, transition.id)


RETENTION = {"basis": "Records schedule", "after_closing": {"positive": "P120M", "partial": "P120M",
                                                            "negative": "P60M", "withdrawn": "P24M"}}


def test_retention_periods_load_per_outcome(tmp_path):
    data = minimal()
    data["retention"] = copy.deepcopy(RETENTION)
    workflow = load_file(write(tmp_path, data))
    assert workflow.retention.period_for("negative") == "P60M" and workflow.retention.period_for(None) is None
    assert load_file(write(tmp_path, minimal())).retention is None  # optional: then nothing is erased by age


def test_retention_needs_every_outcome_and_valid_periods(tmp_path):
    data = minimal()
    data["retention"] = copy.deepcopy(RETENTION)
    del data["retention"]["after_closing"]["withdrawn"]
    assert any("withdrawn" in message for message in errors_of(tmp_path, data))
    data["retention"] = copy.deepcopy(RETENTION)
    data["retention"]["after_closing"]["negative"] = "5 years"
    assert_error(tmp_path, data, "retention.after_closing.negative: invalid period '5 years'")


def test_a_document_is_the_applicant_s_unless_it_names_the_employer(tmp_path):
    data = minimal()
    data["documents"].append({"id": "agreement", "title": T, "owed_by": "employer"})
    workflow = load_file(write(tmp_path, data))
    assert [(d.id, d.owed_by) for d in workflow.documents] == [("passport", "applicant"), ("agreement", "employer")]

    data["documents"][1]["owed_by"] = "ba"
    assert_error(tmp_path, data, "documents[1].owed_by")
