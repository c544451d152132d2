"""Worked cases for tracker.procedures.deadlines, derived by hand from docs/law.md §§ 4-6.

Weekday anchors: 1 Jan 2026 is a Thursday, 1 Jan 2027 a Friday, 1 Jan 2028 a Saturday (2028 is a leap year).
Holiday dates are those of docs/law.md § 5's table.
"""
from datetime import date

import pytest

from tracker.procedures.deadlines import (
    CALENDAR_NAMES,
    Period,
    add_period,
    add_working_days,
    compute_due,
    format_day,
    get_calendar,
    parse_period,
)

D = date.fromisoformat

# start, period, calendar, extension, paused_days, raw end, due
CASES = [
    # -- month ends, § 188(2)-(3) BGB --
    ("2026-01-15", "P1M", "th", None, 0, "2026-02-15", "2026-02-16"),  # same day number; Sun 15 Feb -> Mon
    ("2026-01-31", "P1M", "th", None, 0, "2026-02-28", "2026-03-02"),  # no 31 Feb -> 28 Feb (Sat) -> Mon 2 Mar
    ("2028-01-31", "P1M", "th", None, 0, "2028-02-29", "2028-02-29"),  # leap year: 29 Feb 2028 is a Tuesday
    ("2027-11-30", "P3M", "th", None, 0, "2028-02-29", "2028-02-29"),  # 30 Nov + 3 months: 30 Feb missing -> 29
    ("2026-03-31", "P1M", "th", None, 0, "2026-04-30", "2026-04-30"),  # no 31 Apr -> Thu 30 Apr, a working day
    # -- days and weeks, § 188(1)-(2) BGB; trigger day not counted, § 187(1) --
    ("2026-01-05", "P10D", "th", None, 0, "2026-01-15", "2026-01-15"),  # Mon 5 + 10 days = Thu 15 Jan
    ("2026-01-15", "P10D", "th", None, 0, "2026-01-25", "2026-01-26"),  # Sun 25 Jan -> Mon 26
    ("2026-01-15", "P2W", "th", None, 0, "2026-01-29", "2026-01-29"),  # § 14a(2) BQFG 2 weeks: Thu -> Thu
    ("2026-01-17", "P1W", "th", None, 0, "2026-01-24", "2026-01-26"),  # BA week (§ 36(2) BeschV): Sat -> Mon
    # -- New Year and Christmas chains --
    ("2025-12-01", "P1M", "th", None, 0, "2026-01-01", "2026-01-02"),  # Neujahr Thu 1 Jan 2026 -> Fri 2 Jan
    ("2025-11-25", "P1M", "th", None, 0, "2025-12-25", "2025-12-29"),  # Thu 25, Fri 26 (holidays), Sat 27, Sun 28
    ("2026-11-26", "P1M", "th", None, 0, "2026-12-26", "2026-12-28"),  # 26 Dec 2026 is a Saturday holiday -> Mon 28
    ("2027-12-11", "P2W", "th", None, 0, "2027-12-25", "2027-12-27"),  # Sat 25 / Sun 26 Dec 2027 -> Mon 27
    ("2027-12-01", "P1M", "th", None, 0, "2028-01-01", "2028-01-03"),  # Neujahr 2028 is a Saturday -> Mon 3 Jan
    ("2026-12-22", "P10D", "th", None, 0, "2027-01-01", "2027-01-04"),  # Neujahr Fri 1 Jan 2027 + weekend -> Mon 4
    # -- Easter: Good Friday + weekend + Easter Monday --
    ("2026-03-03", "P1M", "th", None, 0, "2026-04-03", "2026-04-07"),  # Karfreitag Fri 3 Apr 2026 -> Tue 7 Apr
    ("2028-01-14", "P3M", "th", None, 0, "2028-04-14", "2028-04-18"),  # Karfreitag Fri 14 Apr 2028 -> Tue 18 Apr
    ("2027-03-15", "P2W", "th", None, 0, "2027-03-29", "2027-03-30"),  # Ostermontag Mon 29 Mar 2027 -> Tue 30
    # -- 1 May --
    ("2026-04-01", "P1M", "th", None, 0, "2026-05-01", "2026-05-04"),  # Fri 1 May 2026 -> Mon 4 May
    ("2027-04-01", "P1M", "th", None, 0, "2027-05-01", "2027-05-03"),  # Sat 1 May 2027 -> Mon 3 May
    ("2028-04-01", "P1M", "th", None, 0, "2028-05-01", "2028-05-02"),  # Mon 1 May 2028 -> Tue 2 May
    # -- Ascension (Thursday) and Whit Monday --
    ("2026-04-14", "P1M", "th", None, 0, "2026-05-14", "2026-05-15"),  # Christi Himmelfahrt Thu 14 May 2026 -> Fri
    ("2028-04-25", "P1M", "th", None, 0, "2028-05-25", "2028-05-26"),  # Christi Himmelfahrt Thu 25 May 2028 -> Fri
    ("2026-04-25", "P1M", "th", None, 0, "2026-05-25", "2026-05-26"),  # Pfingstmontag Mon 25 May 2026 -> Tue
    ("2028-05-05", "P1M", "th", None, 0, "2028-06-05", "2028-06-06"),  # Pfingstmontag Mon 5 Jun 2028 -> Tue
    # -- Thuringian specials and Unity Day --
    ("2027-08-20", "P1M", "th", None, 0, "2027-09-20", "2027-09-21"),  # Weltkindertag Mon 20 Sep 2027 -> Tue
    ("2026-08-20", "P1M", "th", None, 0, "2026-09-20", "2026-09-21"),  # Weltkindertag on Sun 20 Sep 2026 -> Mon
    ("2028-09-03", "P1M", "th", None, 0, "2028-10-03", "2028-10-04"),  # Unity Day Tue 3 Oct 2028 -> Wed
    ("2028-10-17", "P2W", "th", None, 0, "2028-10-31", "2028-11-01"),  # Reformationstag Tue 31 Oct 2028 -> Wed
    # -- Fronleichnam: a holiday only in the th-fronleichnam calendar (ThürFGtG § 2(2)) --
    ("2026-05-04", "P1M", "th", None, 0, "2026-06-04", "2026-06-04"),  # Thu 4 Jun 2026: working day in plain th
    ("2026-05-04", "P1M", "th-fronleichnam", None, 0, "2026-06-04", "2026-06-05"),  # ... holiday in Eichsfeld
    ("2027-04-27", "P1M", "th", None, 0, "2027-05-27", "2027-05-27"),  # Thu 27 May 2027, plain th
    ("2027-04-27", "P1M", "th-fronleichnam", None, 0, "2027-05-27", "2027-05-28"),  # Fronleichnam -> Fri 28
    ("2028-06-01", "P2W", "th-fronleichnam", None, 0, "2028-06-15", "2028-06-16"),  # Fronleichnam 15 Jun 2028
    ("2026-04-03", "P1M", "th-fronleichnam", None, 0, "2026-05-03", "2026-05-04"),  # public holidays still apply
    # -- calendar none (missions abroad, open point 3): no holidays, no shift --
    ("2026-01-15", "P1M", "none", None, 0, "2026-02-15", "2026-02-15"),  # Sunday end stays
    ("2026-03-03", "P1M", "none", None, 0, "2026-04-03", "2026-04-03"),  # Good Friday means nothing abroad
    ("2025-11-25", "P1M", "none", None, 0, "2025-12-25", "2025-12-25"),  # nor does Christmas
    ("2026-01-10", "P3W", "none", None, 0, "2026-01-31", "2026-01-31"),  # § 31a(2) AufenthV 3 weeks, ends Sat
    # -- extension from the SHIFTED end (§ 190 BGB; BGH IX ZB 198/04, LAW.md open point 4) --
    ("2026-01-31", "P1M", "th", "P1M", 0, "2026-04-02", "2026-04-02"),  # Sat 28 Feb -> Mon 2 Mar + 1M = Thu 2 Apr
    ("2026-01-03", "P3M", "th", "P1M", 0, "2026-05-07", "2026-05-07"),  # Good Fri 3 Apr -> Tue 7 Apr + 1M = Thu 7 May
    ("2026-01-15", "P3M", "th", "P2W", 0, "2026-04-29", "2026-04-29"),  # Wed 15 Apr + 2 weeks = Wed 29 Apr
    # -- suspension: paused days added as calendar days (§ 6(4) BQFG, § 209 BGB analogy, open point 5) --
    ("2026-01-02", "P3M", "th", None, 14, "2026-04-16", "2026-04-16"),  # Thu 2 Apr + 14 = Thu 16 Apr
    ("2026-01-15", "P3M", "th", None, 16, "2026-05-01", "2026-05-04"),  # Wed 15 Apr + 16 = 1 May (Fri) -> Mon 4
    ("2026-01-02", "P3M", "th", "P1M", 14, "2026-05-16", "2026-05-18"),  # pause, then extension: Sat 16 May -> Mon
]


@pytest.mark.parametrize("start, period, calendar, extension, paused, raw_end, due", CASES)
def test_compute_due(start, period, calendar, extension, paused, raw_end, due):
    deadline = compute_due(D(start), period, calendar=calendar, extension=extension, paused_days=paused)
    assert (deadline.raw_end, deadline.due) == (D(raw_end), D(due))


# start, count, calendar, saturday_counts, due
WORKING_DAY_CASES = [
    ("2026-01-15", 3, "th", True, "2026-01-19"),  # Thu: Fri 16, Sat 17, (Sun), Mon 19
    ("2026-01-15", 3, "th", False, "2026-01-20"),  # Mon-Fri reading: Fri 16, Mon 19, Tue 20
    ("2026-01-14", 3, "th", True, "2026-01-19"),  # Wed: Thu, Fri, Sat 17 -> Mon 19 (§ 31(3) s. 1 VwVfG, rule 1)
    ("2026-04-01", 3, "th", True, "2026-04-07"),  # Wed: Thu 2, (Good Friday), Sat 4, (Sun), (Easter Mon), Tue 7
    ("2026-04-01", 3, "th", False, "2026-04-08"),  # Mon-Fri: Thu 2, Tue 7, Wed 8
    ("2026-12-23", 3, "th", True, "2026-12-29"),  # Thu 24 (not a holiday), 25/26 Dec, Sun, Mon 28, Tue 29
    ("2026-06-02", 2, "th", True, "2026-06-04"),  # Tue: Wed 3, Thu 4 (Fronleichnam not kept)
    ("2026-06-02", 2, "th-fronleichnam", True, "2026-06-05"),  # Wed 3, (Fronleichnam), Fri 5
    ("2026-04-02", 2, "none", True, "2026-04-04"),  # abroad: Good Friday counts, Sat 4 counts
    ("2026-01-16", 1, "none", True, "2026-01-17"),  # Fri + 1 Werktag = Sat, even abroad
]


@pytest.mark.parametrize("start, count, calendar, saturday_counts, due", WORKING_DAY_CASES)
def test_add_working_days(start, count, calendar, saturday_counts, due):
    deadline = add_working_days(D(start), count, calendar=calendar, saturday_counts=saturday_counts)
    assert deadline.due == D(due)


def test_same_end_for_one_week_and_seven_days():
    assert add_period(D("2026-03-05"), Period(1, "W")) == add_period(D("2026-03-05"), Period(7, "D"))


def test_periods_may_be_given_as_objects():
    assert compute_due(D("2026-01-15"), Period(1, "M"), calendar=get_calendar("th")).due == D("2026-02-16")


# -- explanations --

def test_explain_weekend_shift_in_both_languages():
    deadline = compute_due(D("2026-01-15"), "P1M", basis="§ 6(2) BQFG")
    assert deadline.explain("de") == [
        "Eingang Do 15.01.2026",
        "+ 1 Monat = So 15.02.2026",
        "Sonntag, daher nächster Werktag Mo 16.02.2026 (§ 31(3) VwVfG, § 193 BGB)",
        "Rechtsgrundlage § 6(2) BQFG",
    ]
    assert deadline.explain("en") == [
        "Received Thu 15 Jan 2026",
        "+ 1 month = Sun 15 Feb 2026",
        "Sunday, so next working day Mon 16 Feb 2026 (§ 31(3) VwVfG, § 193 BGB)",
        "Legal basis § 6(2) BQFG",
    ]
    assert deadline.explain() == deadline.explain("de")


def test_explain_names_holidays_from_the_holidays_package():
    deadline = compute_due(D("2026-03-03"), "P1M")
    assert deadline.explain("de")[-1] == (
        "Karfreitag, daher nächster Werktag Di 07.04.2026 (§ 31(3) VwVfG, § 193 BGB) (auch Feiertag: Ostermontag Mo 06.04.2026)"
    )
    assert deadline.explain("en")[-1] == (
        "Good Friday, so next working day Tue 7 Apr 2026 (§ 31(3) VwVfG, § 193 BGB) (also a holiday: Easter Monday Mon 6 Apr 2026)"
    )


def test_explain_pause_extension_and_start_label():
    deadline = compute_due(D("2026-01-02"), "P3M", paused_days=14, extension="P1M",
                           start_label="Unterlagen vollständig", basis="§ 6(3) BQFG")
    assert deadline.explain("de") == [
        "Unterlagen vollständig Fr 02.01.2026",
        "+ 3 Monate = Do 02.04.2026",
        "+ 14 Tage Hemmung (§ 6(4) BQFG) = Do 16.04.2026",
        "Verlängerung + 1 Monat ab Fristende (§ 190 BGB) = Sa 16.05.2026",
        "Samstag, daher nächster Werktag Mo 18.05.2026 (§ 31(3) VwVfG, § 193 BGB)",
        "Rechtsgrundlage § 6(3) BQFG",
    ]
    english = compute_due(D("2026-01-02"), "P3M", paused_days=1, extension="P2W", start_label="documents complete")
    assert english.explain("en") == [
        "Documents complete Fri 2 Jan 2026",
        "+ 3 months = Thu 2 Apr 2026",
        "+ 1 day suspension (§ 6(4) BQFG) = Fri 3 Apr 2026",
        "Good Friday, so next working day Tue 7 Apr 2026 (§ 31(3) VwVfG, § 193 BGB) (also a holiday: Easter Monday "
        "Mon 6 Apr 2026)",
        "Extension + 2 weeks from end of period (§ 190 BGB) = Tue 21 Apr 2026",
    ]


def test_a_suspension_inside_the_extension_counts_from_the_extended_end():
    # Complete Sat 03.01.2026: 3 months to Good Friday 03.04. -> Tue 07.04.; + 1 month = Thu 07.05.; 14 days
    # suspended inside the extension: Thu 21.05. (story 45). Added before the extension: Mon 18.05.
    deadline = compute_due(D("2026-01-03"), "P3M", extension="P1M", extension_paused_days=14)
    assert (deadline.raw_end, deadline.due) == (D("2026-05-21"), D("2026-05-21"))
    assert compute_due(D("2026-01-03"), "P3M", extension="P1M", paused_days=14).due == D("2026-05-18")
    assert deadline.explain("de")[-1] == "+ 14 Tage Hemmung (§ 6(4) BQFG) = Do 21.05.2026"
    communicated = compute_due(D("2026-01-03"), "P3M", extended_until=D("2026-05-06"), extension_paused_days=14)
    assert communicated.due == D("2026-05-20")
    # without an extension there is no extension period to suspend
    assert compute_due(D("2026-01-03"), "P3M", extension_paused_days=14).due == D("2026-04-07")


def test_explain_no_shift_abroad():
    deadline = compute_due(D("2026-01-15"), "P1M", calendar="none")
    assert deadline.explain("de")[-1] == "Sonntag, keine Verschiebung (Kalender ohne Feiertage, Auslandsvertretung)"
    assert deadline.explain("en")[-1] == "Sunday, no shift (no holiday calendar, mission abroad)"


def test_explain_working_days():
    deadline = add_working_days(D("2026-04-01"), 3, basis="§ 81a(3) Nr. 3 AufenthG")
    assert deadline.explain("de") == [
        "Eingang Mi 01.04.2026",
        "+ 3 Werktage (Mo–Sa, ohne Feiertage) = Di 07.04.2026 "
        "(übersprungen: Karfreitag Fr 03.04.2026, Ostermontag Mo 06.04.2026)",
        "Rechtsgrundlage § 81a(3) Nr. 3 AufenthG",
    ]
    assert add_working_days(D("2026-01-15"), 1, saturday_counts=False).explain("en") == [
        "Received Thu 15 Jan 2026",
        "+ 1 working day (Werktage: Mon–Fri, not holidays) = Fri 16 Jan 2026",
    ]


def test_every_explanation_line_starts_with_a_capital_in_both_languages():
    cases = [compute_due(D("2026-01-02"), "P3M", paused_days=1, extension="P2W", start_label="documents complete",
                         basis="§ 6(3) BQFG"),
             compute_due(D("2026-03-03"), "P1M"), compute_due(D("2026-01-15"), "P1M", calendar="none"),
             add_working_days(D("2026-04-01"), 3, basis="§ 81a(3) Nr. 3 AufenthG")]
    for lang in ("de", "en"):
        for deadline in cases:
            for line in deadline.explain(lang):
                assert not line[0].islower(), (lang, line)


def test_english_holiday_names_are_british():
    th = get_calendar("th")
    assert th.holiday_name(D("2026-05-01"), "en") == "Labour Day"
    assert th.holiday_name(D("2026-05-25"), "en") == "Whit Monday"
    assert th.holiday_name(D("2026-05-01"), "de") == "Erster Mai"
    assert compute_due(D("2026-04-27"), "P4D").explain("en")[-1] == "Labour Day, so next working day Mon 4 May 2026 (§ 31(3) VwVfG, § 193 BGB)"


def test_steps_are_language_neutral():
    deadline = compute_due(D("2026-01-15"), "P1M")
    assert [step.key for step in deadline.steps] == ["start", "period", "shift"]
    assert deadline.steps[1].params == {"period": "P1M"}


def test_explain_rejects_unknown_language():
    with pytest.raises(ValueError, match="fr"):
        compute_due(D("2026-01-15"), "P1M").explain("fr")


# -- periods --

@pytest.mark.parametrize("text, amount, unit, de, en", [
    ("P10D", 10, "D", "10 Tage", "10 days"),
    ("P1D", 1, "D", "1 Tag", "1 day"),
    ("P1W", 1, "W", "1 Woche", "1 week"),
    ("P2W", 2, "W", "2 Wochen", "2 weeks"),
    ("P1M", 1, "M", "1 Monat", "1 month"),
    ("P3M", 3, "M", "3 Monate", "3 months"),
])
def test_parse_period(text, amount, unit, de, en):
    period = parse_period(text)
    assert period == Period(amount, unit)
    assert str(period) == text
    assert (period.describe("de"), period.describe("en")) == (de, en)


@pytest.mark.parametrize("text", [
    "P0D",  # zero length is no deadline
    "P-1D", "-P1D",  # negative
    "PT1H", "PT24H",  # time parts: §§ 187-188 BGB count whole days
    "P1Y2M", "P1Y", "P1M2D",  # mixed or unsupported units
    "P1.5M", "P01M",  # fractions, leading zeros
    "1M", "P", "", "month", "P10000D",  # not ISO or beyond MAX_AMOUNT
])
def test_parse_period_rejects(text):
    with pytest.raises(ValueError) as error:
        parse_period(text)
    assert repr(text) in str(error.value)


def test_period_validates_direct_construction():
    with pytest.raises(ValueError):
        Period(0, "D")
    with pytest.raises(ValueError):
        Period(1, "Y")


# -- calendars and formatting --

def test_calendars():
    th, catholic, none = (get_calendar(name) for name in CALENDAR_NAMES)
    assert get_calendar("th") is th
    assert th.holiday_name(D("2026-04-03")) == "Karfreitag"
    assert th.holiday_name(D("2026-04-03"), "en") == "Good Friday"
    assert th.holiday_name(D("2026-06-04")) is None
    assert catholic.holiday_name(D("2026-06-04")) == "Fronleichnam"
    assert none.holiday_name(D("2026-12-25")) is None
    assert th.is_werktag(D("2026-01-17")) and not th.is_working_day(D("2026-01-17"))  # Saturday
    assert not th.is_werktag(D("2026-01-18"))  # Sunday
    assert not th.is_werktag(D("2026-12-26"))  # Saturday, but a holiday
    assert th.next_working_day(D("2026-01-15")) == D("2026-01-15")
    assert th.next_working_day(D("2026-04-03")) == D("2026-04-07")


def test_unknown_calendar():
    with pytest.raises(ValueError, match="'by'.*th, th-fronleichnam, none"):
        get_calendar("by")
    with pytest.raises(ValueError, match="'by'"):
        compute_due(D("2026-01-15"), "P1M", calendar="by")


def test_format_day():
    assert format_day(D("2026-01-15"), "de") == "Do 15.01.2026"
    assert format_day(D("2026-01-15"), "en") == "Thu 15 Jan 2026"
    assert format_day(D("2026-03-02"), "en") == "Mon 2 Mar 2026"
    assert format_day(D("2026-09-07"), "en-GB") == "Mon 7 Sep 2026"
    assert format_day(D("2026-01-18"), "de_DE") == "So 18.01.2026"


def test_bad_counts():
    with pytest.raises(ValueError):
        compute_due(D("2026-01-15"), "P1M", paused_days=-1)
    with pytest.raises(ValueError):
        add_working_days(D("2026-01-15"), 0)


def test_a_thuerbqfg_reading_note_is_said_in_the_pages_language():
    # LAW.md open point 1: "mirrors BQFG – verify" until the ThürBQFG wording is checked; German pages say it in
    # German, the sections stay as written.
    deadline = compute_due(date(2026, 3, 2), "P3M", basis="§ 13(3) ThürBQFG (mirrors BQFG – verify)")
    assert "Rechtsgrundlage § 13(3) ThürBQFG (entspricht BQFG – zu prüfen)" in deadline.explain("de")
    assert "Legal basis § 13(3) ThürBQFG (mirrors BQFG – verify)" in deadline.explain("en")
