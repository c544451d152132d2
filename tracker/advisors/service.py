"""Verbs on advisor grants: an employer administrator grants a ThAFF advisor access to the organisation's cases, or
revokes it. Each verb flushes; the request commits once (``http.unit_of_work.perform``).

Every case the employer's users see on that day gets an audit event (``advisor_granted``/``advisor_revoked``) in its
own chain, so a case's trail tells who could read it and since when. A case authorised to the employer later has no
such event; the grant row itself (never deleted) is the record of the consent."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tracker import clock
from tracker.audit.models import EventKind
from tracker.audit.service import append_event
from tracker.auth.grants import AdvisorGrant
from tracker.auth.models import User
from tracker.cases.access import Scope
from tracker.cases.models import Case
from tracker.extensions import db
from tracker.parties.models import Employer
from tracker.procedures.definition import LocalText
from tracker.procedures.vocabulary import Role

#: The consent the administrator reads and ticks; stored with the grant in the language it was shown in. It names
#: what the advisor sees and nothing more: not the authority's letters (``cases.access.letters_scope``) nor the
#: uploaded papers (``documents_scope``); grants recorded earlier keep the text they were given with.
CONSENT = LocalText(
    "Wir willigen ein, dass {advisor} (ThAFF – Thüringer Agentur für Fachkräftegewinnung) die Verfahren unseres "
    "Unternehmens {employer} im Portal lesen und in den Nachrichten zu diesen Verfahren schreiben darf: Stand, "
    "Fristen, Anforderungen und Verlauf, mit Namen und Daten der Fachkräfte. Die Einwilligung gilt "
    "{period} und kann jederzeit mit sofortiger Wirkung widerrufen werden.",
    "We consent to {advisor} (ThAFF, Thuringian Agency for Skilled Labour) reading the cases of our organisation "
    "{employer} in the portal and writing in the messages of these cases: status, deadlines, requests and "
    "history, including the skilled workers' names and data. The consent applies {period} and can be revoked at any "
    "time with immediate effect.")


class GrantError(Exception):
    """A grant or revocation refused; ``messages`` say why, in both languages, and ``field`` names the form input
    they concern (``None``: the request as a whole), so the form shows them where the user can mend them."""

    def __init__(self, messages: list[LocalText], field: str | None = None):
        super().__init__("; ".join(message.de for message in messages))
        self.messages = messages
        self.field = field

    def text(self, lang: str) -> str:
        return " ".join(message.get(lang) for message in self.messages)


def consent_text(advisor: str, employer: str, valid_from: date, valid_until: date | None, lang: str) -> str:
    """The consent as shown for these choices (the form shows it with the advisor not yet chosen)."""
    begins = valid_from.strftime("%d.%m.%Y")
    if valid_until is None:
        period = LocalText(f"ab dem {begins} bis auf Widerruf", f"from {begins} until revoked").get(lang)
    else:
        ends = valid_until.strftime("%d.%m.%Y")
        period = LocalText(f"vom {begins} bis zum {ends}", f"from {begins} to {ends}").get(lang)
    return CONSENT.get(lang).format(advisor=advisor, employer=employer, period=period)


def consent_preview(employer: str, lang: str) -> str:
    """The consent as the form shows it before the advisor and the dates are chosen."""
    return CONSENT.get(lang).format(
        advisor=LocalText("die gewählte Beratung", "the chosen advisor").get(lang), employer=employer,
        period=LocalText("für den unten gewählten Zeitraum", "for the period chosen below").get(lang))


def advisors() -> list[User]:
    """The ThAFF advisors an employer may choose (active accounts with the advisor role)."""
    return list(db.session.scalars(select(User).where(User.role == Role.ADVISOR, User.active).order_by(User.name)))


def grants_of(employer_id: int) -> list[AdvisorGrant]:
    """Every grant of the employer, newest first (revoked and ended ones too: the record of consent)."""
    return list(db.session.scalars(select(AdvisorGrant).where(AdvisorGrant.employer_id == employer_id)
                                   .order_by(AdvisorGrant.granted_at.desc(), AdvisorGrant.id.desc())))


def grant_access(admin: User, *, advisor_id: int, valid_from: date, valid_until: date | None, consented: bool,
                 lang: str) -> AdvisorGrant:
    """Record the employer's consent: from ``valid_from`` the advisor sees what the employer's users see."""
    _require_employer_admin(admin)
    advisor = db.session.get(User, advisor_id)
    if advisor is None or advisor.role != Role.ADVISOR or not advisor.active:
        raise GrantError([LocalText("Bitte wählen Sie eine Beratung der ThAFF aus der Liste.",
                                    "Please choose a ThAFF advisor from the list.")], field="advisor")
    if not consented:
        raise GrantError([LocalText("Bitte bestätigen Sie die Einwilligung.", "Please confirm the consent.")],
                         field="consent")
    today = clock.today()
    if valid_from < today:
        raise GrantError([LocalText("Der Zugang kann frühestens heute beginnen.",
                                    "Access cannot begin before today.")], field="valid_from")
    if valid_until is not None and valid_until < valid_from:
        raise GrantError([LocalText("Das Ende der Gültigkeit liegt vor ihrem Beginn.",
                                    "The access ends before it begins.")], field="valid_until")
    # The organisation's row locked first: two administrators granting at once cannot both find no running grant
    # and both record one (PostgreSQL; SQLite writes one transaction at a time).
    db.session.execute(select(Employer.id).where(Employer.id == admin.employer_id).with_for_update())
    running = db.session.scalar(select(func.count(AdvisorGrant.id)).where(
        AdvisorGrant.employer_id == admin.employer_id, AdvisorGrant.advisor_id == advisor.id,
        AdvisorGrant.revoked_at.is_(None),
        (AdvisorGrant.valid_until.is_(None)) | (AdvisorGrant.valid_until >= today)))
    if running:
        raise GrantError([LocalText("Diese Beratung hat bereits Zugang. Widerrufen Sie ihn zuerst, um ihn neu zu "
                                    "erteilen.", "This advisor already has access. Revoke it first to grant it "
                                    "anew.")], field="advisor")
    grant = AdvisorGrant(advisor=advisor, employer=admin.employer, granted_by=admin, granted_at=clock.now(),
                         consent_text=consent_text(advisor.name, admin.employer.name, valid_from, valid_until, lang),
                         valid_from=valid_from, valid_until=valid_until)
    db.session.add(grant)
    db.session.flush()
    _record(grant, EventKind.ADVISOR_GRANTED, admin, {"valid_from": valid_from, "valid_until": valid_until})
    return grant


def revoke_access(admin: User, grant_id: int) -> AdvisorGrant:
    """End the grant at once: the advisor's next request no longer sees the employer's cases."""
    _require_employer_admin(admin)
    grant = db.session.get(AdvisorGrant, grant_id)
    if grant is None or grant.employer_id != admin.employer_id:
        raise GrantError([LocalText("Unbekannter Zugang.", "Unknown access.")])
    if grant.revoked_at is not None:
        raise GrantError([LocalText("Dieser Zugang ist bereits widerrufen.", "This access is already revoked.")])
    grant.revoked_at = clock.now()
    grant.revoked_by = admin
    db.session.flush()
    _record(grant, EventKind.ADVISOR_REVOKED, admin, {})
    return grant


def _record(grant: AdvisorGrant, kind: EventKind, actor: User, data: dict) -> None:
    """The event in the chain of every case the employer's users see today."""
    today = clock.today()
    scope = Scope(authorised_employers=frozenset({grant.employer_id}), on=today)
    for case in db.session.scalars(select(Case).where(scope.condition()).order_by(Case.id)):
        append_event(case, kind, actor, data={"grant_id": grant.id, "advisor_id": grant.advisor_id,
                                              "advisor": grant.advisor.name, "employer_id": grant.employer_id,
                                              "employer": grant.employer.name, **data})
    db.session.flush()


def _require_employer_admin(user: User) -> None:
    if user.role != Role.EMPLOYER or not user.employer_admin or user.employer_id is None:
        raise GrantError([LocalText("Nur die Verwaltung Ihres Unternehmens darf das.",
                                    "Only your organisation's administrators may do this.")])
