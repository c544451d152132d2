"""The status page names every deadline it can show in plain language (the timer's ``applicant`` text), never by the
authorities' own term ("Zustimmung der BA (Fiktion)", "Eingangsbestätigung (beschleunigt)")."""
from __future__ import annotations

from tracker.applicant.page import AUTHORITIES
from tracker.registry import registry


def test_every_deadline_the_status_page_shows_has_a_plain_language_name(app):
    missing = [f"{workflow.id}: {timer.id}" for workflow in registry().all() for timer in workflow.timers.values()
               if (timer.owed_by in AUTHORITIES or timer.owed_by == "applicant") and timer.applicant is None
               and timer.id != "aptitude_test"]  # "Möglichkeit zur Eignungsprüfung" is plain already
    assert missing == []
    for workflow in registry().all():
        for timer in workflow.timers.values():
            assert timer.plain_name == (timer.applicant or timer.name)
            assert "(beschleunigt)" not in timer.plain_name.de and "Fiktion" not in timer.plain_name.de
