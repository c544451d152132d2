"""What the API shows of cases, events, timers, documents and procedures (the shapes of ``tracker.api.schemas``).

Parties (employers, advisors) see what the portal shows them: no internal events, no clerk's name, no recorded
step inputs."""
from __future__ import annotations

from datetime import date, datetime

from tracker.audit.models import INTERNAL_EVENT_KINDS, Event
from tracker.cases.models import Case, CaseDocument
from tracker.procedures.definition import LocalText, Transition, Workflow
from tracker.registry import registry, workflow_of
from tracker.timers import service as timer_service
from tracker.timers.models import Timer


def text(value: LocalText | None) -> dict:
    return {"de": value.de, "en": value.en} if value is not None else {"de": "", "en": ""}


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _named(thing) -> dict | None:
    return {"id": thing.id, "name": thing.name} if thing is not None else None


def case(item: Case, user) -> dict:
    state = workflow_of(item).state(item.state)
    return {
        "id": item.id, "reference": item.reference,
        "procedure": {"id": item.procedure_id, "version": item.procedure_version},
        "state": {"id": state.id, "title": text(state.title), "responsible": state.responsible,
                  "terminal": state.terminal},
        "outcome": item.outcome, "accelerated": bool(item.accelerated),
        "applicant": {"given_names": item.applicant.given_names, "family_name": item.applicant.family_name},
        "office": _named(item.office), "employer": _named(item.employer),
        "assignee": _named(item.assignee) if user.is_staff else None,
        "parent_id": item.parent_id, "profession": item.profession or "",
        "reference_occupation": item.reference_occupation or "",
        "received_on": _day(item.received_on), "opened_at": _moment(item.opened_at),
        "updated_at": _moment(item.updated_at), "closed_at": _moment(item.closed_at),
        "next_due_on": _day(item.next_due_on), "breached": bool(item.breached), "version": item.version,
    }


def visible_events(events: list[Event], user) -> list[Event]:
    """Staff see the whole trail; everyone else never the authority's internal events (notes, assignments …)."""
    return events if user.is_staff else [event for event in events if event.kind not in INTERNAL_EVENT_KINDS]


def event(item: Event, user) -> dict:
    return {
        "seq": item.seq, "occurred_at": _moment(item.occurred_at), "kind": item.kind, "subject": item.subject,
        "from_state": item.from_state, "to_state": item.to_state,
        # A step's reason is the authority's working note: the portal never shows it to parties, nor does the API.
        "reason": (item.reason or "") if user.is_staff else "",
        "basis": item.basis or "",
        "actor": {"role": item.actor_role,
                  "name": item.actor.name if user.is_staff and item.actor is not None else None},
        "data": dict(item.data or {}) if user.is_staff else {},
    }


def timer(item: Timer, workflow: Workflow, lang: str, today: date) -> dict:
    spec = workflow.timers[item.timer_id]
    deadline, if_resumed_today = timer_service.shown_deadline(item, spec, today,
                                                        timer_service.start_label(workflow, item, lang))
    return {
        "id": item.id, "timer_id": item.timer_id, "name": text(spec.name), "kind": spec.kind, "basis": spec.basis,
        "status": item.status, "owed_by": spec.owed_by, "started_on": _day(item.started_on),
        "due_on": _day(item.due_on), "finished_on": _day(item.finished_on),
        "paused": item.is_open and item.open_pause() is not None,
        "due_if_resumed_today": _day(deadline.due) if if_resumed_today else None,
        "explanation": deadline.explain(lang) if deadline is not None else [],
    }


def document(item: CaseDocument, titles: dict[str, LocalText]) -> dict:
    return {
        "document_id": item.document_id,
        "title": text(titles.get(item.document_id, LocalText(item.document_id, item.document_id))),
        "required": bool(item.required), "status": item.status, "reason": item.reason or "",
        "requested_until": _day(item.requested_until), "received_on": _day(item.received_on),
        "updated_at": _moment(item.updated_at),
    }


def inputs(transition: Transition) -> list[dict]:
    return [{"name": spec.name, "type": spec.type, "required": spec.required, "label": text(spec.label),
             "choices": list(spec.choice_values())} for spec in transition.form_inputs]


def step(transition: Transition, blocked: list[str]) -> dict:
    return {"id": transition.id, "label": text(transition.label), "basis": transition.basis,
            "inputs": inputs(transition), "blocked": blocked}


def procedure_summary(workflow: Workflow) -> dict:
    return {"id": workflow.id, "version": workflow.version, "versions": registry().versions(workflow.id),
            "title": text(workflow.title), "legal_basis": workflow.legal_basis, "office_kind": workflow.office_kind}


def procedure(workflow: Workflow) -> dict:
    return {
        "id": workflow.id, "version": workflow.version, "title": text(workflow.title),
        "legal_basis": workflow.legal_basis, "office_kind": workflow.office_kind,
        "initial_state": workflow.initial_state,
        "states": [{"id": state.id, "title": text(state.title), "responsible": state.responsible,
                    "terminal": state.terminal, "outcome": state.outcome} for state in workflow.states.values()],
        "transitions": [{
            "id": transition.id, "label": text(transition.label), "sources": list(transition.sources),
            "target": transition.target, "roles": sorted(transition.roles), "basis": transition.basis,
            "inputs": inputs(transition),
        } for transition in workflow.transitions.values()],
        "timers": [{"id": spec.id, "name": text(spec.name), "basis": spec.basis, "kind": spec.kind,
                    "period": spec.period, "working_days": spec.working_days, "owed_by": spec.owed_by}
                   for spec in workflow.timers.values()],
        "documents": [{"id": spec.id, "title": text(spec.title), "required": spec.required}
                      for spec in workflow.documents],
    }
