"""Writing played cases in bulk: reference numbers and ids reserved, audit chains hashed, one row tuple per row,
inserted with COPY on PostgreSQL (executemany elsewhere), in a thread so the next batch is played meanwhile.

What is written is what the service would have written row by row: the chains hash exactly as
``audit.service.append_event`` does (``audit.chain.seal`` under the app's audit key), the queue summary is what
``timers.service.refresh_summary`` computes, and reference numbers come from ``ReferenceCounter``, so seeded
references never collide with real ones.
"""
from __future__ import annotations

import json
import queue
import threading
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from tracker.audit.chain import GENESIS, Keyring, seal
from tracker.audit.models import Event
from tracker.cases.models import Case, CaseDocument, ReferenceCounter
from tracker.parties.models import Person
from tracker.procedures.vocabulary import TimerStatus
from tracker.seed.player import SimCase
from tracker.timers.models import Timer, TimerEffect, TimerPause


def _reserve_ids(connection, table: sa.Table, count: int) -> list[int]:
    """Primary keys for rows inserted with explicit ids (the events' hashes need the case ids beforehand)."""
    if connection.dialect.name == "postgresql":
        sequence = connection.scalar(sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": table.name})
        return list(connection.scalars(sa.text("SELECT nextval(:sequence) FROM generate_series(1, :count)"),
                                       {"sequence": sequence, "count": count}))
    first = (connection.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
    return list(range(first, first + count))


def reserve_references(engine, wanted: Counter) -> dict[tuple[str, int], int]:
    """Take ``wanted[(prefix, year)]`` running numbers from the ReferenceCounter rows (the ones
    ``cases.service.next_reference`` counts with), in a short transaction of its own; returns the first number of
    each block. The UPDATE takes the row lock, so concurrent clerks and seeders get disjoint numbers."""
    table = ReferenceCounter.__table__
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    first = {}
    with engine.begin() as connection:
        for (prefix, year), count in sorted(wanted.items()):
            connection.execute(insert(table).values(prefix=prefix, year=year, last_number=0)
                               .on_conflict_do_nothing(index_elements=["prefix", "year"]))
            last = connection.scalar(table.update().where(table.c.prefix == prefix, table.c.year == year)
                                     .values(last_number=table.c.last_number + count)
                                     .returning(table.c.last_number))
            first[(prefix, year)] = last - count + 1
    return first


COLUMNS = {
    "persons": ("id", "family_name", "given_names", "date_of_birth", "nationality", "email", "phone",
                "preferred_language", "street", "postcode", "city", "country"),
    "cases": ("id", "reference", "procedure_id", "procedure_version", "state", "outcome", "accelerated",
              "applicant_id", "employer_id", "advisor_id", "office_id", "assignee_id", "parent_id", "profession",
              "reference_occupation", "received_on", "opened_at", "updated_at", "closed_at", "next_due_on", "breached",
              "audit_head", "event_seq", "version"),
    "case_documents": ("case_id", "document_id", "position", "required", "status", "reason", "requested_until",
                       "updated_at", "received_on"),
    "timers": ("id", "case_id", "timer_id", "status", "started_on", "started_by", "fixed_due_on", "end_named",
               "calendar", "extension", "extension_reason", "due_on", "warn_on", "finished_on", "created_at"),
    "timer_pauses": ("timer_pk", "started_on", "until_on", "ended_on", "reason", "source"),
    "timer_effects": ("timer_pk", "kind", "due_on", "created_at"),
    "events": ("case_id", "seq", "occurred_at", "actor_id", "actor_role", "kind", "subject", "from_state",
               "to_state", "reason", "basis", "data", "prev_hash", "key_id", "hash"),
}
#: Parents before children: the insert order follows the foreign keys.
TABLES = {"persons": Person.__table__, "cases": Case.__table__, "case_documents": CaseDocument.__table__,
          "timers": Timer.__table__, "timer_pauses": TimerPause.__table__, "timer_effects": TimerEffect.__table__,
          "events": Event.__table__}


def build_rows(engine, cases: list[SimCase], keyring: Keyring) -> dict[str, list[tuple]]:
    """Reference numbers and primary keys for the played cases, their audit chains hashed, and one row tuple per
    row to insert (in ``COLUMNS`` order)."""
    wanted = Counter((case.workflow.reference_prefix, case.received_on.year) for case in cases)
    numbers = reserve_references(engine, wanted)
    for case in cases:
        key = (case.workflow.reference_prefix, case.received_on.year)
        case.reference = f"{key[0]}-{key[1]}-{numbers[key]:06d}"
        numbers[key] += 1
    timers = [timer for case in cases for timer in case.timers]
    roots = [case for case in cases if case.parent is None]
    with engine.begin() as connection:
        person_ids = _reserve_ids(connection, Person.__table__, len(roots))
        case_ids = _reserve_ids(connection, Case.__table__, len(cases))
        timer_ids = _reserve_ids(connection, Timer.__table__, len(timers))
    for timer, timer_id in zip(timers, timer_ids):
        timer.id = timer_id
    for case, case_id in zip(cases, case_ids):
        case.id = case_id
    persons = []
    for case, person_id in zip(roots, person_ids):
        family, given, born, nationality, email, language = case.applicant
        # No postal address is invented for seeded applicants: the country they live in is the passport's.
        persons.append((person_id, family, given, born, nationality, email, "", language, "", "", "", nationality))
        case.applicant = person_id
    as_text = engine.dialect.name == "postgresql"  # COPY takes the JSON as text; SQLAlchemy wants the dict
    dumps = json.dumps
    rows = {"persons": persons, "cases": [], "case_documents": [], "timers": [], "timer_pauses": [],
            "timer_effects": [], "events": []}
    case_rows, document_rows, timer_rows = rows["cases"], rows["case_documents"], rows["timers"]
    pause_rows, effect_rows, event_rows = rows["timer_pauses"], rows["timer_effects"], rows["events"]
    breached = TimerStatus.BREACHED
    for case in cases:
        if case.parent is not None:
            case.applicant = case.parent.applicant
            case.events[0].data["parent"] = case.parent.reference
        head = GENESIS
        case_id = case.id
        for event in case.events:
            event.case_id = case_id
            event.prev_hash = head
            head = seal(event, keyring)
            event_rows.append((case_id, event.seq, event.occurred_at, event.actor_id, str(event.actor_role), event.kind,
                               event.subject, event.from_state, event.to_state, event.reason, event.basis,
                               dumps(event.data) if as_text else event.data, event.prev_hash, event.key_id, head))
        open_due = [timer for timer in case.open_timers() if timer.due_on is not None]
        case_rows.append((
            case_id, case.reference, case.workflow.id, case.workflow.version, case.state, case.outcome,
            case.accelerated, case.applicant, case.employer_id, None, case.office["id"],
            case.assignee.id if case.assignee else None, case.parent.id if case.parent is not None else None,
            case.profession, case.reference_occupation, case.received_on, case.opened_at,
            case.events[-1].occurred_at, case.closed_at,
            # what timers.service.refresh_summary computes
            min((timer.due_on for timer in open_due), default=None),
            any(timer.status == breached for timer in open_due),
            head, case.events[-1].seq if case.events else 0, case.version))
        for document_id, (status, reason, until, updated_at, position, required, arrived) in case.documents.items():
            document_rows.append((case_id, document_id, position, required, str(status), reason, until,
                                  updated_at or case.opened_at, arrived))
        for timer in case.timers:
            timer_rows.append((timer.id, case_id, timer.timer_id, str(timer.status), timer.started_on, timer.started_by,
                               timer.fixed_due_on, timer.end_named, timer.calendar, None, "", timer.due_on, timer.warn_on,
                               timer.finished_on, timer.created_at))
            for pause in timer.pauses:
                pause_rows.append((timer.id, pause.started_on, pause.until_on, pause.ended_on, pause.reason,
                                   pause.source))
            for kind, due_on, created_at in timer.effects:
                effect_rows.append((timer.id, str(kind), due_on, created_at))
    return rows


def insert_rows(engine, rows: dict[str, list[tuple]]) -> None:
    """One transaction: COPY on PostgreSQL, executemany elsewhere."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Synthetic data: a crash may lose the last batches, so the commit need not wait for the disk.
            connection.execute(sa.text("SET LOCAL synchronous_commit = off"))
            raw = connection.connection.dbapi_connection
            with raw.cursor() as cursor:
                for name, table_rows in rows.items():
                    if not table_rows:
                        continue
                    with cursor.copy(f"COPY {name} ({', '.join(COLUMNS[name])}) FROM STDIN") as copy:
                        for row in table_rows:
                            copy.write_row(row)
            return
        for name, table_rows in rows.items():
            if table_rows:
                columns = COLUMNS[name]
                connection.execute(TABLES[name].insert(), [dict(zip(columns, row)) for row in table_rows])


class Writer:
    """Inserts batches in a thread on PostgreSQL, so the next batch is played while the server stores this one."""

    def __init__(self, engine):
        self.engine = engine
        self.threaded = engine.dialect.name == "postgresql"
        self.error: BaseException | None = None
        if self.threaded:
            self.queue: queue.Queue = queue.Queue(maxsize=1)
            self.thread = threading.Thread(target=self._run, name="seed-writer", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            rows, done = item
            try:
                if self.error is None:
                    insert_rows(self.engine, rows)
                    done()
            except BaseException as error:  # handed to the main thread
                self.error = error

    def submit(self, rows, done) -> None:
        self._raise()
        if self.threaded:
            self.queue.put((rows, done))
        else:
            insert_rows(self.engine, rows)
            done()

    def close(self) -> None:
        if self.threaded:
            self.queue.put(None)
            self.thread.join()
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error
