"""The one access rule: which cases a user may see, and on which they may act.

The rule is written once, as a ``Scope`` per user and purpose. Every scope has two faces that must agree: a SQL
condition (``condition``: every list, search, count and export) and a check of one loaded case (``admits``: every
case route, download and API call). A property test generates users, offices, employers, advisors and linked cases
and asserts that both faces give the same answer for every pair.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import aliased

from tracker import clock
from tracker.auth.grants import granting_employers
from tracker.cases.models import Authorisation, Case
from tracker.procedures.vocabulary import Role


@dataclass(frozen=True)
class Scope:
    """The cases a scope admits: the union of every part that is set."""

    everything: bool = False
    #: Cases held by one of these offices.
    offices: frozenset[int] = frozenset()
    #: Cases linked (as § 81a parent or recognition child) to a case held by one of these offices: the immigration
    #: office drives the recognition it started (§ 81a(3) AufenthG, § 14a BQFG) and the recognition body sees the
    #: § 81a case its recognition belongs to.
    linked_to_offices: frozenset[int] = frozenset()
    #: Cases of one of these employers, named as the case's employer (no role uses it today).
    employers: frozenset[int] = frozenset()
    #: Cases for which one of these employers holds an authorisation valid on ``on``: a power of attorney under
    #: § 81a(1) s. 1 AufenthG or the applicant's authorisation in a recognition case. Being named as the case's
    #: employer is not enough; an expired or revoked authorisation admits nothing. Employer users see their own
    #: organisation's; a ThAFF advisor sees those of the employers whose grant holds on ``on`` (``auth.grants``).
    authorised_employers: frozenset[int] = frozenset()
    #: The day authorisations are judged on (Berlin calendar day; ``view_scope`` takes ``clock.today()``).
    on: date | None = None

    def condition(self) -> ColumnElement[bool]:
        if self.everything:
            return true()
        parts = []
        if self.offices:
            parts.append(Case.office_id.in_(self.offices))
        if self.linked_to_offices:
            other = aliased(Case)
            parts.append(Case.parent_id.in_(select(other.id).where(other.office_id.in_(self.linked_to_offices))))
            parts.append(Case.id.in_(select(other.parent_id).where(other.office_id.in_(self.linked_to_offices),
                                                                   other.parent_id.is_not(None))))
        if self.employers:
            parts.append(Case.employer_id.in_(self.employers))
        if self.authorised_employers and self.on is not None:
            parts.append(Case.id.in_(self.authorised_case_ids()))
        return or_(*parts) if parts else false()

    def authorised_case_ids(self) -> Select:
        """The ids of the cases an authorisation of ``authorised_employers`` valid on ``on`` admits, read from the
        authorisations alone (a case with several such authorisations comes once per authorisation)."""
        return select(Authorisation.case_id).where(
            Authorisation.employer_id.in_(self.authorised_employers), Authorisation.revoked_at.is_(None),
            Authorisation.valid_from <= self.on,
            or_(Authorisation.valid_until.is_(None), Authorisation.valid_until >= self.on))

    @property
    def through_authorisations_only(self) -> bool:
        """Every case the scope admits is reached through an authorisation: the scope of employer users and
        advisors. Their cases can then be listed from the authorisations' index without reading other cases."""
        return not (self.everything or self.offices or self.linked_to_offices or self.employers)

    def admits(self, case: Case) -> bool:
        if self.everything:
            return True
        if case.office_id in self.offices:
            return True
        if self.linked_to_offices:
            if case.parent is not None and case.parent.office_id in self.linked_to_offices:
                return True
            if any(child.office_id in self.linked_to_offices for child in case.children):
                return True
        if case.employer_id is not None and case.employer_id in self.employers:
            return True
        return self.on is not None and any(
            authorisation.employer_id in self.authorised_employers and authorisation.holds_on(self.on)
            for authorisation in case.authorisations) if self.authorised_employers else False


NOTHING = Scope()


def view_scope(user) -> Scope:
    """What ``user`` may see."""
    role = Role(user.role)
    if role is Role.ADMIN:
        return Scope(everything=True)
    if role.is_staff:
        own = frozenset({user.office_id}) if user.office_id is not None else frozenset()
        return Scope(offices=own, linked_to_offices=own)
    if role is Role.EMPLOYER:
        if user.employer_id is None:
            return NOTHING
        return Scope(authorised_employers=frozenset({user.employer_id}), on=clock.today())
    if role is Role.ADVISOR:
        # What the granting employers' users see, while the employer's grant holds (both judged on the same day).
        today = clock.today()
        return Scope(authorised_employers=granting_employers(user.id, today), on=today)
    return NOTHING


def act_scope(user) -> Scope:
    """What ``user`` may change: staff only their own office's cases (a linked case is read-only to them);
    advisors accompany, they act for neither the authority nor the employer."""
    role = Role(user.role)
    if role is Role.ADMIN:
        return Scope(everything=True)
    if role.is_staff:
        return Scope(offices=frozenset({user.office_id})) if user.office_id is not None else NOTHING
    if role is Role.EMPLOYER:
        return view_scope(user)
    return NOTHING


def notes_scope(user) -> Scope:
    """Whose internal notes ``user`` may read and write: the working papers of the office that holds the case, so
    its staff (and admins) only. Staff of a linked case's other office see that case but not its notes (the
    stated rule: a linked case is for viewing); employers and advisors never see notes. Always within
    ``view_scope`` (the property test checks it)."""
    role = Role(user.role)
    if role is Role.ADMIN:
        return Scope(everything=True)
    if role.is_staff and user.office_id is not None:
        return Scope(offices=frozenset({user.office_id}))
    return NOTHING


def queue_scope(user) -> Scope:
    """What the work queue lists: for staff, the cases their own office holds (linked cases of other offices are
    reachable from the case file, not listed); for everyone else what they may see. Always within ``view_scope``:
    the property test checks it."""
    scope = view_scope(user)
    if Role(user.role).is_staff and not scope.everything:
        return Scope(offices=scope.offices)
    return scope


def privacy_scope(user) -> Scope:
    """On which cases ``user`` may act for data protection: see the read log, export and erase. The
    data-protection role on every case (requests come from anyone); nobody else, not even admins (separation of
    duties). It opens no case file: ``view_scope`` admits nothing to that role."""
    return Scope(everything=True) if Role(user.role) is Role.DATA_PROTECTION else NOTHING


def can_administer_privacy(user, case: Case) -> bool:
    return privacy_scope(user).admits(case)


def case_visibility(user) -> ColumnElement[bool]:
    """A SQL condition selecting the cases ``user`` may see."""
    return view_scope(user).condition()


def can_view_case(user, case: Case) -> bool:
    return view_scope(user).admits(case)


def can_act_on_case(user, case: Case) -> bool:
    return act_scope(user).admits(case)


def can_use_notes(user, case: Case) -> bool:
    """Whether ``user`` may read and write the internal notes of ``case``."""
    return notes_scope(user).admits(case)


def report_scope(user) -> Scope:
    """Whose figures ``user`` may read in the reports: a team lead their own office's, the ministry (admins) every
    office's; clerks, employers and advisors none. Always within ``view_scope`` (the property test checks it)."""
    role = Role(user.role)
    if role is Role.ADMIN:
        return Scope(everything=True)
    if role is Role.TEAM_LEAD and user.office_id is not None:
        return Scope(offices=frozenset({user.office_id}))
    return NOTHING


def office_condition(scope: Scope, office_column) -> ColumnElement[bool]:
    """The SQL face of a report scope over a table keyed by office (aggregates, facts rows): the same offices
    ``scope.condition()`` admits. Only for scopes made of offices (``report_scope``): any other part would need the
    case itself, so it is refused rather than silently widened or narrowed."""
    if scope.everything:
        return true()
    if scope.linked_to_offices or scope.employers or scope.authorised_employers:
        raise ValueError("office_condition takes a scope of offices only")
    return office_column.in_(scope.offices) if scope.offices else false()


def documents_scope(user) -> Scope:
    """Whose uploaded documents ``user`` may download: the staff who see the case (its office, a linked case's
    office to read) and employer users with a valid authorisation. Advisors follow the case's course but not the
    worker's papers (passport, certificates): the employer's consent to their access does not cover them. Always
    within ``view_scope`` (the property test checks it)."""
    if Role(user.role) is Role.ADVISOR:
        return NOTHING
    return view_scope(user)


def letters_scope(user) -> Scope:
    """Whose kept letters (print view and PDF) ``user`` may open: the staff who see the case. Letters are the
    authority's copies of what it sent by post (the applicant's address, birth date, the decision's reasons);
    parties get theirs in the post, and the portal shows none, so employer users and advisors open none (their
    reads would not even reach the read log, which records staff). Always within ``view_scope``."""
    if Role(user.role).is_staff:
        return view_scope(user)
    return NOTHING


def messages_scope(user) -> Scope:
    """Whose message thread ``user`` may read and write: the parties who see the case (employer users with a valid
    authorisation, advisors of its employer) and the staff of the office holding it. A linked case's other office
    sees the case but not the correspondence between its parties and the holding office. Always within
    ``view_scope`` (the property test checks it)."""
    role = Role(user.role)
    if role.is_staff:
        return notes_scope(user)
    return view_scope(user)


def can_read_letters(user, case: Case) -> bool:
    return letters_scope(user).admits(case)


def can_download_documents(user, case: Case) -> bool:
    return documents_scope(user).admits(case)


def can_use_messages(user, case: Case) -> bool:
    return messages_scope(user).admits(case)
