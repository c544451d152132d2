"""What the anonymised case list's columns and codes mean: the XLSX export's second sheet ("Erläuterung"), in German
and English, so that a statistician who never saw this app can read the file. The columns keep their machine names
(stable for scripts that read them); this sheet names what each holds."""
from __future__ import annotations

from sqlalchemy import select

from tracker.cases.facts import Category
from tracker.extensions import db
from tracker.parties.models import Office
from tracker.procedures.definition import LocalText
from tracker.registry import registry
from tracker.reports.figures import EXPORT_COLUMNS

COLUMNS = {
    "procedure_id": LocalText("Verfahren (Kennung, Bedeutung unten)", "Procedure (id, meaning below)"),
    "office_id": LocalText("Behörde (Nummer, Name unten)", "Authority (number, name below)"),
    "reference_occupation": LocalText("Deutscher Referenzberuf", "German reference occupation"),
    "training_country": LocalText("Ausbildungsstaat", "Country of training"),
    "nationality": LocalText("Staatsangehörigkeit", "Nationality"),
    "received_on": LocalText("Eingang des Antrags", "Application received"),
    "documents_complete_on": LocalText("Unterlagen vollständig: Eingang der letzten (§ 6 Abs. 3 S. 2 BQFG)",
                                       "Documents complete: the last one received (s. 6(3) BQFG)"),
    "first_decision_on": LocalText("Erste Entscheidung (Datum des Bescheids)", "First decision (date of the notice)"),
    "closed_on": LocalText("Verfahren beendet", "Procedure ended"),
    "settled_on": LocalText("Erledigt: erste Entscheidung, sonst Ende ohne sie (zählt in diesem Zeitraum)",
                            "Settled: first decision, else the end without one (counts in this period)"),
    "category": LocalText("Ergebnis in den Kategorien der amtlichen Statistik (Bedeutung unten)",
                          "Outcome in the official statistics' categories (meaning below)"),
    "suspended_days": LocalText("Tage, in denen die Entscheidungsfrist der Behörde gehemmt war",
                                "Days the authority's decision period was suspended"),
    "lead_days": LocalText("Kalendertage vom Eingang bis zur ersten Entscheidung (brutto; netto: minus "
                           "suspended_days)", "Calendar days from application to first decision (gross; net: minus "
                                              "suspended_days)"),
    "decision_days": LocalText("Kalendertage von vollständigen Unterlagen bis zur ersten Entscheidung (Maß der "
                               "amtlichen Statistik, § 17 BQFG)", "Calendar days from complete documents to first "
                                                                  "decision (the official measure, s. 17 BQFG)"),
    "deadline_on": LocalText("Ende der gesetzlichen Entscheidungsfrist (mit Hemmung und Verlängerung)",
                             "End of the legal decision period (with suspension and extension)"),
    "in_deadline": LocalText("Innerhalb der gesetzlichen Frist entschieden (wahr/falsch; leer: keine Frist lief)",
                             "Decided within the legal period (true/false; empty: no period ran)"),
    "within_three_months": LocalText("Binnen drei Monaten ab vollständigen Unterlagen entschieden (wahr/falsch)",
                                     "Decided within three months of complete documents (true/false)"),
}

CATEGORIES = {
    Category.FULL_EQUIVALENCE: LocalText("Volle Gleichwertigkeit", "Full equivalence"),
    Category.PARTIAL_EQUIVALENCE: LocalText("Teilweise Gleichwertigkeit", "Partial equivalence"),
    Category.COMPENSATION_MEASURE: LocalText("Auflage einer Ausgleichsmaßnahme", "Compensation measure imposed"),
    Category.NEGATIVE: LocalText("Keine Gleichwertigkeit / Ablehnung", "No equivalence / refusal"),
    Category.PRE_APPROVAL: LocalText("Vorabzustimmung erteilt", "Pre-approval granted"),
    Category.WITHDRAWN: LocalText("Zurückgenommen / ohne Bescheid erledigt", "Withdrawn / ended without a notice"),
}


def rows(office_ids: set[int]) -> list[tuple[str, str, str]]:
    """(code, German, English) lines: every column, then the category codes, the procedures, the offices listed."""
    lines = [("Spalte / column", "Bedeutung", "Meaning")]
    lines += [(name, COLUMNS[name].de, COLUMNS[name].en) for name in EXPORT_COLUMNS]
    lines += [("", "", ""), ("category", "Ergebnis", "Outcome")]
    lines += [(str(code), text.de, text.en) for code, text in CATEGORIES.items()]
    lines += [("", "", ""), ("procedure_id", "Verfahren", "Procedure")]
    lines += [(workflow.id, workflow.title.de, workflow.title.en) for workflow in registry().all()]
    offices = db.session.execute(select(Office.id, Office.name).where(Office.id.in_(office_ids))
                                 .order_by(Office.id)).all() if office_ids else []
    lines += [("", "", ""), ("office_id", "Behörde", "Authority")]
    lines += [(str(office_id), name, name) for office_id, name in offices]
    return lines
