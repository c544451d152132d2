"""The days in which the authority's periods stood still, as the stage report subtracts them ("without suspended
time"): the pauses of the timers the authority owes, merged, and their overlap with a stay."""
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from tracker.procedures.loader import load_directory
from tracker.procedures.timer_plan import (
    Grant,
    authority_suspensions,
    days_suspended,
    deadline_of,
    suspended_days,
)

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


@pytest.fixture(scope="module")
def bqfg():
    return load_directory(WORKFLOWS).get("recognition-bqfg")


def pause(started_on, until_on=None, ended_on=None):
    return SimpleNamespace(started_on=started_on, until_on=until_on, ended_on=ended_on)


def timer(timer_id, *pauses):
    return SimpleNamespace(timer_id=timer_id, pauses=list(pauses))


def test_a_pause_lasts_until_the_deadline_set_even_if_the_documents_came_earlier(bqfg):
    # § 6(4) BQFG, docs/law.md open point 5: requested 17.02. with a deadline of 03.03., answered 24.02.
    suspensions = authority_suspensions(bqfg, [timer("decision", pause(date(2025, 2, 17), date(2025, 3, 3),
                                                                      date(2025, 2, 24)))])
    assert suspensions == [(date(2025, 2, 17), date(2025, 3, 3))]
    # the stay awaiting the documents (17.02.–24.02.) is suspended throughout; the next one loses 24.02.–03.03.
    assert days_suspended(suspensions, date(2025, 2, 17), date(2025, 2, 24)) == 7
    assert days_suspended(suspensions, date(2025, 2, 24), date(2025, 5, 13)) == 7
    # the stay before the request lost nothing
    assert days_suspended(suspensions, date(2025, 2, 3), date(2025, 2, 17)) == 0


def test_a_pause_without_a_deadline_runs_until_it_ended_or_still_runs(bqfg):
    ended = authority_suspensions(bqfg, [timer("decision", pause(date(2025, 4, 1), ended_on=date(2025, 4, 11)))])
    assert days_suspended(ended, date(2025, 3, 1), date(2025, 6, 1)) == 10
    running = authority_suspensions(bqfg, [timer("decision", pause(date(2025, 4, 1)))])
    assert running == [(date(2025, 4, 1), None)]
    # a stay that ends while the pause runs is suspended from the pause's start up to the stay's end
    assert days_suspended(running, date(2025, 3, 1), date(2025, 4, 15)) == 14


def test_overlapping_pauses_of_two_authority_timers_count_once_and_the_applicants_own_deadline_not_at_all(bqfg):
    timers = [timer("decision", pause(date(2025, 4, 1), date(2025, 4, 21))),
              timer("receipt_confirmation", pause(date(2025, 4, 11), date(2025, 5, 1))),
              # the applicant's deadline for documents is no period of the authority's
              timer("documents_deadline", pause(date(2025, 6, 1), date(2025, 7, 1)))]
    suspensions = authority_suspensions(bqfg, timers)
    assert suspensions == [(date(2025, 4, 1), date(2025, 5, 1))]
    assert days_suspended(suspensions, date(2025, 1, 1), date(2025, 12, 31)) == 30


def test_a_stay_recorded_as_ending_before_it_began_loses_nothing(bqfg):
    suspensions = authority_suspensions(bqfg, [timer("decision", pause(date(2025, 4, 1), date(2025, 4, 21)))])
    assert days_suspended(suspensions, date(2025, 4, 10), date(2025, 4, 5)) == 0
    assert authority_suspensions(bqfg, [timer("decision", pause(date(2025, 4, 1), date(2025, 4, 1)))]) == []


def decision_timer(*pauses, extension=None):
    return SimpleNamespace(timer_id="decision", status="running", started_on=date(2026, 2, 2), calendar="th",
                           extension=extension, pauses=list(pauses), fixed_due_on=None, end_named=None)


def test_two_requests_whose_deadlines_overlap_suspend_the_decision_once(bqfg):
    # § 6(4) BQFG: 16.02.-02.03. and 23.02.-09.03. share 7 days: 21 days suspended, not 28 (story 44).
    timer = decision_timer(pause(date(2026, 2, 16), date(2026, 3, 2), date(2026, 2, 18)),
                           pause(date(2026, 2, 23), date(2026, 3, 9), date(2026, 3, 5)))
    assert suspended_days(timer, date(2026, 3, 20)) == 21
    # Sat 02.05. + 21 days = Sat 23.05. -> Whit Monday 25.05. -> Tue 26.05.
    assert deadline_of(timer, bqfg.timers["decision"], date(2026, 3, 20)).due == date(2026, 5, 26)


def test_a_pause_by_hand_inside_a_request_adds_nothing(bqfg):
    timer = decision_timer(pause(date(2026, 2, 16), date(2026, 3, 2)),
                           pause(date(2026, 2, 20), ended_on=date(2026, 2, 25)))
    assert suspended_days(timer, date(2026, 3, 20)) == 14


@pytest.mark.parametrize("extension, due", [("P1M", date(2026, 6, 18)), ("2026-06-05", date(2026, 6, 19))])
def test_a_suspension_inside_the_extension_prolongs_the_extended_deadline(bqfg, extension, due):
    # Complete 02.02.: 3 months end Sat 02.05. -> Mon 04.05.; extended by a month from there to Thu 04.06. (or to
    # Fri 05.06., communicated). A request on 15.05. with a deadline of 29.05. suspends 14 days of the extension,
    # counted from the extended end: Thu 04.06. + 14 = Thu 18.06.; the communicated Fri 05.06. + 14 = Fri 19.06.
    timer = decision_timer(pause(date(2026, 5, 15), date(2026, 5, 29)), extension=extension)
    assert deadline_of(timer, bqfg.timers["decision"], date(2026, 5, 30)).due == due


@pytest.mark.parametrize("pauses_known, due", [
    # recorded after the grant of 25.03. and dated after it: 14 days added to the date communicated, Wed 06.05.
    (0, date(2026, 5, 20)),
    # recorded before the grant: the date was named, and checked against the maximum, with it
    (1, date(2026, 5, 6)),
])
def test_an_end_date_communicated_moves_by_a_suspension_after_the_grant_even_before_the_old_end(
        bqfg, pauses_known, due):
    # Complete Sat 03.01.2026: 3 months end Fri 03.04. (Good Friday) -> Tue 07.04.; extended on Wed 25.03. to
    # Wed 06.05.; a request on 25.03. (the grant's day) with a deadline of 08.04.: 14 days.
    timer = decision_timer(pause(date(2026, 3, 25), date(2026, 4, 8)), extension="2026-05-06")
    timer.started_on = date(2026, 1, 3)
    grant = Grant(date(2026, 3, 25), pauses_known)
    assert deadline_of(timer, bqfg.timers["decision"], date(2026, 4, 20), grant=grant).due == due


def test_a_suspension_dated_before_the_grant_is_counted_in_the_end_date_communicated(bqfg):
    # Recorded after the grant of 25.03. but dated 24.03.: the authority named 06.05. after its own request.
    timer = decision_timer(pause(date(2026, 3, 24), date(2026, 4, 7)), extension="2026-05-06")
    timer.started_on = date(2026, 1, 3)
    assert deadline_of(timer, bqfg.timers["decision"], date(2026, 4, 20), grant=Grant(date(2026, 3, 25), 0)).due \
        == date(2026, 5, 6)


@pytest.mark.parametrize("extension, due", [(None, date(2026, 4, 21)), ("P1M", date(2026, 5, 21))])
def test_a_suspension_on_the_moved_last_day_ends_the_period_with_it(bqfg, extension, due):
    # Complete Sat 03.01.2026: 3 months end Fri 03.04. (Good Friday) -> Tue 07.04., the last day. A request that
    # day with a deadline of Tue 21.04. finds nothing of the period left but that day: it ends with the suspension,
    # Tue 21.04. (story 63), not 03.04. + 14 days = Fri 17.04. while still suspended; extended by a month from
    # there (§ 190 BGB): Thu 21.05.
    timer = decision_timer(pause(date(2026, 4, 7), date(2026, 4, 21)), extension=extension)
    timer.started_on = date(2026, 1, 3)
    deadline = deadline_of(timer, bqfg.timers["decision"], date(2026, 4, 22))
    assert deadline.due == due
    assert deadline.explain("de")[2] == ("Gehemmt ab Di 07.04.2026, dem auf einen Werktag verschobenen letzten Tag "
                                         "der Frist: sie endet mit der Hemmung = Di 21.04.2026")
    # a request the day before the unmoved end keeps counting its days: 03.04. + 14 = Fri 17.04.
    timer.pauses = [pause(date(2026, 4, 2), date(2026, 4, 16))]
    assert deadline_of(timer, bqfg.timers["decision"], date(2026, 4, 22)).due == \
        (date(2026, 4, 17) if extension is None else date(2026, 5, 18))


@pytest.mark.parametrize("extension, line", [
    ("P2W", "Extension + 2 weeks from end of period (§ 190 BGB) = Mon 16 Nov 2026"),
    ("2026-11-16", "Extended until Mon 16 Nov 2026 (end date communicated)"),
])
def test_a_deadline_set_extended_says_how_it_was_extended(bqfg, extension, line):
    # Set on 19.10.2026 for Sat 31.10. (Reformation Day) -> Mon 02.11.; extended by two weeks from there (§ 31(7)
    # VwVfG, § 190 BGB) or to a date communicated: Mon 16.11. either way (story 68), but only the second was named.
    timer = SimpleNamespace(timer_id="documents_deadline", status="running", started_on=date(2026, 10, 19),
                            fixed_due_on=date(2026, 10, 31), calendar="th", extension=extension, pauses=[],
                            end_named=False)
    deadline = deadline_of(timer, bqfg.timers["documents_deadline"], date(2026, 11, 1))
    assert deadline.due == date(2026, 11, 16)
    assert deadline.explain("en")[3] == line
