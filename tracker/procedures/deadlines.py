"""German legal deadline arithmetic (docs/law.md §§ 4-6): § 31 VwVfG with §§ 187-193 BGB, which ThürVwVfG § 1(1)
extends to Thuringian authorities. Results carry language-neutral, JSON-friendly steps for German/English text."""
from __future__ import annotations

import calendar as month_calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import holidays
from holidays.constants import CATHOLIC, PUBLIC

from .labels import legal_basis
from .vocabulary import CalendarName

CALENDAR_NAMES = tuple(name.value for name in CalendarName)
LANGUAGES = ("de", "en")
MAX_AMOUNT = 9999  #: keeps every period inside the range of datetime.date

_WEEKDAYS = {
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: `holidays` names Germany's holidays in German, American English, Thai and Ukrainian only: the British names differ
#: in these.
_HOLIDAY_LANGUAGE = {"de": "de", "en": "en_US"}
_BRITISH = {"Labor Day": "Labour Day", "Pentecost Monday": "Whit Monday"}
_WORDS = {  # singular and plural per unit; "WT" = Werktag for add_working_days
    "de": {"D": ("Tag", "Tage"), "W": ("Woche", "Wochen"), "M": ("Monat", "Monate"), "WT": ("Werktag", "Werktage")},
    "en": {"D": ("day", "days"), "W": ("week", "weeks"), "M": ("month", "months"),
           "WT": ("working day", "working days")},
}
_TEXT = {  # key: (German, English)
    "start": ("Eingang {day}", "Received {day}"),
    "period": ("+ {what} = {day}", "+ {what} = {day}"),
    "pause": ("+ {what} Hemmung ({basis}) = {day}", "+ {what} suspension ({basis}) = {day}"),
    "last_day": ("Gehemmt ab {first}, dem auf einen Werktag verschobenen letzten Tag der Frist: sie endet mit der "
                 "Hemmung = {day}",
                 "Suspended from {first}, the period's last day as moved to a working day: it ends when the "
                 "suspension ends = {day}"),
    "extension": ("Verlängerung + {what} ab Fristende (§ 190 BGB) = {day}",
                  "Extension + {what} from end of period (§ 190 BGB) = {day}"),
    "shift": ("{reason}, daher nächster Werktag {day} (§ 31(3) VwVfG, § 193 BGB)",
              "{reason}, so next working day {day} (§ 31(3) VwVfG, § 193 BGB)"),
    "until": ("verlängert bis {day} (mitgeteiltes Fristende)", "Extended until {day} (end date communicated)"),
    "named": ("Fristende mit Hinweis auf § 31(3) S. 2 VwVfG benannt, keine Verschiebung",
              "End day named with reference to § 31(3) s. 2 VwVfG, no shift"),
    "also": (" (auch Feiertag: {names})", " (also a holiday: {names})"),
    "no_shift": ("{reason}, keine Verschiebung (Kalender ohne Feiertage, Auslandsvertretung)",
                 "{reason}, no shift (no holiday calendar, mission abroad)"),
    "working_days": ("+ {what} ({week}, ohne Feiertage) = {day}", "+ {what} (Werktage: {week}, not holidays) = {day}"),
    "week": (("Mo–Fr", "Mo–Sa"), ("Mon–Fri", "Mon–Sat")),
    "skipped": (" (übersprungen: {names})", " (skipped: {names})"),
    "basis": ("Rechtsgrundlage {basis}", "Legal basis {basis}"),
    "fixed": ("Von der Behörde gesetzte Frist bis {day} (§ 31(2) VwVfG), keine gesetzliche Frist",
              "Deadline set by the authority until {day} (§ 31(2) VwVfG), not a statutory one"),
}


def _lang(lang: str) -> str:
    """Reduce "de", "de_DE", "en-GB" … to "de" or "en"."""
    code = str(lang).replace("-", "_").split("_")[0].lower()
    if code not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; use one of: {', '.join(LANGUAGES)}")
    return code


def format_day(d: date, lang: str) -> str:
    """"Do 15.01.2026" in German, "Thu 15 Jan 2026" in English (independent of the process locale)."""
    lang = _lang(lang)
    weekday = _WEEKDAYS[lang][d.weekday()]
    if lang == "de":
        return f"{weekday[:2]} {d:%d.%m.%Y}"
    return f"{weekday[:3]} {d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def _count(amount: int, unit: str, lang: str) -> str:
    one, many = _WORDS[lang][unit]
    return f"{amount} {one if amount == 1 else many}"


@lru_cache(maxsize=256)
def _holiday_table(categories: tuple[str, ...], year: int, lang: str) -> dict[date, str]:
    """One year of Thuringian holidays; language always explicit, else `holidays` follows LANG/LC_* ."""
    if not categories:
        return {}
    language = _HOLIDAY_LANGUAGE[lang]
    table = holidays.country_holidays("DE", subdiv="TH", years=year, categories=categories, language=language)
    if lang == "en":
        return {day: _BRITISH.get(name, name) for day, name in table.items()}
    return dict(table)


@dataclass(frozen=True)
class Calendar:
    """Holidays, and whether period ends move off non-working days (docs/law.md § 5). `th`: ThürFGtG § 2(1).
    `th-fronleichnam`: plus Corpus Christi (§ 2(2), § 10(1) ThürFGtG; `holidays` category "catholic"), a per-office
    option. `none`, missions abroad (open point 3): no holidays and no shift, deadlines end on their last day."""

    name: str
    categories: tuple[str, ...] = ()
    shifts: bool = True

    def holiday_name(self, d: date, lang: str = "de") -> str | None:
        return _holiday_table(self.categories, d.year, _lang(lang)).get(d)

    def is_working_day(self, d: date) -> bool:
        """Mon–Fri and not a holiday: the days § 31(3) VwVfG / § 193 BGB move an end to."""
        return d.weekday() < 5 and self.holiday_name(d) is None

    def is_werktag(self, d: date) -> bool:
        """Mon–Sat and not a holiday: a "Werktag" in the reading of docs/law.md open point 2."""
        return d.weekday() < 6 and self.holiday_name(d) is None

    def next_working_day(self, d: date) -> date:
        while not self.is_working_day(d):
            d += timedelta(days=1)
        return d

    def end_of(self, d: date) -> date:
        """The day a period whose last day is `d` ends: moved off a non-working day where this calendar shifts."""
        return self.next_working_day(d) if self.shifts else d


_CALENDARS = {
    CalendarName.TH: Calendar(CalendarName.TH, (PUBLIC,)),
    CalendarName.TH_FRONLEICHNAM: Calendar(CalendarName.TH_FRONLEICHNAM, (PUBLIC, CATHOLIC)),
    CalendarName.NONE: Calendar(CalendarName.NONE, (), shifts=False),
}


def get_calendar(name: str) -> Calendar:
    """The shared calendar of that name; holidays load lazily, per year and language."""
    try:
        return _CALENDARS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown calendar {name!r}; use one of: {', '.join(CALENDAR_NAMES)}") from None


def _as_calendar(calendar: Calendar | str) -> Calendar:
    """Calendars are resolved by name: explanations store the name and look holiday names up again later."""
    return get_calendar(calendar.name if isinstance(calendar, Calendar) else calendar)


@dataclass(frozen=True)
class Period:
    """A deadline length in days ("D"), weeks ("W") or months ("M"); years are written as months."""

    amount: int
    unit: str

    def __post_init__(self):
        if self.unit not in ("D", "W", "M") or type(self.amount) is not int or not 1 <= self.amount <= MAX_AMOUNT:
            raise ValueError(f"invalid period {self.amount!r} {self.unit!r}: need 1-{MAX_AMOUNT} of D, W or M")

    def __str__(self) -> str:
        return f"P{self.amount}{self.unit}"

    def describe(self, lang: str = "de") -> str:
        return _count(self.amount, self.unit, _lang(lang))


_PERIOD_PATTERN = re.compile(r"P([1-9][0-9]{0,3})([DWM])")  # 1 to MAX_AMOUNT


def parse_period(text: str) -> Period:
    """Parse P10D, P2W, P1M …: ISO 8601 with a single day, week or month part. Mixed (P1Y2M), time (PT1H),
    zero or negative durations are refused, because §§ 187-188 BGB count only whole days, weeks and months."""
    match = _PERIOD_PATTERN.fullmatch(text.strip().upper()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"invalid period {text!r}: use an ISO 8601 duration in days, weeks or months, e.g. P2W, P1M")
    return Period(int(match[1]), match[2])


def _as_period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def add_period(start: date, period: Period) -> date:
    """Last day of a period triggered by an event on `start`, before any weekend/holiday shift.

    The trigger day is not counted (§ 187(1) BGB). Day periods end with their last day (§ 188(1)); week and
    month periods on the day with the trigger day's weekday name or day number (§ 188(2)); if that day number
    is missing, on the month's last day (§ 188(3)): 31 Jan + P1M = 28/29 Feb.
    """
    if period.unit == "D":
        return start + timedelta(days=period.amount)
    if period.unit == "W":
        return start + timedelta(weeks=period.amount)
    months = start.month - 1 + period.amount
    year, month = start.year + months // 12, months % 12 + 1
    return date(year, month, min(start.day, month_calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Step:
    """One line of an explanation, language-neutral: `key` picks the wording, `day` the date shown."""

    key: str
    day: date | None
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Deadline:
    due: date  #: the date to show: raw_end moved to a working day where the calendar shifts
    raw_end: date  #: end of the period(s) before the § 31(3) VwVfG / § 193 BGB shift
    steps: tuple[Step, ...]

    def explain(self, lang: str = "de") -> list[str]:
        lang = _lang(lang)
        return [_capitalised(_explain(step, lang)) for step in self.steps]


def _holidays_in(calendar: str, first: date, last: date, lang: str) -> str:
    """"Ostermontag Mo 06.04.2026, …" for the holidays from first to last (inclusive)."""
    cal, names, day = get_calendar(calendar), [], first
    while day <= last:
        if name := cal.holiday_name(day, lang):
            names.append(f"{name} {format_day(day, lang)}")
        day += timedelta(days=1)
    return ", ".join(names)


def _capitalised(line: str) -> str:
    """Every line starts with a capital, whatever comes first (a start label from a definition, a holiday)."""
    return line[:1].upper() + line[1:]


def _explain(step: Step, lang: str) -> str:
    text, params = {key: pair[LANGUAGES.index(lang)] for key, pair in _TEXT.items()}, step.params
    day = format_day(step.day, lang) if step.day else ""
    if step.key == "start":
        label = params.get("label")
        return f"{label} {day}" if label else text["start"].format(day=day)
    if step.key == "last_day":
        return text["last_day"].format(first=format_day(date.fromisoformat(params["first"]), lang), day=day)
    if step.key in ("period", "extension"):
        return text[step.key].format(what=parse_period(params["period"]).describe(lang), day=day)
    if step.key == "pause":
        return text["pause"].format(what=_count(params["days"], "D", lang), day=day,
                                    basis=legal_basis(params.get("basis", "§ 6(4) BQFG"), lang))
    if step.key in ("shift", "no_shift"):
        end = date.fromisoformat(params["from"])
        cal = get_calendar(params["calendar"])
        reason = cal.holiday_name(end, lang) or _WEEKDAYS[lang][end.weekday()]
        line = text[step.key].format(reason=reason, day=day)
        also = _holidays_in(cal.name, end + timedelta(days=1), step.day - timedelta(days=1), lang)
        return line + text["also"].format(names=also) if also else line
    if step.key == "working_days":
        what = _count(params["count"], "WT", lang)
        line = text["working_days"].format(what=what, week=text["week"][params["saturday_counts"]], day=day)
        first = date.fromisoformat(params["from"]) + timedelta(days=1)
        skipped = _holidays_in(params["calendar"], first, step.day, lang)
        return line + text["skipped"].format(names=skipped) if skipped else line
    if step.key in ("fixed", "until", "named"):
        return text[step.key].format(day=day)
    if step.key == "basis":
        return text["basis"].format(basis=legal_basis(params["basis"], lang))
    raise ValueError(f"unknown explanation step {step.key!r}")


def _framed(start: date, start_label: str | None, steps: list[Step], basis: str | None) -> tuple[Step, ...]:
    """The trigger line first, the legal basis last."""
    first = Step("start", start, {"label": start_label} if start_label else {})
    return (first, *steps, *((Step("basis", None, {"basis": basis}),) if basis else ()))


def compute_due(start: date, period: Period | str, *, calendar: Calendar | str = CalendarName.TH,
                extension: Period | str | None = None, paused_days: int = 0, basis: str | None = None,
                start_label: str | None = None, pause_basis: str = "§ 6(4) BQFG",
                extended_until: date | None = None, extension_paused_days: int = 0,
                last_day_suspension: tuple[date, date] | None = None) -> Deadline:
    """Due date of a period triggered on `start` (receipt, complete documents …).

    1. raw end = add_period(start, period): § 31(1) VwVfG with §§ 187(1), 188 BGB.
    2. + paused_days calendar days: suspension (Hemmung) while a deadline set by the body runs, § 6(4)/§ 13(4)
       BQFG, time not counted as in § 209 BGB (docs/law.md open point 5: the pause lasts the set deadline's length;
       the caller decides that length and flags edge cases).
       With `last_day_suspension` (first suspended day, its end): a suspension that began after the last day of
       the period so far but on or before the working day its end moves to (§ 31(3) s. 1 VwVfG) found the period
       on its last day; nothing of it is left but that day, so it ends when the suspension ends, as with a
       suspension that begins on an unmoved last day, never while it is suspended.
    3. + extension, running from the end of the previous period (§ 190 BGB) as shifted by step 4 (docs/law.md open
       point 4: BGH IX ZB 198/04, the extended part begins only when the next working day ends); or, with
       `extended_until`, the end date communicated with the extension, which governs instead; then
       + extension_paused_days: a suspension inside the extension suspends the extended period too (it is still
       the period of § 6(3) that § 6(4) BQFG suspends), so those days count from the extended end, not before it.
    4. end on a Saturday, Sunday or holiday → next working day (§ 31(3) s. 1 VwVfG, § 193 BGB), also for
       deadlines binding the authority (docs/law.md § 4, our reading). Calendar `none` (missions abroad, open
       point 3) neither knows holidays nor shifts: the deadline ends on its last day.
    An end date communicated with an extension is shifted like any end (step 4): the extension form does not name
    it "unter Hinweis auf" § 31(3) s. 2 VwVfG, the only case in which it would stand.
    """
    period, cal = _as_period(period), _as_calendar(calendar)
    for days in (paused_days, extension_paused_days):
        if type(days) is not int or days < 0:
            raise ValueError(f"suspended days must be a whole number >= 0, not {days!r}")
    end = add_period(start, period)
    steps = [Step("period", end, {"period": str(period)})]
    if paused_days:
        end += timedelta(days=paused_days)
        steps.append(Step("pause", end, {"days": paused_days, "basis": pause_basis}))
    if last_day_suspension is not None and last_day_suspension[1] > end:
        end = last_day_suspension[1]
        steps.append(Step("last_day", end, {"first": last_day_suspension[0].isoformat()}))
    if extended_until is not None:
        steps.append(Step("until", extended_until))
        end = extended_until
    elif extension is not None:
        extension = _as_period(extension)
        shifted = cal.next_working_day(end) if cal.shifts else end
        if shifted != end:
            steps.append(Step("shift", shifted, {"from": end.isoformat(), "calendar": cal.name}))
        end = add_period(shifted, extension)
        steps.append(Step("extension", end, {"period": str(extension)}))
    if extension_paused_days and (extended_until is not None or extension is not None):
        end += timedelta(days=extension_paused_days)
        steps.append(Step("pause", end, {"days": extension_paused_days, "basis": pause_basis}))
    due = cal.next_working_day(end) if cal.shifts else end
    if due != end:
        steps.append(Step("shift", due, {"from": end.isoformat(), "calendar": cal.name}))
    elif not cal.shifts and end.weekday() >= 5:
        steps.append(Step("no_shift", end, {"from": end.isoformat(), "calendar": cal.name}))
    return Deadline(due=due, raw_end=end, steps=_framed(start, start_label, steps, basis))


def add_working_days(start: date, count: int, *, calendar: Calendar | str = CalendarName.TH, basis: str | None = None,
                     start_label: str | None = None, saturday_counts: bool = True) -> Deadline:
    """The `count`-th Werktag after `start`, e.g. the 3 Werktage of § 81a(3) no. 3 AufenthG.

    The trigger day is not counted (§ 187(1) BGB). With saturday_counts a Werktag is Mon–Sat and not a holiday
    (docs/law.md open point 2, recommended reading because it gives the earlier date); otherwise Mon–Fri. The result
    is then moved off a Saturday, Sunday or holiday like any other period end (§ 31(3) s. 1 VwVfG, docs/law.md § 7).
    Calendar `none` has no holidays but still skips Sundays (and Saturdays if they do not count).
    """
    cal = _as_calendar(calendar)
    if type(count) is not int or not 1 <= count <= MAX_AMOUNT:
        raise ValueError(f"count must be a whole number from 1 to {MAX_AMOUNT}, not {count!r}")
    counts = cal.is_werktag if saturday_counts else cal.is_working_day
    day, left = start, count
    while left:
        day += timedelta(days=1)
        if counts(day):
            left -= 1
    params = {"count": count, "saturday_counts": saturday_counts, "calendar": cal.name, "from": start.isoformat()}
    steps = [Step("working_days", day, params)]
    due = cal.next_working_day(day) if cal.shifts else day
    if due != day:  # § 31(3) s. 1 VwVfG: "Fällt das Ende einer Frist auf … einen Sonnabend …" – Werktage too
        steps.append(Step("shift", due, {"from": day.isoformat(), "calendar": cal.name}))
    return Deadline(due=due, raw_end=day, steps=_framed(start, start_label, steps, basis))


def set_by_authority(start: date, due: date, *, basis: str | None = None, start_label: str | None = None,
                     calendar: Calendar | str | None = None, end_named: bool = False) -> Deadline:
    """A deadline the authority set to a date (e.g. for missing documents): it starts the day after notification
    (§ 31(2) VwVfG) and ends on the date set, moved off a Saturday, Sunday or holiday (§ 31(3) s. 1) unless the
    letter named that end day with reference to § 31(3) s. 2 (`end_named`). Without a calendar: no shift."""
    steps = [Step("fixed", due)]
    shifted = due
    if calendar is not None and not end_named:
        cal = _as_calendar(calendar)
        shifted = cal.next_working_day(due) if cal.shifts else due
        if shifted != due:
            steps.append(Step("shift", shifted, {"from": due.isoformat(), "calendar": cal.name}))
    elif end_named and calendar is not None and not get_calendar(_as_calendar(calendar).name).is_working_day(due):
        steps.append(Step("named", due))
    return Deadline(due=shifted, raw_end=due, steps=_framed(start, start_label, steps, basis))
