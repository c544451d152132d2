"""The one clock of the application.

Everything that asks "what time is it?" asks here, so tests (and the demo) can move time:
``clock.travel_to(datetime)`` then ``clock.advance(days=7)``. Times are stored in UTC; deadlines are calendar dates
in Europe/Berlin.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

BERLIN = ZoneInfo("Europe/Berlin")

_frozen: list[datetime | None] = [None]  # process-wide, so a test thread and the app see the same time


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    frozen = _frozen[0]
    return frozen if frozen is not None else datetime.now(timezone.utc)


def today() -> date:
    """Today's calendar date in Europe/Berlin: the day deadlines are counted in."""
    return now().astimezone(BERLIN).date()


def berlin_date(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite returns naive datetimes; we always store UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(BERLIN).date()


def travel_to(moment: datetime | date) -> None:
    """Freeze the clock (tests, demo data). A date means noon in Berlin that day."""
    if isinstance(moment, date) and not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day, 12, tzinfo=BERLIN)
    if moment.tzinfo is None:
        raise ValueError("travel_to needs an aware datetime")
    _frozen[0] = moment.astimezone(timezone.utc)


def advance(**delta) -> None:
    base = now()
    _frozen[0] = base + timedelta(**delta)


def resume() -> None:
    """Back to real time."""
    _frozen[0] = None
