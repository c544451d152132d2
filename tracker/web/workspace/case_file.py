"""Everything the case file page shows, gathered with a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from tracker import clock
from tracker.audit.models import INTERNAL_EVENT_KINDS, EventKind
from tracker.audit.service import case_events
from tracker.cases import queries, service
from tracker.cases.access import can_act_on_case, can_download_documents, can_use_messages, can_use_notes
from tracker.cases.models import Case, Note
from tracker.cases.service import guard_context
from tracker.documents.uploads import case_uploads
from tracker.extensions import db
from tracker.letters.service import case_letters
from tracker.messages.service import thread
from tracker.parties.models import Employer, Office
from tracker.procedures.definition import TimerSpec, Transition
from tracker.procedures.engine import available_transitions, blocked_whatever_typed
from tracker.procedures.guards import GUARDS
from tracker.procedures.labels import DOCUMENT_STATUS, label
from tracker.procedures.vocabulary import DocumentStatus, OfficeKind, TimerStatus
from tracker.registry import workflow_of
from tracker.timers import service as timer_service
from tracker.timers.models import Timer
from tracker.web.workspace import forms


@dataclass
class TimerView:
    timer: Timer
    spec: TimerSpec
    explanation: list[str]
    paused_until: object  # date while a § 6(4) pause runs, else None
    forms: dict
    #: while an open-ended suspension runs: the due date if it ended today (the explanation is of that date)
    due_if_resumed_today: object = None
    #: 1, 2 … when the case has had this timer more than once (e.g. two document requests), else None.
    occurrence: int | None = None

    @property
    def open(self) -> bool:
        return self.timer.is_open


@dataclass
class ActionView:
    transition: Transition
    form: object  #: None while the step is blocked (no form to send)
    blocked: list[str]  # why it cannot be done yet (guards), in the reader's language
    #: refused because the case moved on meanwhile: shown only so the user keeps what they typed
    outdated: bool = False


def build_case_file(case: Case, user, lang: str, failed: tuple[str, object] | None = None) -> dict:
    workflow = workflow_of(case)
    failed_key, failed_form = failed or (None, None)
    today = clock.today()

    def form_for(key: str, form_class, **data):
        if key == failed_key:
            return failed_form
        return form_class(formdata=None, version=case.version, **data)

    timers = timer_service.case_timers(case)  # with their pauses, in one statement the guards' context shares
    timer_views = []
    for timer in timers:
        spec = workflow.timers[timer.timer_id]
        deadline, if_resumed_today = timer_service.shown_deadline(timer, spec, today,
                                                            timer_service.start_label(workflow, timer, lang))
        # A finished timer is suspended no more, whatever its last pause said.
        paused_until = max((p.until_on for p in timer.pauses if p.until_on and p.until_on >= today),
                           default=None) if timer.is_open else None
        timer_forms = {}
        if timer.is_open and user.is_staff:
            # Not offered while a suspension already runs (open-ended, or until a date the authority set).
            if spec.manual_pause and timer.status == TimerStatus.RUNNING and paused_until is None:
                timer_forms["pause"] = form_for(f"timer:{timer.id}:pause", forms.TimerActionForm)
            if timer.status == TimerStatus.PAUSED and getattr(timer.open_pause(), "source", None) == "manual":
                timer_forms["resume"] = form_for(f"timer:{timer.id}:resume", forms.TimerActionForm)
            # Once, before expiry; a deadline the authority set also afterwards (§ 31(7) s. 2 VwVfG).
            in_time = timer.status == TimerStatus.RUNNING and timer.due_on and today <= timer.due_on
            late_allowed = spec.extension is not None and spec.extension.after_expiry and timer.status in (
                TimerStatus.RUNNING, TimerStatus.BREACHED)
            if spec.extension and not timer.extension and (in_time or late_allowed):
                timer_forms["extend"] = form_for(f"timer:{timer.id}:extend", forms.TimerActionForm)
        occurrence = None
        if sum(1 for other in timers if other.timer_id == timer.timer_id) > 1:
            occurrence = 1 + sum(1 for other in timers if other.timer_id == timer.timer_id and other.id < timer.id)
        timer_views.append(TimerView(timer, spec, deadline.explain(lang) if deadline else [], paused_until,
                                     timer_forms, occurrence=occurrence,
                                     due_if_resumed_today=deadline.due if if_resumed_today else None))
    # Open timers first (nearest due first), then the finished ones as history.
    timer_views.sort(key=lambda v: (not v.open, v.timer.due_on or today, v.timer.id))


    history = case_events(case.id)  # oldest first: the guards' facts (§ 81a) and the history shown, one read
    context = guard_context(case, {}, events=history)
    titles = {document.id: document.title for document in workflow.documents}
    actions = []
    if case.is_open and _may_act(user, case):
        for transition in available_transitions(workflow, case.state, {user.role}):
            key = f"transition:{transition.id}"
            blocked = [GUARDS[name].refusal(context, titles).get(lang)
                       for name in blocked_whatever_typed(transition, context)]
            # A step that a guard blocks whatever is typed (documents missing, a period still running) gets no
            # form: sending it could only be refused. It is listed with its reasons. A form the user sent and
            # that was refused is still shown, with what was typed, to copy from.
            form = form_for(key, transition_form_class(case, transition, lang)) \
                if not blocked or key == failed_key else None
            actions.append(ActionView(transition, form, blocked))
    # A refused step that no longer fits the new state (a colleague moved the case on) is still shown with the
    # user's input, as the conflict message promises; it can no longer be sent.
    if failed_key and failed_key.startswith("transition:") and failed_key not in {
            f"transition:{action.transition.id}" for action in actions}:
        transition = workflow.transitions.get(failed_key.removeprefix("transition:"))
        if transition is not None:
            actions.append(ActionView(transition, failed_form, [], outdated=True))

    staff = queries.office_staff(case.office_id) if user.is_staff else []
    assign_form = form_for("assign", forms.AssignForm, assignee=case.assignee_id or 0)
    assign_form.assignee.choices = [(0, "–")] + [(u.id, u.name) for u in staff]
    document_forms = {d.document_id: form_for(f"document:{d.document_id}", forms.DocumentStatusForm,
                                              status=d.status, reason=d.reason, received_on=d.received_on)
                      for d in case.documents}
    for document_form in document_forms.values():
        document_form.status.choices = [(status.value, label(DOCUMENT_STATUS, status, lang)) for status in DocumentStatus]
    may_use_notes = can_use_notes(user, case)
    notes = list(db.session.scalars(select(Note).where(Note.case_id == case.id).order_by(Note.created_at.desc()))) \
        if may_use_notes else []
    linked = ([case.parent] if case.parent else []) + list(case.children)
    may_message = can_use_messages(user, case)
    thread_messages = thread(case) if may_message else []
    events = history[::-1]  # newest first
    # The § 81a procedure that opened this recognition ended while it runs on: the body must clarify how it goes on.
    ended = next((event for event in events if event.kind == EventKind.PARENT_CASE_ENDED), None) \
        if user.is_staff and case.is_open else None
    parent_ended = None if ended is None else {
        "parent": ended.subject, "ended_as": (ended.data.get("ended_as") or {}).get(lang, "–"),
        "ended_on": date.fromisoformat(ended.data["ended_on"]) if ended.data.get("ended_on") else None}
    if not user.is_staff:
        # Advisors read the case here: the authority's internal events (notes, assignments, invitations) stay
        # inside it, as in the employer's portal; the template shows "the authority" instead of clerks' names.
        events = [event for event in events if event.kind not in INTERNAL_EVENT_KINDS]
    return {
        "authorisations": [(a, a.holds_on(today), form_for(f"revoke:{a.id}", forms.RevokeAuthorisationForm))
                           for a in case.authorisations] if user.is_staff else [],
        "invite_form": form_for("invite", forms.InviteEmployerForm),
        "may_invite": user.is_staff and case.procedure_id == service.PROCEDURE_81A and case.employer is not None
                      and case.state not in service.BEFORE_AGREEMENT,
        "case": case, "workflow": workflow, "state": workflow.state(case.state), "lang": lang, "today": today,
        "failed_key": failed_key,  # the refused form is shown open, with what the user typed
        "timers": timer_views, "actions": actions, "events": events,
        "documents": [(d, titles.get(d.document_id), document_forms[d.document_id]) for d in case.documents],
        "document_titles": {document_id: title.get(lang) for document_id, title in titles.items()},
        "notes": notes, "may_use_notes": may_use_notes, "note_form": form_for("note", forms.NoteForm),
        "assign_form": assign_form,
        "linked": [(other, workflow_of(other)) for other in linked], "may_act": _may_act(user, case),
        "parent_ended": parent_ended,
        "letters": case_letters(case.id),
        "uploads": case_uploads(case) if can_download_documents(user, case) else {},
        "may_message": may_message, "messages": thread_messages,
        "unread_messages": sum(1 for message in thread_messages if message.read_at is None),
        "message_form": form_for("message", forms.MessageForm), "mark_read_form": forms.MarkReadForm(formdata=None),
    }


#: Employers offered at most in the authorisation form's list; a name typed into its search narrows them.
EMPLOYER_CHOICES = 100


@dataclass
class AuthorisationPage:
    """The form recording an employer's authorisation, on a page of its own: an authority may know thousands of
    employers, which no case file should list each time it is opened."""

    case: Case
    form: object
    search: str
    #: Employers the search found (at most ``EMPLOYER_CHOICES``)
    found: int
    #: More employers match than the list offers: the page asks for a more precise name.
    more: bool


def authorisation_page(case: Case, lang: str, form=None, search: str = "") -> AuthorisationPage:
    """The page with a new form (the checklist's power of attorney as evidence when the case has one), or with
    ``form`` as the user sent it; the employer list holds the case's own employer first, the chosen one, and the
    employers whose name contains ``search``."""
    if form is None:
        form = forms.AuthorisationForm(
            formdata=None, version=case.version, employer=case.employer_id, grantor=case.applicant.full_name,
            valid_from=clock.today(),
            evidence="power_of_attorney" if any(d.document_id == "power_of_attorney" for d in case.documents) else "")
    fitting = service.authorisation_kind_for(case).value
    form.kind.choices = [choice for choice in form.kind.choices if choice[0] == fitting]  # the procedure's one kind
    if form.kind.data is None:
        form.kind.data = fitting
    search = search.strip()[:200]
    query = select(Employer).order_by(Employer.name, Employer.id).limit(EMPLOYER_CHOICES + 1)
    if search:
        query = query.where(queries.name_contains(Employer.name, search))
    employers = list(db.session.scalars(query))
    more = len(employers) > EMPLOYER_CHOICES
    employers = employers[:EMPLOYER_CHOICES]
    found = len(employers)
    for wanted in (form.employer.data, case.employer_id):  # kept in the list whatever the search
        if isinstance(wanted, int) and all(employer.id != wanted for employer in employers):
            employer = db.session.get(Employer, wanted)
            employers += [employer] if employer is not None else []
    employers.sort(key=lambda employer: (employer.id != case.employer_id, employer.name.lower(), employer.id))
    form.employer.choices = [(employer.id, f"{employer.name} ({employer.city})" if employer.city else employer.name)
                             for employer in employers]
    form.evidence.choices = [("", "–"), *document_choices(case, lang)]
    return AuthorisationPage(case, form, search, found, more)


def transition_form_class(case: Case, transition: Transition, lang: str):
    """The form for one transition of this case, with the case's checklist and the offices to choose from."""
    office_choices = []
    if any(spec.type == "office" for spec in transition.inputs):
        office_choices = [(str(office.id), office.name) for office in db.session.scalars(
            select(Office).where(Office.kind == OfficeKind.RECOGNITION_BODY).order_by(Office.name))]
    return forms.transition_form_class(transition, lang, document_choices(case, lang), office_choices)


def document_choices(case: Case, lang: str) -> list[tuple[str, str]]:
    """The case's checklist as (id, title) choices for a ``documents`` input."""
    titles = {document.id: document.title for document in workflow_of(case).documents}
    return [(d.document_id, titles[d.document_id].get(lang) if d.document_id in titles else d.document_id)
            for d in case.documents]


def _may_act(user, case) -> bool:
    return can_act_on_case(user, case)

