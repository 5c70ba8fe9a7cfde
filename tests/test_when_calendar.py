"""Calendar arithmetic in the date parsers (commands/when/): month ends, leap days, the ten-year window at its edges,
the far end of the calendar, and "the next monday" from every day of the week. Each answer is what an officer reads."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commands.when import WhenError, date_window, parse_date, parse_since, parse_when, split_date_range

D = dt.date
TODAY = D(2026, 12, 1)  # a Tuesday


def refusal(text: str, today: dt.date) -> str:
    with pytest.raises(WhenError) as info:
        parse_date(text, today=today)
    return info.value.message


# ------------------------------------------------------------------ months and years: the day kept, or the month's last

MONTHS_LATER = [
    # 31 Jan + 1 month: there is no 31 Feb, so the last day of February (28, or 29 in a leap year)
    ("next month", D(2027, 1, 31), "“next month” isn't one day: type the date, e.g. “28 Feb 2027”."),
    ("next month", D(2028, 1, 31), "“next month” isn't one day: type the date, e.g. “29 Feb 2028”."),
    ("in 1 month", D(2027, 3, 31), "e.g. “30 Apr 2027” for “in 1 month”."),
    ("in 1 month", D(2027, 8, 31), "e.g. “30 Sep 2027” for “in 1 month”."),
    # across the year end, onto December and past it
    ("in 11 months", D(2027, 1, 31), "e.g. “31 Dec 2027” for “in 11 months”."),
    ("in 12 months", D(2026, 12, 31), "e.g. “31 Dec 2027” for “in 12 months”."),
    ("in 2 months", D(2026, 12, 31), "e.g. “28 Feb 2027” for “in 2 months”."),
    ("in 14 months", D(2026, 12, 31), "e.g. “29 Feb 2028” for “in 14 months”."),
    # a leap day: a year later is 28 Feb, four years later the next leap day
    ("next year", D(2028, 2, 29), "“next year” isn't one day: type the date, e.g. “28 Feb 2029”."),
    ("in 1 year", D(2028, 2, 29), "e.g. “28 Feb 2029” for “in 1 year”."),
    ("in 4 years", D(2028, 2, 29), "e.g. “29 Feb 2032” for “in 4 years”."),
    ("in 120 months", TODAY, "e.g. “1 Dec 2036” for “in 120 months”."),
]


@pytest.mark.parametrize(("text", "today", "message"), MONTHS_LATER)
def test_months_and_years_ahead_name_the_date_to_type(text: str, today: dt.date, message: str) -> None:
    assert message in refusal(text, today)


# ------------------------------------------------------------------ the ten-year window


def test_the_window_from_a_leap_day_ends_on_28_february() -> None:
    leap_day = D(2028, 2, 29)
    assert date_window(leap_day) == (D(2018, 2, 28), D(2038, 2, 28))
    assert parse_date("2038-02-28", today=leap_day) == D(2038, 2, 28)
    assert parse_date("2018-02-28", today=leap_day) == D(2018, 2, 28)
    assert refusal("2038-03-01", leap_day) == (
        "“2038-03-01” is more than 10 years ahead; I take dates from 2018-02-28 to 2038-02-28. "
        "Please check the year: did you mean “2028-03-01”?"
    )
    assert "more than 10 years ago" in refusal("2018-02-27", leap_day)


def test_a_date_beyond_the_window_is_offered_the_same_day_in_the_nearest_year() -> None:
    """ "2037-01-01" typed for 2027-01-01 is offered 2027-01-01, not a day a month from today."""
    assert refusal("2040-01-31", D(2027, 1, 20)) == (
        "“2040-01-31” is more than 10 years ahead; I take dates from 2017-01-20 to 2037-01-20. "
        "Please check the year: did you mean “2027-01-31”?"
    )
    assert "did you mean “2027-02-28”?" in refusal("2040-02-29", D(2027, 1, 20))
    assert "did you mean “2028-12-01”?" in refusal("2040-12-01", D(2027, 12, 20))  # this year's has passed: next
    assert "did you mean “2026-03-01”?" in refusal("2006-03-01", D(2027, 1, 20))  # long ago: the last one


def test_a_look_back_from_tomorrow_is_refused_not_read_as_a_year_ago() -> None:
    """ "since:tomorrow" was read as the same day a year before, so every note of the year matched."""
    for typed in ("tomorrow", "in 3 days", "next monday"):
        with pytest.raises(WhenError, match="is still to come"):
            parse_since(typed, today=TODAY)
    assert parse_since("12 jan", today=D(2026, 12, 1)) == D(2026, 1, 12)  # the January just gone, as before


def test_a_far_count_of_weeks_is_not_offered_an_unrelated_date() -> None:
    said = refusal("in 9999 weeks", TODAY)
    assert "more than 10 years ahead" in said and "did you mean" not in said


def test_counted_days_reach_the_windows_last_day_and_no_further() -> None:
    assert parse_date("in 3653 days", today=TODAY) == D(2036, 12, 1)  # ten years, three of them leap
    assert "more than 10 years ahead" in refusal("in 3654 days", TODAY)
    assert "too far ahead to plan" in refusal("in 121 months", TODAY)


# ------------------------------------------------------------------ the ends of the calendar

FAR_ENDS = [
    ("9999-12-31", "“9999-12-31” is more than 10 years ahead; I take dates from 2016-12-01 to 2036-12-01."),
    ("0001-01-01", "“0001-01-01” is more than 10 years ago; I take dates from 2016-12-01 to 2036-12-01."),
    ("in 9999 years", "“in 9999 years” is too far ahead to plan"),
    ("in 99999999 days", "“in 99999999 days” is too far in the future."),
]


@pytest.mark.parametrize(("text", "message"), FAR_ENDS)
def test_the_ends_of_the_calendar_are_refused_as_too_far(text: str, message: str) -> None:
    assert message in refusal(text, TODAY)
    with pytest.raises(WhenError) as info:
        split_date_range([*text.split(), "visit"], today=TODAY)
    assert message.split(";")[0] in info.value.message


def test_the_calendars_last_moment_west_of_utc_is_refused_as_too_far() -> None:
    now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
    with pytest.raises(WhenError) as info:
        parse_when("9999-12-31 23:59", now=now, tz=ZoneInfo("Pacific/Pago_Pago"))
    assert "more than 10 years ahead" in info.value.message


# ------------------------------------------------------------------ weekdays: the next one after today, never today

WEEK = [D(2026, 12, 7) + dt.timedelta(days=n) for n in range(7)]  # Mon 7 Dec .. Sun 13 Dec 2026


@pytest.mark.parametrize("today", WEEK, ids=[f"{d:%a}" for d in WEEK])
def test_a_weekday_is_the_next_one_after_today(today: dt.date) -> None:
    assert parse_date("monday", today=today) == D(2026, 12, 14)
    assert parse_date("next sunday", today=today) == (D(2026, 12, 20) if today.weekday() == 6 else D(2026, 12, 13))
    assert parse_date("thursday", today=today) == (D(2026, 12, 10) if today < D(2026, 12, 10) else D(2026, 12, 17))


@pytest.mark.parametrize(
    ("today", "example"),
    [(D(2026, 12, 7), "2026-11-30"), (D(2026, 12, 8), "2026-12-07"), (D(2026, 12, 13), "2026-12-07")],
)
def test_last_monday_names_the_one_before_today(today: dt.date, example: str) -> None:
    message = refusal("last monday", today)
    assert message == f"“last monday” is in the past: please type the date itself, e.g. “{example}”."


@pytest.mark.parametrize(("today", "week"), [(D(2026, 12, 7), "Mon 14 Dec 2026"), (D(2026, 12, 13), "Sun 20 Dec 2026")])
def test_next_week_offers_the_next_monday_after_today(today: dt.date, week: str) -> None:
    assert refusal("next week", today) == (
        f"“next week” isn't one day: type “in 1 week” ({week}) or a day, e.g. “next monday” (Mon 14 Dec 2026)."
    )


def test_a_weekday_across_the_year_end() -> None:
    assert parse_date("friday", today=D(2026, 12, 31)) == D(2027, 1, 1)
    assert parse_date("Fri 1 Jan 2027", today=D(2026, 12, 31)) == D(2027, 1, 1)
