"""`flask due-date`, tested on the click command itself (no app needed)."""
import pytest
from click.testing import CliRunner

from tracker.cli.due_date import due_date_command


def run(*args):
    return CliRunner().invoke(due_date_command, list(args))


def test_prints_due_date_first():
    result = run("2026-01-15", "P1M")
    assert result.exit_code == 0
    assert result.output == "2026-02-16\n"


def test_explain_in_german_by_default_and_in_english():
    result = run("2026-01-15", "P1M", "--explain")
    assert result.output.splitlines() == [
        "2026-02-16",
        "Eingang Do 15.01.2026",
        "+ 1 Monat = So 15.02.2026",
        "Sonntag, daher nächster Werktag Mo 16.02.2026 (§ 31(3) VwVfG, § 193 BGB)",
    ]
    english = run("2026-01-15", "P1M", "--explain", "--lang", "en")
    assert english.output.splitlines()[1:] == [
        "Received Thu 15 Jan 2026",
        "+ 1 month = Sun 15 Feb 2026",
        "Sunday, so next working day Mon 16 Feb 2026 (§ 31(3) VwVfG, § 193 BGB)",
    ]


def test_english_explanation_names_the_holiday_in_british_english():
    english = run("2026-04-27", "P4D", "--explain", "--lang", "en")
    assert english.output.splitlines() == [
        "2026-05-04",
        "Received Mon 27 Apr 2026",
        "+ 4 days = Fri 1 May 2026",
        "Labour Day, so next working day Mon 4 May 2026 (§ 31(3) VwVfG, § 193 BGB)",
    ]


def test_extension_and_calendars():
    assert run("2026-01-31", "P1M", "--extend", "P1M").output == "2026-04-02\n"  # from the shifted end Mon 2 Mar (BGH IX ZB 198/04)
    assert run("2026-05-04", "P1M", "--calendar", "th").output == "2026-06-04\n"
    assert run("2026-05-04", "P1M", "--calendar", "th-fronleichnam").output == "2026-06-05\n"
    assert run("2026-01-15", "P1M", "--calendar", "none").output == "2026-02-15\n"


def test_working_days():
    result = run("2026-04-01", "--working-days", "3", "--explain")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == "2026-04-07"
    assert result.output.splitlines()[2].startswith("+ 3 Werktage (Mo–Sa, ohne Feiertage) = Di 07.04.2026")


@pytest.mark.parametrize("args, message", [
    (["2026-13-01", "P1M"], "YYYY-MM-DD"),
    (["15.01.2026", "P1M"], "YYYY-MM-DD"),
    (["20260115", "P1M"], "YYYY-MM-DD"),
    (["2026-01-15", "P1Y"], "'P1Y'"),
    (["2026-01-15", "P0D"], "'P0D'"),
    (["2026-01-15", "P1M", "--extend", "PT1H"], "'PT1H'"),
    (["2026-01-15", "P1M", "--working-days", "3"], "either PERIOD or --working-days"),
    (["2026-01-15"], "either PERIOD or --working-days"),
    (["2026-01-15", "--working-days", "0"], "--working-days"),
    (["2026-01-15", "--working-days", "3", "--extend", "P1M"], "--extend"),
    (["2026-01-15", "P1M", "--calendar", "by"], "--calendar"),
    (["9999-12-15", "P1M"], "cannot compute"),
])
def test_errors(args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # a usage error, no traceback
