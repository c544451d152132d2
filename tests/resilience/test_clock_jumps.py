"""The sweep when the clock misbehaves: hourly runs across both daylight-saving changes in Europe/Berlin, the clock
set back an hour, jumping three days ahead, and a 24-hour backlog. Every due timer gets each of its effects (warning,
breach) exactly once, and its audit event once."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from tracker import clock
from tracker.audit.models import Event, EventKind
from tracker.cases.sweep import sweep
from tracker.clock import BERLIN
from tracker.extensions import db
from tracker.timers.models import Timer, TimerEffect

pytestmark = pytest.mark.resilience

#: Receipt days whose 1-month receipt confirmation falls due around a daylight-saving change: spring forward on
#: Sun 29 Mar 2026 (02:00 → 03:00), fall back on Sun 25 Oct 2026 (03:00 → 02:00).
#: The last two of each fall due in the days the clock jumps over.
RECEIVED = {
    "spring": [date(2026, 2, 25), date(2026, 2, 26), date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1),
               date(2026, 3, 4), date(2026, 3, 5)],
    "autumn": [date(2026, 9, 22), date(2026, 9, 23), date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26),
               date(2026, 10, 4), date(2026, 10, 5)],
}


def hours(start: datetime, end: datetime):
    """Every real hour from start to end (counted in UTC: Berlin's wall clock skips or repeats one)."""
    moment, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    while moment <= end:
        yield moment
        moment += timedelta(hours=1)


def sweep_at(moment: datetime) -> None:
    clock.travel_to(moment)
    sweep()


def assert_each_effect_once(cases) -> int:
    timers = {timer.id: timer for timer in db.session.scalars(select(Timer).where(Timer.case_id.in_(
        [case.id for case in cases])))}
    effects = Counter((effect.timer_pk, effect.kind, effect.due_on) for effect in db.session.scalars(
        select(TimerEffect).where(TimerEffect.timer_pk.in_(timers))))
    assert effects and set(effects.values()) == {1}
    events = Counter((event.case_id, event.kind, event.subject) for event in db.session.scalars(
        select(Event).where(Event.case_id.in_([case.id for case in cases]),
                            Event.kind.in_([EventKind.TIMER_WARNING, EventKind.TIMER_BREACHED]))))
    assert set(events.values()) == {1}
    return len(effects)


@pytest.mark.parametrize("season", sorted(RECEIVED))
def test_hourly_sweeps_across_a_daylight_saving_change_and_clock_jumps_act_once(app, make, season):
    office = make.office()
    clerk = make.user(office=office)
    first = RECEIVED[season][0]
    clock.travel_to(datetime(first.year, first.month, first.day, 9, tzinfo=BERLIN))
    cases = []
    for received in RECEIVED[season]:
        clock.travel_to(datetime(received.year, received.month, received.day, 9, tzinfo=BERLIN))
        cases.append(make.case(office=office, actor=clerk, received_on=received))

    start = datetime(first.year, first.month + 1, 20, 0, 30, tzinfo=BERLIN).astimezone(timezone.utc)
    middle = start + timedelta(days=14)  # past the change of the clocks
    for moment in hours(start, middle):
        sweep_at(moment)
    sweep_at(middle - timedelta(hours=1))  # the clock set back an hour (NTP correction)
    sweep_at(middle)
    sweep_at(middle + timedelta(days=3))  # a jump three days ahead
    for moment in hours(middle + timedelta(days=3), middle + timedelta(days=5)):
        sweep_at(moment)

    handled = assert_each_effect_once(cases)
    breached = [timer for timer in db.session.scalars(select(Timer).where(Timer.timer_id == "receipt_confirmation"))]
    assert len(breached) == len(cases) and all(timer.status == "breached" for timer in breached)
    assert handled == 2 * len(cases)  # one warning and one breach per case
    assert_breached_at_the_first_sweep_of_the_day_after(breached, until=clock.berlin_date(middle))


#: The Sundays the clocks change in Europe/Berlin in 2026.
CHANGEOVERS = (date(2026, 3, 29), date(2026, 10, 25))


def assert_breached_at_the_first_sweep_of_the_day_after(timers, until: date) -> None:
    """A deadline is breached when its last day has ended in Berlin: by the hourly sweep at 00:30 Berlin time of the
    next day, on either side of a change of the clocks (not an hour later, as a day counted in UTC would give, nor
    on the last day itself)."""
    breaches = {event.case_id: event.occurred_at for event in db.session.scalars(
        select(Event).where(Event.kind == EventKind.TIMER_BREACHED,
                            Event.case_id.in_([timer.case_id for timer in timers])))}
    swept_hourly = [timer for timer in timers if timer.due_on + timedelta(days=1) < until]
    for timer in swept_hourly:
        local = breaches[timer.case_id].astimezone(BERLIN)
        assert (local.date(), local.hour, local.minute) == (timer.due_on + timedelta(days=1), 0, 30), timer.due_on
    # Some of them end across the change of the clocks: one breached before it, one after.
    days = sorted(timer.due_on + timedelta(days=1) for timer in swept_hourly)
    assert any(day <= changeover for day in days for changeover in CHANGEOVERS)
    assert any(day > changeover and day - changeover < timedelta(days=7) for day in days for changeover in CHANGEOVERS)


def test_a_backlog_of_a_day_is_caught_up_once(app, make):
    office = make.office()
    clerk = make.user(office=office)
    clock.travel_to(datetime(2026, 2, 2, 9, tzinfo=BERLIN))
    cases = [make.case(office=office, actor=clerk, received_on=date(2026, 2, 2)) for _ in range(5)]
    clock.travel_to(datetime(2026, 3, 1, 23, 0, tzinfo=BERLIN))
    sweep()  # the last run before the scheduler stopped
    clock.travel_to(datetime(2026, 3, 2, 23, 30, tzinfo=BERLIN).astimezone(timezone.utc) + timedelta(hours=1))
    first, second = sweep(), sweep()  # back after 24 hours: the backlog at once, then nothing twice

    assert first.breaches == len(cases)
    assert second.total == 0
    assert_each_effect_once(cases)
