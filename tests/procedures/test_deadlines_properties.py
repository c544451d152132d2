"""Properties of the deadline arithmetic that must hold for any start date, period and Thuringian calendar."""
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tracker.procedures.deadlines import (
    Period,
    add_working_days,
    compute_due,
    get_calendar,
)

starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2032, 12, 31))
units = st.sampled_from(["D", "W", "M"])
calendars = st.sampled_from(["th", "th-fronleichnam"])
MAX = {"D": 400, "W": 60, "M": 24}  # up to about two years, the longest spans in docs/law.md plus extensions


@st.composite
def periods(draw, unit=None):
    unit = unit or draw(units)
    return Period(draw(st.integers(1, MAX[unit])), unit)


@given(starts, periods(), calendars)
def test_due_is_a_working_day_not_before_the_raw_end(start, period, calendar):
    deadline = compute_due(start, period, calendar=calendar)
    cal = get_calendar(calendar)
    assert deadline.due.weekday() < 5
    assert cal.holiday_name(deadline.due) is None
    assert deadline.due >= deadline.raw_end > start
    # the shift only skips days that are not working days (§ 193 BGB moves to the NEXT working day)
    skipped = [deadline.raw_end + timedelta(days=n) for n in range((deadline.due - deadline.raw_end).days)]
    assert not any(cal.is_working_day(day) for day in skipped)


@given(starts, units.flatmap(lambda unit: st.tuples(periods(unit), periods(unit))), calendars)
def test_longer_period_never_earlier(start, pair, calendar):
    shorter, longer = sorted(pair, key=lambda period: period.amount)
    assert compute_due(start, shorter, calendar=calendar).due <= compute_due(start, longer, calendar=calendar).due


@given(starts, periods(), periods(), st.integers(0, 120), calendars)
def test_extension_and_pause_never_earlier(start, period, extension, paused_days, calendar):
    plain = compute_due(start, period, calendar=calendar)
    extended = compute_due(start, period, calendar=calendar, extension=extension)
    paused = compute_due(start, period, calendar=calendar, paused_days=paused_days)
    both = compute_due(start, period, calendar=calendar, extension=extension, paused_days=paused_days)
    assert extended.raw_end > plain.raw_end and extended.due >= plain.due
    assert paused.raw_end == plain.raw_end + timedelta(days=paused_days) and paused.due >= plain.due
    assert both.due >= max(extended.due, paused.due)


@given(starts, periods(), st.sampled_from(["th", "th-fronleichnam", "none"]))
def test_explanation_has_one_line_per_step(start, period, calendar):
    deadline = compute_due(start, period, calendar=calendar, basis="§ 6(3) BQFG")
    for lang in ("de", "en"):
        assert len(deadline.explain(lang)) == len(deadline.steps)


@given(starts, periods())
def test_missions_abroad_never_shift(start, period):
    deadline = compute_due(start, period, calendar="none")
    assert deadline.due == deadline.raw_end


@given(starts, st.integers(1, 30), calendars, st.booleans())
def test_working_day_results_are_werktage(start, count, calendar, saturday_counts):
    cal = get_calendar(calendar)
    deadline = add_working_days(start, count, calendar=calendar, saturday_counts=saturday_counts)
    due = deadline.raw_end  # the counted end; the due date is it moved off a non-working day (§ 31(3) VwVfG)
    counts = cal.is_werktag if saturday_counts else cal.is_working_day
    assert counts(due)
    assert deadline.due == (cal.next_working_day(due) if cal.shifts else due)
    # exactly `count` counted days after the trigger day, the last of them being the result
    days = [start + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(map(counts, days)) == count
