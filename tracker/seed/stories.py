"""Which random case histories are played: the stories a recognition case and a § 81a case go through.

A story only proposes steps (a transition with inputs, a document received, an assignment) on days it draws; the
player asks the pure core whether each may happen and what follows from it (``seed.player``). A step the engine
refuses is simply not taken.
"""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from tracker import clock
from tracker.procedures.vocabulary import DocumentStatus, OfficeKind, Outcome
from tracker.seed.parties import EMAIL_DOMAIN, Actor, Parties, slug
from tracker.seed.player import Player, SimCase

#: (nationality as in the passport, given names, family names, preferred language, weight)
APPLICANT_ORIGINS = (
    ("Vietnam", ("Anh", "Minh", "Thu", "Lan", "Hoa", "Tuan", "Huong", "Duc"),
     ("Nguyen", "Tran", "Le", "Pham", "Hoang", "Vu", "Dang"), "en", 12),
    ("Indien", ("Rahul", "Priya", "Anjali", "Arjun", "Deepa", "Vikram", "Sneha"),
     ("Sharma", "Patel", "Singh", "Kumar", "Nair", "Reddy", "Iyer"), "en", 14),
    ("Philippinen", ("Maria", "Jose", "Angelica", "Mark", "Kristine", "John Paul"),
     ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza"), "en", 10),
    ("Brasilien", ("Ana", "João", "Mariana", "Lucas", "Beatriz", "Rafael"),
     ("Pereira", "Silva", "Souza", "Oliveira", "Costa", "Almeida"), "en", 6),
    ("Türkei", ("Mehmet", "Ayşe", "Emre", "Elif", "Mustafa", "Zeynep"),
     ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın"), "de", 9),
    ("Ukraine", ("Olena", "Andrii", "Iryna", "Oleksandr", "Natalia", "Dmytro"),
     ("Kovalenko", "Shevchenko", "Bondarenko", "Tkachenko", "Melnyk"), "de", 8),
    ("Syrien", ("Mohammad", "Rana", "Ahmad", "Lina", "Khaled", "Hiba"),
     ("Al-Hassan", "Haddad", "Khalil", "Ibrahim", "Darwish"), "de", 6),
    ("Marokko", ("Youssef", "Fatima", "Amine", "Salma", "Hamza"),
     ("El Amrani", "Benali", "Bennani", "Alaoui", "Idrissi"), "en", 4),
    ("Tunesien", ("Amine", "Sarra", "Mehdi", "Yasmine"), ("Ben Salah", "Trabelsi", "Gharbi", "Jaziri"), "en", 4),
    ("Nigeria", ("Samuel", "Chioma", "Emeka", "Ngozi", "Tunde", "Blessing"),
     ("Okafor", "Adeyemi", "Okeke", "Eze", "Balogun"), "en", 5),
    ("Kolumbien", ("Juan", "Valentina", "Andrés", "Camila", "Santiago"),
     ("Rodríguez", "Gómez", "Martínez", "López", "Hernández"), "en", 4),
    ("Mexiko", ("Luis", "Guadalupe", "Carlos", "Fernanda"), ("García", "Hernández", "Ramírez", "Flores"), "en", 3),
    ("Indonesien", ("Putri", "Budi", "Dewi", "Agus", "Sari"), ("Wijaya", "Santoso", "Saputra", "Hidayat"), "en", 4),
    ("Bosnien und Herzegowina", ("Amar", "Lejla", "Emir", "Amra"), ("Hodžić", "Begić", "Delić", "Kovačević"),
     "de", 4),
    ("Serbien", ("Nikola", "Jelena", "Marko", "Milica"), ("Jovanović", "Petrović", "Nikolić", "Marković"), "de", 3),
    ("Kosovo", ("Arben", "Elira", "Besnik", "Drita"), ("Hoxha", "Krasniqi", "Berisha", "Gashi"), "de", 3),
    ("Ägypten", ("Omar", "Nour", "Mahmoud", "Yasmin"), ("Hassan", "Mostafa", "Farouk", "Saleh"), "en", 3),
    ("Kenia", ("Wanjiru", "Otieno", "Achieng", "Kamau"), ("Mwangi", "Odhiambo", "Njoroge", "Kiprono"), "en", 3),
    ("Usbekistan", ("Dilnoza", "Rustam", "Aziz", "Malika"), ("Karimov", "Yusupov", "Abdullaev", "Rakhimov"),
     "en", 2),
)
#: (foreign qualification, German reference occupation) for each recognition procedure
PROFESSIONS = {
    "recognition-bqfg": (
        ("Elektrik-Meister", "Elektroniker/in"), ("Técnico em Mecatrônica", "Mechatroniker/in"),
        ("Diploma in Mechanical Engineering", "Industriemechaniker/in"), ("Cook (Certificate III)", "Koch/Köchin"),
        ("Automotive Technician", "Kraftfahrzeugmechatroniker/in"),
        ("Plumbing Technician", "Anlagenmechaniker/in für Sanitär-, Heizungs- und Klimatechnik"),
        ("Welder (NCV Level 4)", "Konstruktionsmechaniker/in"), ("Hotel Management Diploma", "Hotelfachmann/-frau"),
        ("IT Technician (TVET)", "Fachinformatiker/in"), ("Bricklayer (Level 3)", "Maurer/in"),
        ("Diploma in Electrical Installation", "Elektroniker/in für Energie- und Gebäudetechnik"),
    ),
    "recognition-thuerbqfg": (
        ("Bachelor of Education", "Lehrkraft (Regelschule)"),
        ("Diploma in Early Childhood Education", "Staatlich anerkannte/r Erzieher/in"),
        ("Bachelor of Social Work", "Staatlich anerkannte/r Sozialarbeiter/in"),
        ("B.Sc. Civil Engineering", "Ingenieur/in (Bauingenieurwesen)"), ("Bachelor of Architecture", "Architekt/in"),
        ("Licenciatura en Pedagogía Infantil", "Kindheitspädagoge/-pädagogin"),
    ),
}
#: Which recognition bodies decide which procedure (the ThürBQFG professions go to the Landesverwaltungsamt).
DECIDING_OFFICES = {"recognition-thuerbqfg": ("TLVWA-550",), "recognition-bqfg": ("HWK-EF", "HWK-SHL", "HWK-GE")}
SKILLED_WORKER = "skilled-worker-81a"  #: the § 81a procedure, whose cases open a linked recognition case
#: Share of new cases per procedure (a § 81a case that reaches "start recognition" adds a linked recognition case).
PROCEDURE_MIX = (("recognition-bqfg", 40), ("recognition-thuerbqfg", 25), ("skilled-worker-81a", 35))


OFFICE_OPENS = time(7, 0)


@lru_cache(maxsize=4096)
def _office_opens(day: date) -> datetime:
    """When the office opens on ``day``, in UTC (so moments compare and hash without time zone look-ups)."""
    return datetime.combine(day, OFFICE_OPENS, tzinfo=clock.BERLIN).astimezone(timezone.utc)


class Walk:
    """One case's story as it unfolds: the day moves on by random steps, never past yesterday, and each step is
    recorded on the day the walk has reached."""

    def __init__(self, stories: Stories, case: SimCase, clerk: Actor, day: date):
        self.stories, self.case, self.clerk, self.day = stories, case, clerk, day

    def later(self, low: int, high: int) -> date | None:
        self.day += timedelta(days=self.stories.rng.randint(low, high))
        return self.day if self.day < self.stories.today else None

    def act(self, transition_id: str, **inputs) -> bool:
        stories = self.stories
        return stories.player.transition(self.case, transition_id, self.clerk, stories._moment(self.case, self.day), {
            key: value.isoformat() if isinstance(value, date) else value for key, value in inputs.items()})


class Stories:
    """Draws new cases and plays each through a random history up to yesterday, then sweeps it through today."""

    def __init__(self, rng: random.Random, parties: Parties, today: date, workflows):
        self.rng = rng
        self.parties = parties
        self.today = today
        self.workflows = workflows
        self.player = Player(workflows, parties)

    def clerk(self, office) -> Actor:
        return self.rng.choice(office["clerks"])

    def play(self, procedure_id: str) -> list[SimCase]:
        """A new case of ``procedure_id`` with a random history up to today; returns it (and its linked case)."""
        rng = self.rng
        workflows = self.workflows
        if procedure_id == SKILLED_WORKER:
            office = self._pick_office(OfficeKind.IMMIGRATION_OFFICE)
            child_procedure = "recognition-bqfg" if rng.random() < 0.65 else "recognition-thuerbqfg"
            profession = rng.choice(PROFESSIONS[child_procedure])
            case = SimCase(workflows.latest(procedure_id), office, applicant(rng), rng.choice(
                self.parties.employer_ids), profession, self._received_on(), None)
            self._story_81a(case, child_procedure)
            played = [case] + ([case.child] if case.child is not None else [])
        else:
            office = self.parties.offices[rng.choice(DECIDING_OFFICES[procedure_id])] \
                if procedure_id in DECIDING_OFFICES else self._pick_office(OfficeKind.RECOGNITION_BODY)
            employer = rng.choice(self.parties.employer_ids) if rng.random() < 0.45 else None
            case = SimCase(workflows.latest(procedure_id), office, applicant(rng), employer,
                           rng.choice(PROFESSIONS.get(procedure_id, PROFESSIONS["recognition-bqfg"])),
                           self._received_on())
            clerk = self.clerk(office)
            if rng.random() < 0.85:
                case.assignee = clerk  # assigned when opened
            opened_on = min(case.received_on + timedelta(days=rng.choice((0, 0, 0, 1, 1, 2, 3))),
                            self.today - timedelta(days=1))
            self.player.open(case, clerk, self._moment(case, opened_on))
            self._story_recognition(case, opened_on, clerk)
            played = [case]
        for case in played:
            self.player.sweep_through(case, self.today)
        return played

    def _pick_office(self, kind: OfficeKind):
        offices = [office for office in self.parties.offices.values() if office["kind"] == kind and office["weight"]]
        return self.rng.choices(offices, weights=[office["weight"] for office in offices])[0]

    def _received_on(self) -> date:
        # Most cases are recent, some go back two years (closed ones are the history of the queue).
        days = self.rng.randint(1, 150) if self.rng.random() < 0.7 else self.rng.randint(150, 600)
        return self.today - timedelta(days=days)

    def _moment(self, case: SimCase, day: date) -> datetime:
        """A moment in office hours on ``day``, after everything that happened to the case so far."""
        moment = _office_opens(day) + timedelta(
            seconds=self.rng.randint(0, 9 * 3600))
        if case.now is not None and moment <= case.now:
            moment = case.now + timedelta(seconds=self.rng.randint(1, 90))
        return moment

    def _documents(self, case: SimCase, clerk: Actor, day: date, document_ids,
                   status: DocumentStatus = DocumentStatus.RECEIVED) -> None:
        for document_id in document_ids:
            self.player.set_document(case, document_id, status, clerk, self._moment(case, day))

    def _story_recognition(self, case: SimCase, day: date, clerk: Actor) -> None:
        """Receipt, missing documents, review, decision: BQFG §§ 5-7 and ThürBQFG; § 14a periods if accelerated."""
        rng = self.rng
        thuer = case.workflow.id == "recognition-thuerbqfg"
        fast = case.accelerated

        walk = Walk(self, case, clerk, day)
        later, act = walk.later, walk.act

        if case.assignee is None and case.accelerated:
            if later(0, 3) is None:
                return
            self.player.assign(case, clerk, clerk, self._moment(case, walk.day))
        if later(1, 8 if fast else 26) is None:
            return
        required = [document_id for document_id, row in case.documents.items() if row[5]]
        optional = [document_id for document_id, row in case.documents.items() if not row[5]]
        present = required + [document_id for document_id in optional if rng.random() < 0.5]
        missing = []
        if rng.random() < 0.55:
            missing = rng.sample(required, rng.randint(1, min(3, len(required))))
            present = [document_id for document_id in present if document_id not in missing]
        self._documents(case, clerk, walk.day, present)
        if rng.random() < 0.03:
            act("withdraw", date=walk.day)
            return
        if not missing:
            act("confirm_receipt_complete")
        else:
            act("confirm_receipt_incomplete", documents=", ".join(missing))
            if later(0, 6) is None:
                return
            deadline = walk.day + timedelta(days=rng.choice((14, 21, 28, 28, 42)))
            act("request_missing_documents", due_date=deadline, documents=", ".join(missing))
            if later(5, 48) is None:
                return
            if rng.random() < 0.07:
                act("refuse", date=walk.day, ground="non_cooperation",
                    reason="Trotz Hinweis auf die Folgen (§ 15(3)) wurden die Unterlagen nicht vorgelegt.")
                return
            self._documents(case, clerk, walk.day, missing)
            if rng.random() < 0.5:
                act("record_documents_received")
                if later(1, 10) is None:
                    return
            act("confirm_documents_complete")
        if case.state != "in_review":
            return
        if rng.random() < 0.15:
            if later(7, 40) is None:
                return
            asked = rng.choice(("translations", "experience", "transcript"))
            act("request_documents", due_date=walk.day + timedelta(days=rng.choice((14, 21, 28))), documents=asked)
            if later(7, 35) is None:
                return
            self._documents(case, clerk, walk.day, [asked])
            act("record_requested_documents_received")
        elif rng.random() < 0.06:
            if later(7, 30) is None:
                return
            act("start_skills_analysis", method=rng.choice(("Fachgespräch", "Arbeitsprobe", "Probearbeit")))
            if later(20, 80) is None:
                return
            act("finish_skills_analysis")
        if later(15, 55 if fast else 95) is None:
            return
        outcome = rng.random()
        if outcome < 0.07:
            act("withdraw", date=walk.day)
        elif outcome < 0.18:
            act("refuse", date=walk.day, ground="no_equivalence",
                reason="Wesentliche Unterschiede, die nicht durch Berufserfahrung ausgeglichen werden.")
        elif outcome < (0.45 if thuer else 0.40):
            if not thuer:
                act("issue_deficit_notice", date=walk.day,
                    differences="Gleichwertig bis auf: Fachpraxis Sicherheitstechnik, deutsches Normenwesen")
                return
            act("require_compensation", date=walk.day, differences="Fachdidaktik und Schulrecht in Thüringen fehlen")
            if later(7, 40) is None:
                return
            aptitude = rng.random() < 0.55
            act("choose_aptitude_test" if aptitude else "choose_adaptation_period")
            if later(40, 170 if aptitude else 360) is None:
                return
            if rng.random() < 0.2:
                act("record_compensation_not_passed", note="Nicht bestanden; Wiederholung möglich")
                if later(10, 60) is None:
                    return
                act("close_without_compensation", reason="Keine Wiederholung beantragt")
                return
            act("complete_compensation", date=walk.day)
            if later(3, 20) is None:
                return
            act("grant_full_equivalence", date=walk.day)
        else:
            act("grant_full_equivalence", date=walk.day)

    def _story_81a(self, case: SimCase, child_procedure: str) -> None:
        """Agreement, linked accelerated recognition, BA approval (or its fiction), pre-approval, visa, entry."""
        rng = self.rng
        clerk = self.clerk(case.office)
        case.assignee = clerk if rng.random() < 0.9 else None
        day = case.received_on

        walk = Walk(self, case, clerk, day)
        later, act = walk.later, walk.act

        self.player.open(case, clerk, self._moment(case, walk.day))
        if later(2, 25) is None:
            return
        self._documents(case, clerk, walk.day, ["passport", "power_of_attorney", "employment_contract", "diploma"])
        if rng.random() < 0.04:
            act("withdraw", date=walk.day)
            return
        if later(1, 14) is None:
            return
        self._documents(case, clerk, walk.day, ["agreement", "fee_receipt"])
        act("conclude_agreement", date=walk.day, fee_paid_on=walk.day - timedelta(days=rng.randint(0, 5)))
        if later(1, 10) is None:
            return
        body = self.parties.offices[rng.choice(DECIDING_OFFICES[child_procedure])]
        if not act("start_recognition", procedure=child_procedure, recognition_office=body["id"]):
            return
        child = case.child
        self._story_recognition(child, walk.day, self.clerk(body))
        if rng.random() < 0.2:
            if later(3, 20) is None:
                return
            act("record_body_request", date=walk.day, requested="Nachweise über Berufserfahrung")
            if later(0, 5) is None:
                return
            act("invite_employer", note="Erörterung mit dem Arbeitgeber vereinbart")
        if later(0, 6) is None:
            return
        if rng.random() < 0.12:
            act("record_ba_approval_not_required", reason="Zustimmungsfrei nach § 2(1) Nr. 3 BeschV")
        else:
            act("request_ba_approval")
            if later(1, 10) is None:
                return
            answer = rng.random()
            if answer < 0.55:
                act("record_ba_approval", date=walk.day)
            elif answer < 0.67:
                act("record_ba_information_missing", missing="Angaben zur Vergütung und Arbeitszeit")
                if later(2, 12) is None:
                    return
                act("supply_ba_information")
                if later(1, 9) is None:
                    return
                act("record_ba_approval", date=walk.day)
            elif answer < 0.70:
                act("record_ba_refusal", date=walk.day, reason="Beschäftigung zu ungünstigeren Arbeitsbedingungen")
                return
            # else: the BA stays silent and its approval is deemed granted (§ 36(2) BeschV), done by the sweep
        if child.closed_at is None:
            return
        walk.day = max(walk.day, clock.berlin_date(child.closed_at))
        if later(1, 10) is None:
            return
        if child.outcome in (Outcome.POSITIVE, Outcome.PARTIAL):
            if child.workflow.regulated_profession and child.outcome == Outcome.POSITIVE:
                # § 81a(3) s. 1 no. 2, second half-sentence: the licence to practise before the pre-approval.
                act("record_licence_obtained", licence="granted")
            if not act("issue_pre_approval", date=walk.day):
                return
        else:
            act("close_recognition_failed")
            return
        if later(3, 25) is None:
            return
        act("request_visa_appointment", date=walk.day)
        if later(5, 24) is None:
            return
        act("record_visa_application", date=walk.day)
        if later(5, 25) is None:
            return
        if rng.random() < 0.06:
            act("record_visa_refused", date=walk.day, reason="Zweifel an der Rückkehrbereitschaft nicht ausgeräumt")
            return
        act("record_visa_granted", date=walk.day)
        if later(10, 70) is None:
            return
        act("record_entry", date=walk.day)


def applicant(rng: random.Random) -> tuple:
    nationality, given, family, language, _weight = rng.choices(APPLICANT_ORIGINS, weights=_ORIGIN_WEIGHTS)[0]
    born = date(1970, 1, 1) + timedelta(days=rng.randint(0, 365 * 35))
    given_name, family_name = rng.choice(given), rng.choice(family)
    email = f"{slug(given_name)}.{slug(family_name)}{rng.randint(1, 999)}@mail.{EMAIL_DOMAIN}"
    return (family_name, given_name, born, nationality, email, language)


_ORIGIN_WEIGHTS = [origin[-1] for origin in APPLICANT_ORIGINS]
