"""Domain verbs on cases. Views parse input, call one verb and commit; the verbs only flush.

Every change of a case's state goes through ``apply_transition``: it checks the transition against the case's
definition version (state, role, inputs, guards) and the actor's access to this very case, then applies it together
with its audit event and the timers it starts, stops or pauses.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from tracker import clock
from tracker.audit.models import Event, EventKind
from tracker.audit.service import append_event, case_events
from tracker.auth import invitations
from tracker.auth.actors import APPLICANT_ROLE
from tracker.cases import facts as case_facts
from tracker.cases.access import can_act_on_case, can_use_notes
from tracker.cases.models import (
    Authorisation,
    Case,
    CaseDocument,
    Note,
    ReferenceCounter,
)
from tracker.db_types import dialect_insert
from tracker.extensions import db
from tracker.letters import service as letters
from tracker.parties.models import Employer, Office
from tracker.procedures import timer_plan
from tracker.procedures.definition import ACT_DATE, EFFECTIVE_ON, LocalText
from tracker.procedures.engine import (
    Refusal,
    check_transition,
    documents_recorded,
    enter_target,
    field_refusals,
)
from tracker.procedures.guards import COOPERATION_TIMER, GuardContext, latest_steps
from tracker.procedures.timer_plan import EventDays
from tracker.procedures.vocabulary import (
    AuthorisationKind,
    DocumentStatus,
    LetterKind,
    Role,
    TimerStatus,
)
from tracker.registry import registry, workflow_of
from tracker.timers import service as timers
from tracker.timers.models import Timer


class CaseError(Exception):
    """A change the user asked for cannot be made; ``messages`` say why, in both languages."""

    def __init__(self, messages: list[LocalText], refusals: tuple[Refusal, ...] = ()):
        super().__init__("; ".join(message.de for message in messages))
        self.messages = messages
        self.refusals = refusals

    def text(self, lang: str) -> str:
        return " ".join(message.get(lang) for message in self.messages)


class TransitionRefused(CaseError):
    pass


#: The accelerated procedure (§ 81a AufenthG): it is the employer's, applying with the worker's power of attorney
#: (§ 81a(1)); its letters go to the employer. No such case without one.
PROCEDURE_81A = "skilled-worker-81a"
EMPLOYER_REQUIRED = LocalText(
    "Das beschleunigte Fachkräfteverfahren (§ 81a AufenthG) führt der Arbeitgeber: bitte den Arbeitgeber auswählen.",
    "The accelerated skilled-worker procedure (§ 81a AufenthG) is the employer's: please choose the employer.")


class ConflictError(CaseError):
    """Somebody else changed the case since the user loaded it."""


class AccessDenied(CaseError):
    pass


CONFLICT_MESSAGE = LocalText(
    "Der Fall wurde inzwischen von jemand anderem geändert. Ihre Eingaben sind erhalten; bitte prüfen Sie den "
    "neuen Stand und senden Sie erneut.",
    "Someone else changed this case in the meantime. What you typed is kept; please check the new state and "
    "submit again.",
)
ACCESS_MESSAGE = LocalText("Sie dürfen diesen Fall nicht ändern.", "You may not change this case.")


def case_of_submission(submission_key: str | None) -> Case | None:
    """The case a new-case form with this one-time key opened already, if any."""
    if not submission_key:
        return None
    return db.session.scalar(select(Case).where(Case.submission_key == submission_key))


def is_repeated_submission(error: IntegrityError) -> bool:
    """A concurrent request with the same form's key opened its case first (the unique key refused ours)."""
    return "uq_cases_submission_key" in str(error.orig) or "cases.submission_key" in str(error.orig)


def check_version(case: Case, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != case.version:
        raise ConflictError([CONFLICT_MESSAGE])


def _require_access(actor, case: Case) -> None:
    if actor.role == Role.SYSTEM:
        return
    if actor.role == APPLICANT_ROLE:  # the applicant acts in the one case their door proved, nowhere else
        if actor.case_id != case.id:
            raise AccessDenied([ACCESS_MESSAGE])
        return
    if not can_act_on_case(actor, case):
        raise AccessDenied([ACCESS_MESSAGE])


@contextmanager
def conflicts_refused():
    """A concurrent writer that got there first (the case's version moved under us) becomes a ConflictError,
    wherever the flush happens: the explicit one at the end of a verb or an autoflush before a query inside it."""
    try:
        yield
    except StaleDataError as error:
        raise ConflictError([CONFLICT_MESSAGE]) from error
    except IntegrityError as error:
        # Two writers took the same place in the case's audit chain: the second one is a conflict.
        if "uq_events_case_id_seq" in str(error.orig) or "events.case_id, events.seq" in str(error.orig):
            raise ConflictError([CONFLICT_MESSAGE]) from error
        raise


def flush_or_conflict() -> None:
    with conflicts_refused():
        db.session.flush()


def next_reference(prefix: str, year: int) -> str:
    """Next running number for (prefix, year), under a row lock so two clerks never get the same reference."""
    # Create the counter row if this is the year's first case; a concurrent first case must not fail on it.
    db.session.execute(dialect_insert(ReferenceCounter).values(prefix=prefix, year=year, last_number=0)
                       .on_conflict_do_nothing())
    counter = db.session.scalar(
        select(ReferenceCounter).where(ReferenceCounter.prefix == prefix, ReferenceCounter.year == year)
        .with_for_update()
    )
    counter.last_number += 1
    return f"{prefix}-{year}-{counter.last_number:06d}"


def open_case(*, procedure_id: str, applicant, office, actor, employer=None, advisor=None,
              received_on: date | None = None, profession: str = "", reference_occupation: str = "",
              training_country: str = "", parent: Case | None = None, assignee=None,
              submission_key: str | None = None) -> Case:
    """Open a case under the newest version of the procedure, in its initial state, with its documents checklist,
    the "opened" audit event and the timers that start on receipt. ``submission_key``: the new-case form's
    one-time key (``case_of_submission``)."""
    workflow = registry().latest(procedure_id)
    if workflow.id == PROCEDURE_81A and employer is None:
        raise CaseError([EMPLOYER_REQUIRED], (Refusal("employer_required", EMPLOYER_REQUIRED, "employer"),))
    if office.kind != workflow.office_kind:
        raise CaseError([LocalText("Diese Behörde ist für das Verfahren nicht zuständig.",
                                   "This office does not handle this procedure.")])
    received_on = received_on or clock.today()
    if received_on > clock.today():
        raise CaseError([LocalText("Das Eingangsdatum darf nicht in der Zukunft liegen.",
                                   "The date of receipt cannot be in the future.")])
    case = Case(
        reference=next_reference(workflow.reference_prefix, received_on.year),
        procedure_id=workflow.id, procedure_version=workflow.version, state=workflow.initial_state,
        accelerated=parent is not None, applicant=applicant, employer=employer, advisor=advisor, office=office,
        assignee=assignee, parent=parent, profession=profession, reference_occupation=reference_occupation,
        training_country=training_country, received_on=received_on, opened_at=clock.now(),
        submission_key=submission_key,
    )
    db.session.add(case)
    for position, spec in enumerate(workflow.documents):
        case.documents.append(CaseDocument(document_id=spec.id, position=position, required=spec.required))
    db.session.flush()  # the case needs its id before events refer to it
    append_event(case, EventKind.OPENED, actor, to_state=case.state, basis=workflow.legal_basis,
                 data={"procedure": workflow.id, "version": workflow.version, "received_on": received_on,
                       "parent": parent.reference if parent else None})
    timers.on_event(case, workflow, "opened", {}, received_on, actor)
    case_facts.opened(case)
    return case


def guard_context(case: Case, inputs: dict, events: list[Event] | None = None) -> GuardContext:
    """``events``: the case's audit events, oldest first, when the caller has read them anyway (the case page),
    so they are not read twice."""
    # Read only what the guards can ask for: the linked case exists only where a step opens one (§ 81a), and the
    # case's earlier facts matter only when the clerk gives the fact's or the act's date (``effective_on``,
    # ``date``); without them the step is dated today, which no earlier fact can be after.
    # The steps taken so far matter only to the § 81a guards (the route instead of recognition, the licence).
    opens_linked = _opens_linked_cases(case)
    linked = case.children[-1] if opens_linked and case.children else None
    dated = bool(inputs.get(EFFECTIVE_ON) or inputs.get("date"))  # the fact's or the act's own date
    facts = _facts(case, events) if opens_linked or dated else []
    earliest_fact_on = case.received_on
    if dated:
        earliest_fact_on = max([case.received_on, *(day for _, day, _ in facts)])
    return GuardContext(
        documents={document.document_id: document.status for document in case.documents},
        required_documents=tuple(document.document_id for document in needed_documents(case)),
        linked_outcome=linked.outcome if linked else None,
        linked_differences_found=linked is not None and workflow_of(linked).state(linked.state).differences_found,
        linked_exists=linked is not None,
        linked_regulated=linked is not None and workflow_of(linked).regulated_profession,
        steps=latest_steps((transition_id, data) for transition_id, _, data in facts),
        inputs=inputs,
        today=clock.today(),
        earliest_fact_on=earliest_fact_on,
        documents_complete_on=documents_complete_on(case) if inputs.get(EFFECTIVE_ON) else None,
        cooperation_deadline=next((timer.due_on for timer in reversed(timers.case_timers(case))
                                   if timer.timer_id == COOPERATION_TIMER), None) if case.id else None,
        fiction_applied=_reverses_fictions(case) and any(
            timer.status == TimerStatus.FIRED for timer in timers.case_timers(case)),
    )


def _reverses_fictions(case: Case) -> bool:
    return case.id is not None and any(
        "reverse_fiction" in transition.effects for transition in workflow_of(case).transitions.values())


def _opens_linked_cases(case: Case) -> bool:
    return case.parent_id is None and any(
        "open_linked_recognition" in transition.effects for transition in workflow_of(case).transitions.values())


def _facts(case: Case, events: list[Event] | None = None) -> list[tuple[str, date, dict]]:
    """(transition, date of the fact, data) of the case's steps taken by people, oldest first. The system's own
    steps (a legal fiction) are no fact from outside: a late-recorded fact may lie before them (§ 36(2) BeschV)."""
    if events is None:
        events = case_events(case.id) if case.id else []
    facts = []
    for event in events:
        if event.kind == EventKind.TRANSITION and event.actor_role != Role.SYSTEM:
            data = event.data or {}
            facts.append((event.subject, date.fromisoformat(data.get(EFFECTIVE_ON) or clock.berlin_date(event.occurred_at).isoformat()),
                          data))
    return facts


def checklist(case: Case) -> list[tuple[CaseDocument, timer_plan.Document]]:
    return [(document, timer_plan.Document(document.required, DocumentStatus(document.status), document.received_on))
            for document in case.documents]


def needed_documents(case: Case) -> list[CaseDocument]:
    """The documents the file needs to be complete (``timer_plan.needed``)."""
    items = checklist(case)
    wanted = timer_plan.needed([item for _, item in items])
    return [document for document, item in items if item in wanted]


def documents_complete_on(case: Case) -> date | None:
    """The arrival of the last document the file needs (§ 6(3) s. 2 BQFG), once every one is in hand."""
    return timer_plan.documents_complete_on([item for _, item in checklist(case)], case.received_on)


#: Text inputs that hold no one's words: the checklist ids of requested documents.
NOT_PERSONAL = frozenset({"documents"})


def refusals_at_fields(case: Case, transition_id: str, raw_inputs: dict) -> tuple[Refusal, ...]:
    """What the procedure's checks say about the inputs a refused form did give (``engine.field_refusals``): for
    showing them in the same round as the form's own problems. Changes nothing."""
    raw_inputs = {key: value for key, value in raw_inputs.items() if value not in (None, "")}
    return field_refusals(workflow_of(case), transition_id, raw_inputs, guard_context(case, raw_inputs))


@conflicts_refused()
def apply_transition(case: Case, transition_id: str, actor, raw_inputs: dict | None = None, *,
                     expected_version: int | None = None, reason: str = "", origin: dict | None = None) -> Case:
    """The one way a case changes state. Raises TransitionRefused, AccessDenied or ConflictError.

    ``reason`` is recorded when the transition has no ``reason`` input of its own (e.g. the sweep's fictions).
    ``origin`` goes into the transition event's data as it is: how the step reached us (``{"api_token_id": 7}``
    for a step through the API; the actor is the token's owner)."""
    check_version(case, expected_version)
    _require_access(actor, case)
    workflow = workflow_of(case)
    raw_inputs = {key: value for key, value in (raw_inputs or {}).items() if value not in (None, "")}
    decision = check_transition(workflow, transition_id, case.state, {actor.role}, raw_inputs,
                                guard_context(case, raw_inputs))
    if not decision.allowed:
        raise TransitionRefused([refusal.message for refusal in decision.refusals], decision.refusals)
    transition = workflow.transitions[transition_id]
    inputs = decision.inputs
    today = clock.today()
    _mark_recorded(case, documents_recorded(transition, {d.document_id: d.status for d in case.documents}, inputs,
                                            inputs.get(EFFECTIVE_ON) or today))
    days = EventDays(recorded_on=today, effective_on=inputs.get(EFFECTIVE_ON), act_on=inputs.get(ACT_DATE),
                     documents_complete_on=documents_complete_on(case), calendar=case.office.calendar)
    inputs[EFFECTIVE_ON] = days.fact_on  # the audit trail keeps the fact's date beside the recording time
    from_state = case.state
    target = enter_target(case, workflow, transition, clock.now())
    # What a person typed as free text (findings, differences, notes) goes into the event's erasable part.
    written = {spec.name for spec in transition.inputs if spec.type == "text" and spec.name not in NOT_PERSONAL}
    event = append_event(case, EventKind.TRANSITION, actor, subject=transition.id, from_state=from_state,
                         to_state=case.state, reason=str(inputs.get("reason") or reason), basis=transition.basis,
                         data={key: value for key, value in inputs.items()
                               if key != "reason" and key not in written and value is not None} | (origin or {}),
                         personal={key: inputs[key] for key in written if key != "reason" and key in inputs})
    case.progressed_at = event.occurred_at
    if inputs.get("documents"):
        _mark_requested(case, inputs)
    for effect in transition.effects:
        EFFECTS[effect](case, actor, inputs)
    timers.on_event(case, workflow, transition.id, inputs, today, actor, days)
    if target.terminal:
        timers.cancel_open(case, actor, days.fact_on)
        _tell_open_linked_cases(case, workflow, actor, days.fact_on)
    if transition.letter:
        letters.keep(case, workflow, LetterKind(transition.letter), event, actor)
    # The step's rows go to the database in one flush; the report facts follow as plain SQL (after the case's row
    # is locked by its UPDATE, in the same order as every other writer of the case: no deadlock).
    flush_or_conflict()
    case_facts.transitioned(case, workflow, transition, from_state, inputs, lambda: timers.case_timers(case))
    return case


def _mark_recorded(case: Case, recorded: dict[str, date]) -> None:
    """A step that records documents (``records_documents``, ``records_requested``) marks them received on the
    day they arrived, as the checklist would."""
    for document in case.documents:
        if document.document_id in recorded:
            document.status = DocumentStatus.RECEIVED
            document.received_on = recorded[document.document_id]
            document.updated_at = clock.now()


def _mark_requested(case: Case, inputs: dict) -> None:
    """A transition with a ``documents`` input names checklist items as missing: mark them requested, with the
    day the deadline the authority set (``due_date``) ends, where the transition has one: off a weekend or holiday
    unless the letter named the day (``timer_plan.set_deadline_ends``, as the letter states it)."""
    wanted = {item.strip() for item in str(inputs["documents"]).split(",")}
    due = inputs.get("due_date")
    until = timer_plan.set_deadline_ends(inputs, case.office.calendar) if isinstance(due, date) else None
    for document in case.documents:
        if document.document_id in wanted:
            document.status = DocumentStatus.REQUESTED
            document.requested_until = until
            document.updated_at = clock.now()


def _open_linked_recognition(case: Case, actor, inputs: dict) -> None:
    """§ 81a(3) no. 2 AufenthG: the immigration office starts the recognition, accelerated under § 14a BQFG."""
    procedure_id = inputs["procedure"]
    workflow = registry().latest(procedure_id)
    office = db.session.get(Office, inputs["recognition_office"])
    if office is None or office.kind != workflow.office_kind:
        raise TransitionRefused([LocalText("Bitte wählen Sie eine Anerkennungsstelle aus.",
                                           "Please choose a recognition body.")])
    open_case(procedure_id=procedure_id, applicant=case.applicant, office=office, actor=actor,
              employer=case.employer, advisor=case.advisor, received_on=inputs.get(EFFECTIVE_ON) or clock.today(),
              profession=case.profession, reference_occupation=case.reference_occupation,
              training_country=case.training_country, parent=case)


def _tell_open_linked_cases(case: Case, workflow, actor, ended_on: date) -> None:
    """The § 81a procedure ended (withdrawn, refused, ...) while the recognition it started (§ 81a(3) no. 2
    AufenthG, accelerated under § 14a BQFG) is still open: the recognition body reads it in that case's file (an
    event in its chain, a notice on the page) and its clerk hears of it at once (``notifications.events``).
    Nothing else there changes: the recognition application stays the applicant's, and whether it goes on
    without the acceleration (which § 14a BQFG gives only inside § 81a) is for the body to clarify with them."""
    if not _opens_linked_cases(case):
        return
    ended_as = workflow.state(case.state).title
    for linked in case.children:
        if linked.is_open:
            append_event(linked, EventKind.PARENT_CASE_ENDED, actor, subject=case.reference,
                         data={"ended_as": {"de": ended_as.de, "en": ended_as.en}, "ended_on": ended_on})


def _reverse_fiction(case: Case, actor, inputs: dict) -> None:
    """A legal fiction the sweep applied (§ 36(2) BeschV) never happened when the notice that excludes it arrived
    within the period, even if recorded late: the fiction's timer becomes met on the notice's date. Nothing is
    deleted; the correcting step and this event stand beside the fiction in the audit trail."""
    notice_on = inputs[EFFECTIVE_ON]
    fired = [timer for timer in timers.case_timers(case) if timer.status == TimerStatus.FIRED]
    if not fired:
        raise TransitionRefused([LocalText("In diesem Fall ist keine Fiktion eingetreten.",
                                           "No legal fiction took effect in this case.")])
    timer = fired[-1]
    if timer.due_on is None or notice_on > timer.due_on:
        raise TransitionRefused([LocalText(
            "Die Mitteilung ging nach Fristablauf ein; die Fiktion bleibt bestehen.",
            "The notice arrived after the period ended; the fiction stands.")])
    spec = workflow_of(case).timers[timer.timer_id]
    timer.status = TimerStatus.MET
    timer.finished_on = notice_on
    append_event(case, EventKind.TIMER_MET, actor, subject=timer.timer_id, basis=spec.basis,
                 reason=str(inputs.get("reason") or ""),
                 data={"due_on": timer.due_on, "late": False, "corrects_fiction": True, "notice_on": notice_on})


EFFECTS = {"open_linked_recognition": _open_linked_recognition, "reverse_fiction": _reverse_fiction}


@conflicts_refused()
def assign(case: Case, assignee, actor, *, expected_version: int | None = None) -> None:
    check_version(case, expected_version)
    _require_access(actor, case)
    if assignee is not None and (not assignee.is_staff or assignee.office_id != case.office_id):
        raise CaseError([LocalText("Fälle können nur Beschäftigten der zuständigen Behörde zugewiesen werden.",
                                   "Cases can only be assigned to staff of the responsible office.")])
    if case.assignee_id == (assignee.id if assignee else None):
        return
    case.assignee = assignee
    append_event(case, EventKind.ASSIGNED, actor, data={"assignee_id": assignee.id if assignee else None,
                                                         "assignee": assignee.name if assignee else None})
    flush_or_conflict()


def assign_many(case_ids: list[int], assignee, actor) -> list[Case]:
    """Assign several cases at once, all or nothing. A case that does not exist and one the actor may not change
    are refused alike, so the answer never tells whether another office's case exists."""
    cases = list(db.session.scalars(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id)))
    if len(cases) != len(set(case_ids)) or not all(can_act_on_case(actor, case) for case in cases):
        raise AccessDenied([LocalText("Mindestens einen der gewählten Fälle dürfen Sie nicht zuweisen.",
                                      "You may not assign at least one of the chosen cases.")])
    for case in cases:
        assign(case, assignee, actor)
    return cases


@conflicts_refused()
def set_document_status(case: Case, document_id: str, status: str, actor, *, reason: str = "",
                        received_on: date | None = None, expected_version: int | None = None) -> CaseDocument:
    """Set a checklist item's status. A document marked received carries the day it arrived (default today;
    never in the future, never before the application). An item set back to "requested" keeps the day a request
    letter set only while that day is still to come."""
    check_version(case, expected_version)
    _require_access(actor, case)
    if not case.is_open:  # the decision rests on the file as it was; the reports count its dates
        raise CaseError([LocalText("Der Fall ist abgeschlossen: die Checkliste wird nicht mehr geändert.",
                                   "The case is closed: its checklist no longer changes.")])
    document = next((d for d in case.documents if d.document_id == document_id), None)
    if document is None:
        raise CaseError([LocalText("Unbekanntes Dokument.", "Unknown document.")])
    status = DocumentStatus(status)
    if status is DocumentStatus.REJECTED and not reason.strip():
        why = LocalText("Bitte geben Sie an, warum das Dokument abgelehnt wird.",
                        "Please say why the document is rejected.")
        raise CaseError([why], (Refusal("rejection_reason_missing", why, "reason"),))
    if status.is_in_hand:
        arrived = received_on or (document.received_on if DocumentStatus(document.status).is_in_hand else None) \
            or clock.today()
        if arrived > clock.today() or arrived < case.received_on:
            when = LocalText("Das Eingangsdatum muss zwischen Antragseingang und heute liegen.",
                             "The date received must lie between the application's receipt and today.")
            raise CaseError([when], (Refusal("received_on_outside_case", when, "received_on"),))
        document.received_on = arrived
    else:
        document.received_on = None
    if status is DocumentStatus.REQUESTED and document.requested_until is not None \
            and document.requested_until < clock.today():
        # Asked for again by hand after the day a letter set has passed: no letter names a new day, so the
        # applicant and the employer are told the item is wanted, not that they are late for a day long gone.
        document.requested_until = None
    document.status = status
    document.reason = reason.strip() if status is DocumentStatus.REJECTED else ""
    document.updated_at = clock.now()
    append_event(case, EventKind.DOCUMENT, actor, subject=document_id, reason=document.reason,
                 data={"status": str(status), "received_on": document.received_on})
    flush_or_conflict()
    return document


def _change_timer(case: Case, timer_pk: int, actor, expected_version: int | None, change) -> None:
    """What every timer verb does around its change: version and access first, the timer must be the case's own,
    a timer rule's refusal (not pausable, already extended …) is a refusal of the verb like any other."""
    check_version(case, expected_version)
    _require_access(actor, case)
    timer = db.session.get(Timer, timer_pk)
    if timer is None or timer.case_id != case.id:
        raise CaseError([LocalText("Diese Frist gehört nicht zu diesem Fall.", "This deadline is not part of this case.")])
    try:
        change(timer)
    except timers.TimerError as error:
        refusals = (Refusal(error.code, error.message, error.field),) if error.field else ()
        raise CaseError([error.message], refusals) from error
    flush_or_conflict()


@conflicts_refused()
def pause_timer(case: Case, timer_pk: int, actor, reason: str, *, on: date | None = None,
                expected_version: int | None = None) -> None:
    """Suspend a deadline by hand (a suspension the definition allows to be recorded manually), with a reason,
    from ``on``, the date of the fact that suspends it (default today)."""
    _change_timer(case, timer_pk, actor, expected_version,
                  lambda timer: timers.pause(case, timer, actor, reason, on))


@conflicts_refused()
def resume_timer(case: Case, timer_pk: int, actor, reason: str, *, on: date | None = None,
                 expected_version: int | None = None) -> None:
    """End a suspension by hand on ``on``, the date of the fact that ends it (default today)."""
    _change_timer(case, timer_pk, actor, expected_version,
                  lambda timer: timers.resume(case, timer, actor, reason, on))


@conflicts_refused()
def extend_timer(case: Case, timer_pk: int, actor, period: str, reason: str, *, until: date | None = None,
                 expected_version: int | None = None) -> None:
    """The one extension a definition allows (e.g. § 6(3) s. 3-4 BQFG), with a reason, before expiry (or after it,
    for a deadline the authority set, § 31(7) VwVfG). The documents still requested under an extended deadline for
    documents are requested until its new end."""
    _change_timer(case, timer_pk, actor, expected_version,
                  lambda timer: _extend(case, timer, actor, period, reason, until))


def _extend(case: Case, timer: Timer, actor, period: str, reason: str, until: date | None) -> None:
    # requested_until stays the one day every reader states (the portal's requests and home page, the status page,
    # the API, the export, the request mails): the extension moves it here, in the extension's unit of work and named
    # in its audit event, rather than every reader looking for the open timer (the portal's home page reads the
    # checklists of a page of cases without their timers). The day is the timer's due date as timer_plan counts it
    # (from the moved end, or to the day communicated, moved off a weekend or holiday): the rule stays there.
    following = _requested_under(case, timer)
    timers.extend(case, timer, actor, period, reason, until=until,
                  documents=[document.document_id for document in following])
    for document in following:
        document.requested_until = timer.due_on
        document.updated_at = clock.now()


def _requested_under(case: Case, timer: Timer) -> list[CaseDocument]:
    """The checklist items still requested under ``timer``, a deadline the authority set by a step that requests
    documents (``_mark_requested``): those requested until the day it ends as it stands, found by that day as the
    suspensions that follow it are (``timers._follow_suspensions``). The day as entered counts too: items requested
    before requested_until held the moved day keep the entered one."""
    workflow = workflow_of(case)
    spec, step = workflow.timers.get(timer.timer_id), workflow.transitions.get(timer.started_by)
    if spec is None or not spec.due_input or step is None or step.input("documents") is None:
        return []
    ends = {timer.due_on, timer.fixed_due_on} - {None}
    return [document for document in case.documents
            if document.status == DocumentStatus.REQUESTED and document.requested_until in ends]


#: Once the applicant's data is erased (Art. 17 GDPR), nothing would ever erase what came after it.
ERASED_TAKES_NO_NEW_DATA = LocalText(
    "Die personenbezogenen Daten dieses Falls sind gelöscht (Art. 17 DSGVO): Er nimmt keine neuen Notizen, "
    "Nachrichten, Unterlagen oder Zugangscodes mehr an.",
    "This case's personal data has been erased (Art. 17 GDPR): it takes no new notes, messages, documents or access "
    "codes.")


def is_erased(case: Case) -> bool:
    return case.applicant is not None and case.applicant.erased_at is not None


def require_not_erased(case: Case) -> None:
    """Refuse new personal data on a case whose applicant's data was erased: a note, a message, an upload or an
    access code written after the erasure would stay for good, since the person is marked erased already."""
    if is_erased(case):
        raise CaseError([ERASED_TAKES_NO_NEW_DATA])


@conflicts_refused()
def add_note(case: Case, actor, body: str) -> Note:
    """An internal note of the office holding the case (never of a linked case's other office)."""
    if not can_use_notes(actor, case):
        raise AccessDenied([ACCESS_MESSAGE])
    require_not_erased(case)
    body = body.strip()
    if not body:
        raise CaseError([LocalText("Die Notiz ist leer.", "The note is empty.")])
    # Notes never conflict with each other: wait for a colleague's note (or any change) on this case to commit,
    # then append after it. Without the lock both would take the same event number.
    db.session.execute(select(Case.id).where(Case.id == case.id).with_for_update())
    db.session.refresh(case, ["version", "audit_head", "event_seq", "updated_at"])
    note = Note(case_id=case.id, author_id=actor.id, body=body, created_at=clock.now())
    db.session.add(note)
    db.session.flush()
    # The timeline shows that a note was written, not what it says: employers may later see the timeline.
    append_event(case, EventKind.NOTE, actor, data={"note_id": note.id})
    flush_or_conflict()
    return note


# --- authorisations: what gives an employer access to a case ------------------------------------------------

#: The legal basis recorded with an authorisation of each kind.
AUTHORISATION_BASIS = {
    # The worker authorises the employer: § 81a(1) s. 1 ("in Vollmacht des Ausländers"), (2) no. 2 AufenthG;
    # s. 2 is the employer's own mandate to third parties, not the worker's power of attorney.
    AuthorisationKind.POWER_OF_ATTORNEY_81A: "§ 81a(1) S. 1, (2) Nr. 2 AufenthG",
    # A party may be represented by an authorised person (§ 14(1) VwVfG, Bevollmächtigte und Beistände); Thuringian
    # authorities apply the federal VwVfG through § 1(1) s. 1 ThürVwVfG (in force since 1.1.2025), which does not
    # exclude § 14.
    AuthorisationKind.RECOGNITION_APPLICANT: "§ 14(1) VwVfG i. V. m. § 1(1) S. 1 ThürVwVfG",
}


def authorisation_kind_for(case: Case) -> AuthorisationKind:
    """The one kind of authorisation a case takes: in the § 81a procedure the worker's power of attorney for the
    employer; in a recognition procedure a representative's authorisation (§ 14(1) VwVfG). The other kind would
    record the wrong legal basis in the audit trail."""
    return (AuthorisationKind.POWER_OF_ATTORNEY_81A if case.procedure_id == PROCEDURE_81A
            else AuthorisationKind.RECOGNITION_APPLICANT)


WRONG_AUTHORISATION_KIND = LocalText(
    "Diese Art der Vollmacht gehört nicht zu diesem Verfahren: im beschleunigten Fachkräfteverfahren die Vollmacht "
    "nach § 81a AufenthG, im Anerkennungsverfahren die Bevollmächtigung nach § 14 VwVfG.",
    "This kind of authorisation does not belong to this procedure: in the accelerated skilled-worker procedure the "
    "power of attorney under § 81a AufenthG, in a recognition procedure the authorisation under § 14 VwVfG.")


def _require_staff_access(actor, case: Case) -> None:
    """Authorisations are recorded by the authority holding the case, never by the employer it authorises."""
    if not actor.is_staff or not can_act_on_case(actor, case):
        raise AccessDenied([ACCESS_MESSAGE])


#: A closed case takes no new party (revoking an authorisation stays possible: it ends access at any time).
CLOSED_TAKES_NO_PARTY = LocalText(
    "Der Fall ist abgeschlossen: es werden keine Vollmachten oder Einladungen mehr erfasst.",
    "The case is closed: no authorisations or invitations are recorded any more.")


@conflicts_refused()
def record_authorisation(case: Case, actor, *, employer: Employer, kind: str, grantor: str, valid_from: date,
                         valid_until: date | None = None, scope: str = "", evidence_document_id: str | None = None,
                         expected_version: int | None = None) -> Authorisation:
    """Record an employer's authorisation for this case, with the signed document as evidence (a checklist item).
    From ``valid_from`` the employer's users see the case (``cases.access``)."""
    check_version(case, expected_version)
    _require_staff_access(actor, case)
    return add_authorisation(case, actor, employer=employer, kind=kind, grantor=grantor, valid_from=valid_from,
                             valid_until=valid_until, scope=scope, evidence_document_id=evidence_document_id)


def add_authorisation(case: Case, actor, *, employer: Employer, kind: str, grantor: str, valid_from: date,
                      valid_until: date | None = None, scope: str = "", evidence_document_id: str | None = None
                      ) -> Authorisation:
    """``record_authorisation`` after its access check: also what an employer declares with its request for the
    accelerated procedure (``cases.employer_request``), which only that verb may allow."""
    if not case.is_open:
        raise CaseError([CLOSED_TAKES_NO_PARTY])
    kind = AuthorisationKind(kind)
    if kind != authorisation_kind_for(case):
        raise CaseError([WRONG_AUTHORISATION_KIND],
                        (Refusal("authorisation_kind", WRONG_AUTHORISATION_KIND, "kind"),))
    grantor = grantor.strip()
    if not grantor:
        raise CaseError([LocalText("Bitte geben Sie an, wer die Vollmacht erteilt hat.",
                                   "Please say who granted the authorisation.")])
    if valid_until is not None and valid_until < valid_from:
        ends_early = LocalText("Das Ende der Gültigkeit liegt vor ihrem Beginn.",
                               "The authorisation ends before it begins.")
        raise CaseError([ends_early], (Refusal("authorisation_ends_before_it_begins", ends_early, "valid_until"),))
    overlapping = _overlapping_authorisation(case, employer, valid_from, valid_until)
    if overlapping is not None:
        held = LocalText(
            f"Für {employer.name} ist schon eine Vollmacht erfasst, die in diesem Zeitraum gilt (ab "
            f"{overlapping.valid_from:%d.%m.%Y}). Soll sie ersetzt werden, widerrufen Sie sie zuerst.",
            f"An authorisation of {employer.name} that holds in this period is already recorded (from "
            f"{overlapping.valid_from:%d %b %Y}). To replace it, revoke it first.")
        raise CaseError([held], (Refusal("authorisation_already_held", held, "employer"),))
    evidence = None
    if evidence_document_id:
        evidence = next((d for d in case.documents if d.document_id == evidence_document_id), None)
        if evidence is None:
            raise CaseError([LocalText("Unbekanntes Dokument.", "Unknown document.")])
    authorisation = Authorisation(employer=employer, kind=kind, grantor=grantor, scope=scope.strip(),
                                  valid_from=valid_from, valid_until=valid_until, evidence=evidence,
                                  recorded_by=actor, recorded_at=clock.now())
    case.authorisations.append(authorisation)
    db.session.flush()
    append_event(case, EventKind.AUTHORISATION_RECORDED, actor, subject=str(kind), basis=AUTHORISATION_BASIS[kind],
                 data={"authorisation_id": authorisation.id, "employer_id": employer.id, "employer": employer.name,
                       "valid_from": valid_from, "valid_until": valid_until,
                       "evidence": evidence.document_id if evidence else None})
    flush_or_conflict()
    return authorisation


def _overlapping_authorisation(case: Case, employer: Employer, valid_from: date,
                               valid_until: date | None) -> Authorisation | None:
    """The employer's unrevoked authorisation on this case whose validity meets ``valid_from``..``valid_until``
    (open ends: until revoked): a second one would only repeat it in the file and the timeline. One that follows
    an expired one (a renewal) meets none."""
    for held in case.authorisations:
        if held.employer_id != employer.id or held.revoked_at is not None:
            continue
        if (valid_until is None or held.valid_from <= valid_until) and \
                (held.valid_until is None or valid_from <= held.valid_until):
            return held
    return None


@conflicts_refused()
def revoke_authorisation(case: Case, authorisation_id: int, actor, reason: str, *,
                         expected_version: int | None = None) -> Authorisation:
    """Record that an authorisation was revoked: the employer's access ends with their next request."""
    check_version(case, expected_version)
    _require_staff_access(actor, case)
    authorisation = next((a for a in case.authorisations if a.id == authorisation_id), None)
    if authorisation is None:
        raise CaseError([LocalText("Diese Vollmacht gehört nicht zu diesem Fall.",
                                   "This authorisation is not part of this case.")])
    if authorisation.revoked_at is not None:
        raise CaseError([LocalText("Diese Vollmacht ist bereits widerrufen.", "This authorisation is already revoked.")])
    reason = reason.strip()
    if not reason:
        raise CaseError([LocalText("Bitte geben Sie einen Grund an.", "Please give a reason.")])
    authorisation.revoked_at = clock.now()
    authorisation.revoked_by = actor
    authorisation.revocation_reason = reason
    append_event(case, EventKind.AUTHORISATION_REVOKED, actor, subject=str(authorisation.kind), reason=reason,
                 data={"authorisation_id": authorisation.id, "employer_id": authorisation.employer_id,
                       "employer": authorisation.employer.name})
    flush_or_conflict()
    return authorisation


#: The § 81a procedure's states before the agreement: the employer's first contact is invited once it is
#: concluded (the agreement names the contacts, § 81a(2) AufenthG).
BEFORE_AGREEMENT = frozenset({"agreement_pending"})


@conflicts_refused()
def invite_employer_contact(case: Case, actor, *, name: str, email: str,
                            expected_version: int | None = None) -> tuple[object, str]:
    """Invite the employer's first contact (an employer administrator) once the § 81a agreement is concluded.
    Returns (user, token); the view mails the link after the commit. The event is internal: it names no one."""
    check_version(case, expected_version)
    _require_staff_access(actor, case)
    if not case.is_open:
        raise CaseError([CLOSED_TAKES_NO_PARTY])
    if case.procedure_id != PROCEDURE_81A or case.state in BEFORE_AGREEMENT or case.employer is None:
        raise CaseError([LocalText("Der Arbeitgeber wird eingeladen, sobald die Vereinbarung nach § 81a AufenthG "
                                   "geschlossen ist.", "The employer is invited once the § 81a agreement is "
                                   "concluded.")])
    try:
        user, token = invitations.invite_employer_user(case.employer, email=email, name=name, actor=actor, admin=True)
    except invitations.InvitationError as error:
        raise CaseError(error.messages) from error
    append_event(case, EventKind.EMPLOYER_INVITED, actor, basis="§ 81a(2) AufenthG",
                 data={"user_id": user.id, "employer_id": case.employer_id})
    flush_or_conflict()
    return user, token
