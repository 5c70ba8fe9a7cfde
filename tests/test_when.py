"""Table tests for commands.when: every accepted form and every refusal, with exact UTC results."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from commands.language import CommandError
from commands.when import (
    ACCEPTED_FORMS,
    ReadButRefused,
    WhenError,
    describe,
    parse_date,
    parse_since,
    parse_when,
    split_date_range,
    split_when,
)

UTC = dt.UTC
TOKYO = ZoneInfo("Asia/Tokyo")
FIJI = ZoneInfo("Pacific/Fiji")
TONGA = ZoneInfo("Pacific/Tongatapu")
NEW_YORK = ZoneInfo("America/New_York")

# Tue 1 Dec 2026 10:00 JST
NOW_TOKYO = dt.datetime(2026, 12, 1, 10, 0, tzinfo=TOKYO)
# Thu 31 Dec 2026 23:30 in Fiji (UTC+12), given in UTC
NOW_FIJI = dt.datetime(2026, 12, 31, 11, 30, tzinfo=UTC)
# 31 Dec 2026 12:00 UTC is already Fri 1 Jan 2027 01:00 in Tonga (UTC+13)
NOW_TONGA = dt.datetime(2026, 12, 31, 12, 0, tzinfo=UTC)
# Sat 13 Mar 2027 10:00 EST; clocks spring forward 02:00 -> 03:00 on Sun 14 Mar
NOW_NY_SPRING = dt.datetime(2027, 3, 13, 10, 0, tzinfo=NEW_YORK)
# Sat 13 Mar 2027 02:30 EST: the same wall clock tomorrow does not exist
NOW_NY_SPRING_EARLY = dt.datetime(2027, 3, 13, 2, 30, tzinfo=NEW_YORK)
# Sat 6 Nov 2027 12:00 EDT; clocks fall back 02:00 -> 01:00 on Sun 7 Nov
NOW_NY_FALL = dt.datetime(2027, 11, 6, 12, 0, tzinfo=NEW_YORK)

TODAY = dt.date(2026, 12, 1)  # a Tuesday


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# ------------------------------------------------------------------ parse_when

WHEN_OK = [
    # --- Tokyo, now Tue 1 Dec 2026 10:00 JST (01:00Z)
    ("tomorrow", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tomorrow 09:00", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tmrw 09:00", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),  # chat shorthand, read back in the reply
    ("nxt tuesday 9am", NOW_TOKYO, TOKYO, utc(2026, 12, 8, 0, 0)),
    ("Tomorrow 9:00", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tomorrow at 9am", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tomorrow 9 am", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tomorrow 9 a.m.", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tomorrow @ 9AM", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("9am tomorrow", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("at 9am tomorrow", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tomorrow 0900", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tomorrow 0900h", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tomorrow 0930hrs", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 30)),
    ("tomorrow noon", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 3, 0)),
    ("tomorrow 9:30pm", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 12, 30)),
    ("tomorrow 9:30 pm", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 12, 30)),
    ("tomorrow 12am", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 15, 0)),
    ("tomorrow 12pm", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 3, 0)),
    ("tomorrow 14:30:15", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 5, 30, 15)),
    ("today 11:00", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 2, 0)),
    ("tuesday", NOW_TOKYO, TOKYO, utc(2026, 12, 8, 0, 0)),  # today is Tuesday: the next one
    ("next tuesday 9am", NOW_TOKYO, TOKYO, utc(2026, 12, 8, 0, 0)),
    ("next tue", NOW_TOKYO, TOKYO, utc(2026, 12, 8, 0, 0)),
    ("tue 14:00", NOW_TOKYO, TOKYO, utc(2026, 12, 8, 5, 0)),
    ("wednesday", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("on friday at 14:30", NOW_TOKYO, TOKYO, utc(2026, 12, 4, 5, 30)),
    ("14:30 on friday", NOW_TOKYO, TOKYO, utc(2026, 12, 4, 5, 30)),
    ("sun", NOW_TOKYO, TOKYO, utc(2026, 12, 6, 0, 0)),
    ("2026-12-05", NOW_TOKYO, TOKYO, utc(2026, 12, 5, 0, 0)),
    ("2026-12-05 14:30", NOW_TOKYO, TOKYO, utc(2026, 12, 5, 5, 30)),
    ("2026-12-05T14:30", NOW_TOKYO, TOKYO, utc(2026, 12, 5, 5, 30)),
    ("14:30 2026-12-05", NOW_TOKYO, TOKYO, utc(2026, 12, 5, 5, 30)),
    ("2026/12/05 14:30", NOW_TOKYO, TOKYO, utc(2026, 12, 5, 5, 30)),
    ("12 Jan 2027 9am", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("12 Jan 2027", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("Jan 12 2027 9am", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("January 12, 2027 at 09:00", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("12 January 2027 09:00", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("12th of January 2027 9am", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("12JAN2027 0900", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("12-Jan-2027 0900", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("Tue 12 Jan 2027 09:00", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("Tuesday, 12 January 2027 9am", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("9am 12 Jan 2027", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),
    ("12 Jan", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 0, 0)),  # next 12 Jan
    ("12 Jan 1430", NOW_TOKYO, TOKYO, utc(2027, 1, 12, 5, 30)),  # 1430 is a time, not a year
    ("1 Dec 11:00", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 2, 0)),  # "on or after today"
    ("in 2 hours", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 3, 0)),
    ("in 2 hrs", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 3, 0)),
    ("in 2h", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 3, 0)),
    ("in two hours", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 3, 0)),
    ("in an hour", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 2, 0)),
    ("in 1 hour", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 2, 0)),
    ("in 1 hr", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 2, 0)),
    ("in 15 minutes", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 1, 15)),
    ("in 15 mins", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 1, 15)),
    ("in 90 seconds", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 1, 1, 30)),
    ("in half an hour", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 1, 30)),
    ("in 90s", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 1, 1, 30)),
    ("in 2 hours 30 minutes", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 3, 30)),
    ("in 2 hours and 30 minutes", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 3, 30)),
    ("in 3 days", NOW_TOKYO, TOKYO, utc(2026, 12, 4, 1, 0)),  # same wall clock
    ("in a day", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 1, 0)),
    ("in 2 weeks", NOW_TOKYO, TOKYO, utc(2026, 12, 15, 1, 0)),
    ("in 1 week and 2 days", NOW_TOKYO, TOKYO, utc(2026, 12, 10, 1, 0)),
    ("in 1 day 2 hours", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 3, 0)),
    ("in 3 days 14:00", NOW_TOKYO, TOKYO, utc(2026, 12, 4, 5, 0)),
    ("in 3 days at 2pm", NOW_TOKYO, TOKYO, utc(2026, 12, 4, 5, 0)),
    ("14:30", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 5, 30)),  # still ahead today
    ("09:00", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),  # passed today: tomorrow
    ("at 9am", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("noon", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 3, 0)),
    ("tonight", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 11, 0)),
    ("tonight 22:30", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 13, 30)),
    ("tonight at 9pm", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 12, 0)),
    # --- Fiji (UTC+12), now Thu 31 Dec 2026 23:30 local
    ("tomorrow 09:00", NOW_FIJI, FIJI, utc(2026, 12, 31, 21, 0)),
    ("friday", NOW_FIJI, FIJI, utc(2026, 12, 31, 21, 0)),
    ("12 Jan", NOW_FIJI, FIJI, utc(2027, 1, 11, 21, 0)),
    ("31 Dec 23:45", NOW_FIJI, FIJI, utc(2026, 12, 31, 11, 45)),
    ("00:15", NOW_FIJI, FIJI, utc(2026, 12, 31, 12, 15)),
    ("in 2 days", NOW_FIJI, FIJI, utc(2027, 1, 2, 11, 30)),
    ("in 45 minutes", NOW_FIJI, FIJI, utc(2026, 12, 31, 12, 15)),
    # --- Tonga (UTC+13): already 1 Jan 2027 01:00 local while UTC is still 31 Dec
    ("today 09:00", NOW_TONGA, TONGA, utc(2026, 12, 31, 20, 0)),
    ("today", NOW_TONGA, TONGA, utc(2026, 12, 31, 20, 0)),
    ("tomorrow 09:00", NOW_TONGA, TONGA, utc(2027, 1, 1, 20, 0)),
    ("friday", NOW_TONGA, TONGA, utc(2027, 1, 7, 20, 0)),
    ("next friday 9am", NOW_TONGA, TONGA, utc(2027, 1, 7, 20, 0)),
    ("00:30", NOW_TONGA, TONGA, utc(2027, 1, 1, 11, 30)),
    ("tonight", NOW_TONGA, TONGA, utc(2027, 1, 1, 7, 0)),
    ("2027-01-01 14:00", NOW_TONGA, TONGA, utc(2027, 1, 1, 1, 0)),
    # --- New York, spring forward (Sun 14 Mar 2027 02:00 EST -> 03:00 EDT)
    ("tomorrow 09:00", NOW_NY_SPRING, NEW_YORK, utc(2027, 3, 14, 13, 0)),  # EDT
    ("2027-03-14 01:30", NOW_NY_SPRING, NEW_YORK, utc(2027, 3, 14, 6, 30)),  # still EST
    ("2027-03-14 02:30", NOW_NY_SPRING, NEW_YORK, utc(2027, 3, 14, 7, 30)),  # skipped: 03:30 EDT
    ("2027-03-14 03:30", NOW_NY_SPRING, NEW_YORK, utc(2027, 3, 14, 7, 30)),
    ("02:30", NOW_NY_SPRING, NEW_YORK, utc(2027, 3, 14, 7, 30)),  # tomorrow's 02:30 is skipped
    ("in 1 day", NOW_NY_SPRING, NEW_YORK, utc(2027, 3, 14, 14, 0)),  # 10:00 EDT, wall clock kept
    ("in 24 hours", NOW_NY_SPRING, NEW_YORK, utc(2027, 3, 14, 15, 0)),  # elapsed: 11:00 EDT
    ("in 1 week", NOW_NY_SPRING, NEW_YORK, utc(2027, 3, 20, 14, 0)),
    ("in 1 day", NOW_NY_SPRING_EARLY, NEW_YORK, utc(2027, 3, 14, 7, 30)),  # 02:30 -> 03:30 EDT
    # --- New York, fall back (Sun 7 Nov 2027 02:00 EDT -> 01:00 EST)
    ("2027-11-07 01:30", NOW_NY_FALL, NEW_YORK, utc(2027, 11, 7, 5, 30)),  # first 01:30 (EDT)
    ("2027-11-07 00:30", NOW_NY_FALL, NEW_YORK, utc(2027, 11, 7, 4, 30)),
    ("2027-11-07 02:30", NOW_NY_FALL, NEW_YORK, utc(2027, 11, 7, 7, 30)),  # EST
    ("tomorrow 09:00", NOW_NY_FALL, NEW_YORK, utc(2027, 11, 7, 14, 0)),  # EST
    ("in 1 day", NOW_NY_FALL, NEW_YORK, utc(2027, 11, 7, 17, 0)),  # 12:00 EST, wall clock kept
    ("in 24 hours", NOW_NY_FALL, NEW_YORK, utc(2027, 11, 7, 16, 0)),  # elapsed: 11:00 EST
    # --- a dot between hour and minutes, and the hour with an h (Tokyo, now Tue 1 Dec 2026 10:00 JST)
    ("tomorrow 9.30am", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 30)),
    ("tomorrow 9.30 a.m.", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 30)),
    ("9.30pm", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 12, 30)),  # with am/pm it can be no date
    ("tomorrow 9.30", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 30)),  # after a date it can only be a time
    ("9.30 tomorrow", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 30)),
    ("tonight 21.30", NOW_TOKYO, TOKYO, utc(2026, 12, 1, 12, 30)),
    ("tomorrow 21h", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 12, 0)),
    ("tomorrow 9hrs", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 0)),
    ("tomorrow 21h30", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 12, 30)),
    ("tomorrow 930h", NOW_TOKYO, TOKYO, utc(2026, 12, 2, 0, 30)),
]


@pytest.mark.parametrize(("text", "now", "tz", "expected"), WHEN_OK)
def test_parse_when_accepts(text, now, tz, expected):
    got = parse_when(text, now=now, tz=tz)
    assert got == expected
    assert got.utcoffset() == dt.timedelta(0)
    assert got.tzinfo == UTC


def test_parse_when_default_time():
    got = parse_when("tomorrow", now=NOW_TOKYO, tz=TOKYO, default_time=dt.time(8, 0))
    assert got == utc(2026, 12, 1, 23, 0)
    # an explicit time wins over the default
    got = parse_when("tomorrow 14:00", now=NOW_TOKYO, tz=TOKYO, default_time=dt.time(8, 0))
    assert got == utc(2026, 12, 2, 5, 0)


def test_parse_when_keeps_seconds_of_now_for_relative():
    now = dt.datetime(2026, 12, 1, 10, 0, 7, 500, tzinfo=TOKYO)
    assert parse_when("in 2 minutes", now=now, tz=TOKYO) == utc(2026, 12, 1, 1, 2, 7, 500)


WHEN_REFUSED = [
    # (text, now, tz, piece of the message)
    ("today 09:00", NOW_TOKYO, TOKYO, "That time has already passed: Tue 1 Dec 2026 09:00 JST (Asia/Tokyo)."),
    ("today", NOW_TOKYO, TOKYO, "That time has already passed: Tue 1 Dec 2026 09:00 JST (Asia/Tokyo)."),
    ("1 Dec", NOW_TOKYO, TOKYO, "already passed: Tue 1 Dec 2026 09:00 JST"),
    ("2026-11-30 14:00", NOW_TOKYO, TOKYO, "already passed: Mon 30 Nov 2026 14:00 JST"),
    ("today 10:00", NOW_TOKYO, TOKYO, "already passed"),  # exactly now is not the future
    (
        "2027-01-01 00:30",
        NOW_TONGA,
        TONGA,
        "That time has already passed: Fri 1 Jan 2027 00:30 UTC+13 (Pacific/Tongatapu).",
    ),
    ("31 Dec", NOW_FIJI, FIJI, "That time has already passed: Thu 31 Dec 2026 09:00 UTC+12 (Pacific/Fiji)."),
    (
        "03/04/2027",
        NOW_TOKYO,
        TOKYO,
        "“03/04/2027” is ambiguous: it could be 2027-03-04 (4 March) or 2027-04-03 (3 April).",
    ),
    ("3/4/27", NOW_TOKYO, TOKYO, "could be 2027-03-04 (4 March) or 2027-04-03 (3 April)"),
    ("03.04.2027", NOW_TOKYO, TOKYO, "could be 2027-03-04 (4 March) or 2027-04-03 (3 April)"),
    ("03-04-2027 9am", NOW_TOKYO, TOKYO, "could be 2027-03-04 (4 March) or 2027-04-03 (3 April)"),
    ("13/04/2027", NOW_TOKYO, TOKYO, "ambiguous"),
    ("13/04/2027", NOW_TOKYO, TOKYO, "YYYY-MM-DD, e.g. 2027-04-13"),
    ("04/04/2027 14:00", NOW_TOKYO, TOKYO, "e.g. 2027-04-04"),
    ("3/4 9am", NOW_TOKYO, TOKYO, "“3/4” is ambiguous: it could be 4 March or 3 April."),
    # one reading only: said as that date, not as an ambiguity, with the form to type
    ("31/12 9am", NOW_TOKYO, TOKYO, "“31/12” can only be 31 December"),
    ("31/12", NOW_TOKYO, TOKYO, "Please write it as 31 December or as YYYY-MM-DD."),
    ("2027-02-30", NOW_TOKYO, TOKYO, "“2027-02-30” isn't a real date: February 2027 has 28 days."),
    ("30 Feb 2027 9am", NOW_TOKYO, TOKYO, "February 2027 has 28 days"),
    ("2027-13-01", NOW_TOKYO, TOKYO, "there is no month 13"),
    ("31 Apr", NOW_TOKYO, TOKYO, "there is no 31 April"),
    ("Jan", NOW_TOKYO, TOKYO, "“Jan” needs a day of the month too"),
    ("Jan 2027", NOW_TOKYO, TOKYO, "needs a day of the month too"),
    ("may", NOW_TOKYO, TOKYO, "needs a day of the month too"),
    ("12 Jan 27", NOW_TOKYO, TOKYO, "Please write the year in full"),
    ("Mon 12 Jan 2027", NOW_TOKYO, TOKYO, "12 January 2027 is a Tuesday, not a Monday."),
    ("tomorrow 9", NOW_TOKYO, TOKYO, "Is “9” a time? Please write 9am, 9pm or 09:00."),
    ("tomorrow at 17", NOW_TOKYO, TOKYO, "Please write 17:00."),
    ("9", NOW_TOKYO, TOKYO, "Is “9” a time?"),
    ("tomorrow 25:00", NOW_TOKYO, TOKYO, "“25:00” isn't a time of day"),
    ("tomorrow 12:60", NOW_TOKYO, TOKYO, "“12:60” isn't a time of day"),
    ("tomorrow 13pm", NOW_TOKYO, TOKYO, "with am/pm the hour goes from 1 to 12"),
    ("tomorrow 0am", NOW_TOKYO, TOKYO, "with am/pm the hour goes from 1 to 12"),
    ("tomorrow 2500h", NOW_TOKYO, TOKYO, "“2500h” isn't a time of day"),
    ("midnight", NOW_TOKYO, TOKYO, "“midnight” is ambiguous"),
    ("tomorrow midnight", NOW_TOKYO, TOKYO, "“midnight” is ambiguous"),
    ("tonight 9am", NOW_TOKYO, TOKYO, "mixes tonight with a morning time"),
    ("in 1.5 hours", NOW_TOKYO, TOKYO, "Please use whole numbers"),
    ("in 1/2 hours", NOW_TOKYO, TOKYO, "Please use whole numbers"),
    ("in 0 minutes", NOW_TOKYO, TOKYO, "is right now"),
    ("in 99999999999 days", NOW_TOKYO, TOKYO, "too far in the future"),
    ("in 99999999999 hours", NOW_TOKYO, TOKYO, "too far in the future"),
    ("in 2 hours 9am", NOW_TOKYO, TOKYO, "I couldn't read “in 2 hours 9am” as a date or time."),
    ("in 2 fortnights", NOW_TOKYO, TOKYO, "I couldn't read"),
    ("in 2 hours 3 hours", NOW_TOKYO, TOKYO, "I couldn't read"),
    ("in", NOW_TOKYO, TOKYO, "I couldn't read"),
    ("xyz", NOW_TOKYO, TOKYO, "I couldn't read “xyz” as a date or time."),
    ("next", NOW_TOKYO, TOKYO, "I couldn't read"),
    ("next month", NOW_TOKYO, TOKYO, "“next month” isn't one day: type the date, e.g. “1 Jan 2027”."),
    ("yesterday", NOW_TOKYO, TOKYO, "“yesterday” is in the past; please give a time ahead, e.g. “tomorrow 09:00”"),
    ("last friday", NOW_TOKYO, TOKYO, "“last friday” is in the past"),
    (
        "next week",
        NOW_TOKYO,
        TOKYO,
        "“next week” isn't one day: type “in 1 week” (Tue 8 Dec 2026) or a day, e.g. “next monday” (Mon 7 Dec 2026).",
    ),
    ("fryday 9am", NOW_TOKYO, TOKYO, "I don't know “fryday”: did you mean friday?"),
    ("tomorow", NOW_TOKYO, TOKYO, "did you mean tomorrow?"),
    (
        "in -5 minutes",
        NOW_TOKYO,
        TOKYO,
        "“in -5 minutes” counts backwards; please give a time ahead, e.g. “in 5 minutes”",
    ),
    ("in 500 years", NOW_TOKYO, TOKYO, "“in 500 years” is too far ahead to plan"),
    (
        "in 2 months",
        NOW_TOKYO,
        TOKYO,
        "not months or years: type the date itself, e.g. “1 Feb 2027” for “in 2 months”.",
    ),
    ("now", NOW_TOKYO, TOKYO, "I couldn't read"),
    ("tomorrow may", NOW_TOKYO, TOKYO, "I couldn't read"),
    ("20270112", NOW_TOKYO, TOKYO, "I couldn't read"),
    ("14.30", NOW_TOKYO, TOKYO, "I couldn't read"),
    ("12 Jan 1999", NOW_TOKYO, TOKYO, "I couldn't read"),
    ("", NOW_TOKYO, TOKYO, "Please say when"),
    ("   ", NOW_TOKYO, TOKYO, "Please say when"),
    # alone, "9.30" may be a date and "21h" a while from now: both readings said, with what to type
    ("9.30", NOW_TOKYO, TOKYO, "“9.30” can only be 30 September"),
    ("9.30", NOW_TOKYO, TOKYO, "For the time 09:30, type “09:30”."),
    ("14.30", NOW_TOKYO, TOKYO, "write the time with a colon, “14:30”"),
    ("21h", NOW_TOKYO, TOKYO, "“21h” could be 21:00 or 21 hours from now: type “21:00” or “in 21 hours”."),
    ("tomorrow 24h", NOW_TOKYO, TOKYO, "“24h” isn't a time of day"),
    ("tomorrow 9.75", NOW_TOKYO, TOKYO, "“9.75” isn't a time of day"),
]


def forms_listed(error: WhenError) -> str | None:
    """What a refusal lists: every form of date we read, unless the form was read and names no day ("2027-02-30")
    or a day refused for what it is (past, an end before its start): the reason says it all, and the command's usage
    follows."""
    return None if isinstance(error, ReadButRefused) else ACCEPTED_FORMS


@pytest.mark.parametrize(("text", "now", "tz", "message"), WHEN_REFUSED)
def test_parse_when_refuses(text, now, tz, message):
    with pytest.raises(WhenError) as info:
        parse_when(text, now=now, tz=tz)
    assert message in str(info.value)
    assert info.value.hint == forms_listed(info.value)
    assert isinstance(info.value, CommandError)  # a refusal like any other, turned into a reply by Bot.run


def test_parse_when_needs_aware_now():
    with pytest.raises(ValueError) as info:
        parse_when("tomorrow", now=dt.datetime(2026, 12, 1, 10, 0), tz=TOKYO)
    assert not isinstance(info.value, WhenError)


# ------------------------------------------------------------------ parse_date

DATE_OK = [
    ("2027-01-12", dt.date(2027, 1, 12)),
    ("2027-1-12", dt.date(2027, 1, 12)),
    ("2027/01/12", dt.date(2027, 1, 12)),
    ("12 Jan 2027", dt.date(2027, 1, 12)),
    ("Jan 12 2027", dt.date(2027, 1, 12)),
    ("12 January 2027", dt.date(2027, 1, 12)),
    ("January 12, 2027", dt.date(2027, 1, 12)),
    ("12th January 2027", dt.date(2027, 1, 12)),
    ("12th of January, 2027", dt.date(2027, 1, 12)),
    ("12JAN2027", dt.date(2027, 1, 12)),
    ("12-jan-2027", dt.date(2027, 1, 12)),
    ("Tue 12 Jan 2027", dt.date(2027, 1, 12)),
    ("on 12 Jan 2027", dt.date(2027, 1, 12)),
    ("  12   JANUARY   2027 ", dt.date(2027, 1, 12)),
    ("3 Sept 2027", dt.date(2027, 9, 3)),
    ("today", dt.date(2026, 12, 1)),
    ("tomorrow", dt.date(2026, 12, 2)),
    ("tuesday", dt.date(2026, 12, 8)),  # today is Tuesday: the next one, never today
    ("next tuesday", dt.date(2026, 12, 8)),
    ("Tues", dt.date(2026, 12, 8)),
    ("wed", dt.date(2026, 12, 2)),
    ("next Monday", dt.date(2026, 12, 7)),
    ("sunday", dt.date(2026, 12, 6)),
    ("in 3 days", dt.date(2026, 12, 4)),
    ("in 2 weeks", dt.date(2026, 12, 15)),
    ("in a week", dt.date(2026, 12, 8)),
    ("in 1 week 2 days", dt.date(2026, 12, 10)),
    ("12 Jan", dt.date(2027, 1, 12)),  # no year: next one on or after today
    ("Jan 12", dt.date(2027, 1, 12)),
    ("1 Dec", dt.date(2026, 12, 1)),  # today counts
    ("30 Nov", dt.date(2027, 11, 30)),
    ("29 Feb", dt.date(2028, 2, 29)),  # next leap day
    ("2020-05-01", dt.date(2020, 5, 1)),  # past dates are fine for dates
    ("1 May 2020", dt.date(2020, 5, 1)),
]


@pytest.mark.parametrize(("text", "expected"), DATE_OK)
def test_parse_date_accepts(text, expected):
    assert parse_date(text, today=TODAY) == expected


def test_parse_date_uses_the_given_today():
    assert parse_date("tomorrow", today=dt.date(2027, 2, 28)) == dt.date(2027, 3, 1)
    assert parse_date("12 Jan", today=dt.date(2027, 1, 13)) == dt.date(2028, 1, 12)


DATE_REFUSED = [
    ("03/04/2027", "“03/04/2027” is ambiguous: it could be 2027-03-04 (4 March) or 2027-04-03 (3 April)."),
    ("3/4/27", "Please write the date as YYYY-MM-DD."),
    ("03.04.2027", "ambiguous"),
    ("25/12/2027", "e.g. 2027-12-25"),
    ("31/31/2027", "isn't a real date either way round"),
    ("3/4", "could be 4 March or 3 April"),
    ("2027-02-29", "February 2027 has 28 days"),
    ("29 Feb 2027", "February 2027 has 28 days"),
    ("31 Apr", "there is no 31 April"),
    ("0 Jan 2027", "January 2027 has 31 days"),
    ("Jan", "“Jan” needs a day of the month too, e.g. “12 Jan 2027”."),
    ("Jan 2027", "needs a day of the month too"),
    ("12 Jan 27", "Please write the year in full in “12 Jan 27”"),
    ("Mon 12 Jan 2027", "12 January 2027 is a Tuesday, not a Monday."),
    ("in 2 hours", "I couldn't read “in 2 hours” as a date."),
    ("tomorrow 09:00", "I couldn't read"),
    ("in 0 days", "is right now"),
    ("garbage", "I couldn't read “garbage” as a date."),
    ("next", "I couldn't read"),
    ("", "Please give a date"),
    ("yesterday", "“yesterday” is in the past: please type the date itself, e.g. “2026-11-30”."),
    ("12 janaury 2027", "I don't know “janaury”: did you mean january?"),
    ("febuary 3", "did you mean february?"),
    ("wensday", "did you mean wednesday?"),
    ("next week", "type “in 1 week” (Tue 8 Dec 2026) or a day, e.g. “next monday”"),
    ("in 500 years", "too far ahead"),
]


@pytest.mark.parametrize(("text", "message"), DATE_REFUSED)
def test_parse_date_refuses(text, message):
    with pytest.raises(WhenError) as info:
        parse_date(text, today=TODAY)
    assert message in str(info.value)
    assert info.value.hint == forms_listed(info.value)


# ------------------------------------------------------------------ split_when

SPLIT_OK = [
    ("tomorrow 09:00 send agenda to the DA", utc(2026, 12, 2, 0, 0), "send agenda to the DA"),
    ("in 2 hours confirm transport", utc(2026, 12, 1, 3, 0), "confirm transport"),
    ("next tuesday 9am draft the trip report", utc(2026, 12, 8, 0, 0), "draft the trip report"),
    ("2026-12-05 14:30 call the PFSO", utc(2026, 12, 5, 5, 30), "call the PFSO"),
    ("tomorrow may be late", utc(2026, 12, 2, 0, 0), "may be late"),
    ("friday may be late", utc(2026, 12, 4, 0, 0), "may be late"),
    ("tomorrow at 9am call the DA", utc(2026, 12, 2, 0, 0), "call the DA"),
    ("tomorrow at the port", utc(2026, 12, 2, 0, 0), "at the port"),
    ("tomorrow 9 am call", utc(2026, 12, 2, 0, 0), "call"),
    ("12 Jan 2027 9am brief the ambassador", utc(2027, 1, 12, 0, 0), "brief the ambassador"),
    ("January 12, 2027 brief", utc(2027, 1, 12, 0, 0), "brief"),
    ("Tue 12 Jan 2027 at 9:30 pm brief", utc(2027, 1, 12, 12, 30), "brief"),
    ("in 90 seconds test", utc(2026, 12, 1, 1, 1, 30), "test"),
    ("in 2 hours and 30 minutes call", utc(2026, 12, 1, 3, 30), "call"),
    ("in 3 days 14:00 follow up", utc(2026, 12, 4, 5, 0), "follow up"),
    ("sun check the ISPS file", utc(2026, 12, 6, 0, 0), "check the ISPS file"),
    ("3 mar meeting", utc(2027, 3, 3, 0, 0), "meeting"),
    ("14:30 call", utc(2026, 12, 1, 5, 30), "call"),
    ("tonight send sitrep", utc(2026, 12, 1, 11, 0), "send sitrep"),
    ("tomorrow, send agenda", utc(2026, 12, 2, 0, 0), "send agenda"),
    ("tomorrow", utc(2026, 12, 2, 0, 0), ""),
]


@pytest.mark.parametrize(("text", "expected", "rest"), SPLIT_OK)
def test_split_when(text, expected, rest):
    moment, remaining = split_when(text.split(), now=NOW_TOKYO, tz=TOKYO)
    assert moment == expected
    assert remaining == rest.split()


def test_split_when_keeps_case_of_remaining_words_and_default_time():
    moment, rest = split_when(["Tomorrow", "Send", "AGENDA"], now=NOW_TOKYO, tz=TOKYO, default_time=dt.time(7, 15))
    assert moment == utc(2026, 12, 1, 22, 15)
    assert rest == ["Send", "AGENDA"]


def test_split_when_across_dst():
    moment, rest = split_when(["in", "1", "day", "check"], now=NOW_NY_SPRING, tz=NEW_YORK)
    assert (moment, rest) == (utc(2027, 3, 14, 14, 0), ["check"])


SPLIT_REFUSED = [
    ("", "Please say when"),
    ("send agenda to the DA", "I couldn't find a date or time at the start of “send agenda to the DA”."),
    ("send the agenda to the DA please", "“send the agenda to the …”"),
    ("may be late", "at the start of “may be late”"),
    ("03/04/2027 call", "ambiguous"),
    ("today 09:00 call", "That time has already passed: Tue 1 Dec 2026 09:00 JST (Asia/Tokyo)."),
    ("tomorrow 25:00 call", "“25:00” isn't a time of day"),
    ("tomorrow 9 call", "Is “9” a time?"),
    ("2027-02-30 call", "isn't a real date"),
    ("yesterday call the DA", "“yesterday” is in the past; please give a time ahead"),
    ("fryday call the DA", "I don't know “fryday”: did you mean friday?"),
    ("12 janaury 2027 call", "did you mean january?"),  # not "Is “12” a time?"
    ("next week call the DA", "type “in 1 week”"),
    ("in -5 minutes call", "counts backwards"),
    ("in 500 years call", "too far ahead"),
    (
        "someday call",
        "I couldn't find a date or time at the start of “someday call”.",
    ),  # "someday" is no misspelt sunday
]


@pytest.mark.parametrize(("text", "message"), SPLIT_REFUSED)
def test_split_when_refuses(text, message):
    with pytest.raises(WhenError) as info:
        split_when(text.split(), now=NOW_TOKYO, tz=TOKYO)
    assert message in str(info.value)
    assert info.value.hint == forms_listed(info.value)


# ------------------------------------------------------------------ split_date_range

D = dt.date
RANGE_OK = [
    ("2027-01-12 to 2027-01-16 country visit", D(2027, 1, 12), D(2027, 1, 16), "country visit"),
    ("12 Jan 2027 capacity building PFSO seminar", D(2027, 1, 12), None, "capacity building PFSO seminar"),
    ("12 Jan 2027 - 16 Jan 2027 seminar", D(2027, 1, 12), D(2027, 1, 16), "seminar"),
    ("2027-01-12 – 2027-01-14 port visit", D(2027, 1, 12), D(2027, 1, 14), "port visit"),
    ("12 Jan 2027 until 16 Jan port visit", D(2027, 1, 12), D(2027, 1, 16), "port visit"),
    ("January 12, 2027 to January 16, 2027 visit", D(2027, 1, 12), D(2027, 1, 16), "visit"),
    ("28 Dec to 3 Jan holiday", D(2026, 12, 28), D(2027, 1, 3), "holiday"),
    ("2027-01-12 to 2027-01-12 one day", D(2027, 1, 12), D(2027, 1, 12), "one day"),
    ("2027-01-12 to discuss port security", D(2027, 1, 12), None, "to discuss port security"),
    ("12 Jan 2027 - capacity building", D(2027, 1, 12), None, "capacity building"),
    ("12 May 27 delegates", D(2027, 5, 12), None, "27 delegates"),
    ("tomorrow to in 3 days visit", D(2026, 12, 2), D(2026, 12, 4), "visit"),
    ("next tuesday PFSO meeting", D(2026, 12, 8), None, "PFSO meeting"),
    ("2020-05-01 to 2020-05-03 past visit", D(2020, 5, 1), D(2020, 5, 3), "past visit"),
    ("2027-01-12", D(2027, 1, 12), None, ""),
    # two dates side by side are a range; a word-date after a date belongs to the title
    ("2027-01-12 2027-01-16 seminar", D(2027, 1, 12), D(2027, 1, 16), "seminar"),
    ("12 Jan 2027 16 Jan 2027 seminar", D(2027, 1, 12), D(2027, 1, 16), "seminar"),
    ("2027-01-12 tuesday meeting", D(2027, 1, 12), None, "tuesday meeting"),
    ("2027-01-12 24/7 watch", D(2027, 1, 12), None, "24/7 watch"),
    ("2027-01-12 3 delegates", D(2027, 1, 12), None, "3 delegates"),
    # day-day month [year]
    ("12-16 Jan 2027 port visit suva", D(2027, 1, 12), D(2027, 1, 16), "port visit suva"),
    ("12–16 Jan 2027", D(2027, 1, 12), D(2027, 1, 16), ""),
    ("12 - 16 January 2027 seminar", D(2027, 1, 12), D(2027, 1, 16), "seminar"),
    ("12 to 16 Jan 2027 seminar", D(2027, 1, 12), D(2027, 1, 16), "seminar"),
    ("Jan 12-16, 2027 seminar", D(2027, 1, 12), D(2027, 1, 16), "seminar"),
    ("12-16 Jan seminar", D(2027, 1, 12), D(2027, 1, 16), "seminar"),
    ("1st-3rd Feb 2027", D(2027, 2, 1), D(2027, 2, 3), ""),
    # a weekday ending a range is the next one after the range's start, not after today
    ("next tuesday to friday reciprocal visit", D(2026, 12, 8), D(2026, 12, 11), "reciprocal visit"),
    ("thursday to next monday", D(2026, 12, 3), D(2026, 12, 7), ""),
    ("2027-01-12 to friday seminar", D(2027, 1, 12), D(2027, 1, 15), "seminar"),
    ("friday to friday", D(2026, 12, 4), D(2026, 12, 11), ""),
]


@pytest.mark.parametrize(("text", "start", "end", "rest"), RANGE_OK)
def test_split_date_range(text, start, end, rest):
    assert split_date_range(text.split(), today=TODAY) == (start, end, rest.split())


def test_split_date_range_yearless_end_follows_start():
    # "16 Jan" after a start in Jan 2027 is 16 Jan 2027 even when today is mid-January 2026
    got = split_date_range(["12", "Jan", "2027", "to", "16", "Jan", "visit"], today=D(2026, 1, 20))
    assert got == (D(2027, 1, 12), D(2027, 1, 16), ["visit"])


RANGE_REFUSED = [
    ("2027-01-16 to 2027-01-12 visit", "The end date (Tue 12 Jan 2027) is before the start date (Sat 16 Jan 2027)."),
    ("", "Please give a date"),
    ("visit to Suva", "I couldn't find a date at the start of “visit to Suva”."),
    ("03/04/2027 visit", "ambiguous"),
    ("2027-01-12 to 2027-02-30 visit", "February 2027 has 28 days"),
    ("2027-01-12 to 13/01/2027 visit", "ambiguous"),
    ("2027-01-16 2027-01-12 visit", "The end date (Tue 12 Jan 2027) is before the start date (Sat 16 Jan 2027)."),
    ("2027-01-12 2027-01-32 visit", "January 2027 has 31 days"),
    ("28-3 Jan 2027 visit", "the first day comes after the last; for a range across months type both dates"),
    ("30-31 Feb 2027", "February 2027 has 28 days"),
    ("yesterday visit", "“yesterday” is in the past: please type the date itself, e.g. “2026-11-30”."),
    ("2 days ago visit", "“2 days ago” is in the past"),
    ("next week visit", "“next week” isn't one day: type “in 1 week”"),
    ("fryday visit", "did you mean friday?"),
]


@pytest.mark.parametrize(("text", "message"), RANGE_REFUSED)
def test_split_date_range_refuses(text, message):
    with pytest.raises(WhenError) as info:
        split_date_range(text.split(), today=TODAY)
    assert message in str(info.value)
    assert info.value.hint == forms_listed(info.value)


# ------------------------------------------------------------------ describe

DESCRIBE = [
    (utc(2027, 1, 5, 0, 0), TOKYO, "Tue 5 Jan 2027 09:00 JST"),
    (utc(2026, 12, 31, 21, 0), FIJI, "Fri 1 Jan 2027 09:00 UTC+12"),
    (utc(2026, 12, 31, 20, 0), TONGA, "Fri 1 Jan 2027 09:00 UTC+13"),
    (utc(2027, 3, 14, 7, 30), NEW_YORK, "Sun 14 Mar 2027 03:30 EDT"),
    (utc(2027, 3, 14, 6, 30), NEW_YORK, "Sun 14 Mar 2027 01:30 EST"),
    (utc(2027, 11, 7, 5, 30), NEW_YORK, "Sun 7 Nov 2027 01:30 EDT"),
    (utc(2027, 11, 7, 6, 30), NEW_YORK, "Sun 7 Nov 2027 01:30 EST"),
    (utc(2027, 1, 5, 0, 0), ZoneInfo("Asia/Kathmandu"), "Tue 5 Jan 2027 05:45 UTC+5:45"),
    (dt.datetime(2027, 1, 5, 0, 0), TOKYO, "Tue 5 Jan 2027 09:00 JST"),  # naive means UTC
]


@pytest.mark.parametrize(("moment", "tz", "expected"), DESCRIBE)
def test_describe(moment, tz, expected):
    assert describe(moment, tz) == expected


def test_describe_round_trips_through_parse_when():
    moment = parse_when("12 Jan 2027 14:30", now=NOW_TOKYO, tz=TOKYO)
    text = describe(moment, TOKYO)
    assert text == "Tue 12 Jan 2027 14:30 JST"
    assert parse_when(text.removesuffix(" JST"), now=NOW_TOKYO, tz=TOKYO) == moment


def test_accepted_forms_is_a_short_multiline_help():
    lines = ACCEPTED_FORMS.splitlines()
    assert 4 <= len(lines) <= 15
    for example in ("2027-01-12", "12 Jan 2027", "tomorrow 09:00", "in 2 hours", "YYYY-MM-DD"):
        assert example in ACCEPTED_FORMS


# ------------------------------------------------------------------ since: a look back

SINCE = [  # today is Tuesday 1 Dec 2026
    ("today", D(2026, 12, 1)),
    ("yesterday", D(2026, 11, 30)),
    ("tuesday", D(2026, 12, 1)),  # today is one
    ("monday", D(2026, 11, 30)),
    ("friday", D(2026, 11, 27)),
    ("last tuesday", D(2026, 11, 24)),
    ("last week", D(2026, 11, 24)),
    ("last month", D(2026, 11, 1)),
    ("3 days ago", D(2026, 11, 28)),
    ("2 weeks ago", D(2026, 11, 17)),
    ("a month ago", D(2026, 11, 1)),
    ("1 year ago", D(2025, 12, 1)),
    ("12 jan", D(2026, 1, 12)),  # the last 12 January, not the next
    ("3 Dec", D(2025, 12, 3)),
    ("2026-01-31", D(2026, 1, 31)),
    ("12 Jan 2027", D(2027, 1, 12)),  # a full date is itself, even ahead
]


@pytest.mark.parametrize(("text", "day"), SINCE)
def test_since_counts_back_from_today(text, day):
    assert parse_since(text, today=TODAY) == day


@pytest.mark.parametrize(
    ("text", "message"),
    [("2 fortnights ago", "say how long ago in whole days"), ("fryday", "did you mean friday?"), ("", "Please give")],
)
def test_since_refuses_what_it_cannot_read(text, message):
    with pytest.raises(WhenError) as info:
        parse_since(text, today=TODAY)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "example"),
    [
        ("3 days ago", "2026-11-28"),
        ("last month", "2026-11-01"),
        ("last week", "2026-11-24"),
        ("yesterday", "2026-11-30"),
    ],
)
def test_a_date_in_the_past_is_refused_naming_the_exact_day_it_meant(text, example):
    with pytest.raises(WhenError) as info:
        parse_date(text, today=TODAY)
    assert f"e.g. “{example}”" in str(info.value)


# ------------------------------------------------------------------ parts of the day, "hrs", places

PARTS_OK = [
    # now: Tue 1 Dec 2026 10:00 in Tokyo
    ("tomorrow morning call", utc(2026, 12, 2, 0, 0), "call"),
    ("tomorrow afternoon call", utc(2026, 12, 2, 5, 0), "call"),
    ("tomorrow evening call", utc(2026, 12, 2, 9, 0), "call"),
    ("tomorrow night call", utc(2026, 12, 2, 11, 0), "call"),
    ("this afternoon call", utc(2026, 12, 1, 5, 0), "call"),
    ("this evening 19:30 call", utc(2026, 12, 1, 10, 30), "call"),
    ("today evening call", utc(2026, 12, 1, 9, 0), "call"),
    ("friday evening call", utc(2026, 12, 4, 9, 0), "call"),
    ("tomorrow evening 7 call", utc(2026, 12, 2, 10, 0), "call"),
    ("tomorrow afternoon 3 call", utc(2026, 12, 2, 6, 0), "call"),
    ("tomorrow morning at 7 call", utc(2026, 12, 1, 22, 0), "call"),
    ("7pm tomorrow evening call", utc(2026, 12, 2, 10, 0), "call"),
    ("tomorrow COB call", utc(2026, 12, 2, 8, 0), "call"),
    ("friday EOD call", utc(2026, 12, 4, 8, 0), "call"),
    ("EOD friday call", utc(2026, 12, 4, 8, 0), "call"),
    ("friday end of day call", utc(2026, 12, 4, 8, 0), "call"),
    ("friday end of the day call", utc(2026, 12, 4, 8, 0), "call"),
    ("cob call", utc(2026, 12, 1, 8, 0), "call"),
    ("tonite call", utc(2026, 12, 1, 11, 0), "call"),
    ("tomorrow nite call", utc(2026, 12, 2, 11, 0), "call"),
    # the hour after a clock time
    ("tomorrow 0800 hrs call", utc(2026, 12, 1, 23, 0), "call"),
    ("tomorrow 0800 hours call", utc(2026, 12, 1, 23, 0), "call"),
    ("tomorrow 08:00 hrs call", utc(2026, 12, 1, 23, 0), "call"),
    ("tomorrow 930 hrs call", utc(2026, 12, 2, 0, 30), "call"),
    ("0800 hrs tomorrow call", utc(2026, 12, 1, 23, 0), "call"),
    ("in 100 hours call", utc(2026, 12, 5, 5, 0), "call"),
    ("in 2 hours call", utc(2026, 12, 1, 3, 0), "call"),
    # everyday words after a date stay the reminder's
    ("tomorrow might be late", utc(2026, 12, 2, 0, 0), "might be late"),
    ("tomorrow evenings are busy", utc(2026, 12, 2, 0, 0), "evenings are busy"),
]


@pytest.mark.parametrize(("text", "expected", "rest"), PARTS_OK)
def test_split_when_reads_parts_of_the_day_and_hrs(text, expected, rest):
    moment, remaining = split_when(text.split(), now=NOW_TOKYO, tz=TOKYO)
    assert moment == expected
    assert remaining == rest.split()


PARTS_REFUSED = [
    ("evening call", "Which evening? Write the day with it"),
    ("this morning call", "“this morning” (09:00) has already passed: Tue 1 Dec 2026 09:00 JST (Asia/Tokyo)."),
    ("tomorrow morning 7pm call", "19:00 is not in the morning"),
    ("9pm tomorrow morning call", "21:00 is not in the morning"),
    ("tomorrow night 3am call", "03:00 is not in the night"),
    ("tomorrow evning call", "I don't know “evning”: did you mean evening?"),
    ("tomorrow afternon call", "did you mean afternoon?"),
    ("tomorrow 8 hrs call", "Is “8” a time?"),
]


@pytest.mark.parametrize(("text", "message"), PARTS_REFUSED)
def test_split_when_refuses_parts_of_the_day_it_cannot_read(text, message):
    with pytest.raises(WhenError) as info:
        split_when(text.split(), now=NOW_TOKYO, tz=TOKYO)
    assert message in str(info.value)


def test_a_misspelt_part_of_the_day_offers_the_word_meant():
    with pytest.raises(WhenError) as info:
        split_when(["tomorrow", "evning", "call"], now=NOW_TOKYO, tz=TOKYO)
    assert info.value.correction == ("evning", "evening")


@pytest.mark.parametrize(
    ("words", "typed", "at", "instead"),
    [
        ("tomorrow evening", "tomorrow evening", dt.time(18, 0), "tomorrow 19:30"),
        ("this morning", "this morning", dt.time(9, 0), "today 10:30"),
        ("friday EOD", "friday EOD", dt.time(17, 0), "friday 16:00"),
        ("COB", "COB", dt.time(17, 0), "16:00"),
        ("tonight", "tonight", dt.time(20, 0), "today 21:30"),
    ],
)
def test_the_time_a_part_of_the_day_is_read_as(words, typed, at, instead):
    from commands.when.moments import AssumedTime, assumed_time

    assert assumed_time(words.split()) == AssumedTime(typed, at, instead)


@pytest.mark.parametrize("words", ["tomorrow", "tomorrow 09:00", "tomorrow evening 7", "7pm tomorrow evening", "noon"])
def test_no_time_is_assumed_when_one_is_written(words):
    from commands.when.moments import assumed_time

    assert assumed_time(words.split()) is None


def test_every_place_names_a_zone_tzdata_knows():
    from zoneinfo import available_timezones

    from commands.when.places import CITIES, fold

    zones = available_timezones()
    assert [(name, zone) for name, zone, _ in CITIES if zone not in zones] == []
    assert fold("Nuku'alofa") == fold("Nukuʻalofa") == fold("Nuku’alofa") == "nukualofa"
    assert fold("Malé") == "male" and fold("Port-Vila") == fold("port  vila") == "port vila"
    assert fold("Hagåtña") == "hagatna" and fold("Washington D.C.") == "washington dc"


@pytest.mark.parametrize(
    ("typed", "zone", "label"),
    [
        ("Suva", "Pacific/Fiji", "Suva time"),
        ("HONIARA", "Pacific/Guadalcanal", "Honiara time"),
        ("nukualofa", "Pacific/Tongatapu", "Nuku'alofa time"),
        ("Tokyo", "Asia/Tokyo", "Tokyo time"),
        ("Pacific", "US/Pacific", "US Pacific time"),
        ("Port Moresby", "Pacific/Port_Moresby", "Port Moresby time"),
        ("Buka", "Pacific/Bougainville", "Buka time"),
    ],
)
def test_read_place(typed, zone, label):
    from commands.when.places import read_place

    found = read_place(typed)
    assert found is not None and (found.tz.key, found.label) == (zone, label)  # type: ignore[attr-defined]


def test_a_place_on_several_clocks_is_asked_about_and_an_unknown_one_is_none():
    from commands.when.places import near_place, read_place

    with pytest.raises(ReadButRefused, match=r"“Victoria time” names places on different clocks"):
        read_place("Victoria")
    assert read_place("Xyz") is None
    assert near_place("Honiarra") == "Honiara" and near_place("Xyz") is None


@pytest.mark.parametrize(
    "typed", ["Christmas", "Easter", "Wake", "Casey", "Davis", "Stanley", "General", "Midway", "Center", "Knox"]
)
def test_words_tzdata_names_zones_after_are_no_places(typed):
    """tzdata's Indian/Christmas, Pacific/Easter, Antarctica/Casey, Mexico/General...: words, not clocks."""
    from commands.when.places import read_place

    assert read_place(typed) is None


def test_every_vetted_zone_place_is_a_zone_tzdata_knows():
    from zoneinfo import available_timezones

    from commands.when.places import ZONE_PLACES

    assert sorted(ZONE_PLACES - available_timezones()) == []
    assert not [key for key in ZONE_PLACES if key.startswith(("Antarctica/", "Etc/"))]


def test_a_misspelt_zone_name_is_offered_only_part_by_part():
    from commands.when.zones import near_zone_name, read_zone_name

    assert near_zone_name("Pacific/Fijii") == "Pacific/Fiji" and near_zone_name("Pacfic/Fiji") == "Pacific/Fiji"
    assert near_zone_name("Asia/Pacific") is None  # not US/Pacific
    assert read_zone_name("Asia/Pacific") is None and read_zone_name("Pacific/Asia") is None  # a region: words
    with pytest.raises(ReadButRefused, match="I don't know the time zone “Pacific/Nowhere”"):
        read_zone_name("Pacific/Nowhere")


@pytest.mark.parametrize(
    ("number", "following", "counts"),
    [
        ("500", "copies", True),
        ("150", "pax", True),
        ("3", "containers", True),
        ("24h", "notice", True),
        ("96hr", "NOA", True),
        ("930", "call", False),
        ("0930", "reports", False),  # a time written as one
        ("8", "hrs", False),  # 08:00 hrs?
        ("21h", "call", False),
    ],
)
def test_a_number_that_counts_what_follows(number, following, counts):
    from commands.when.times import counted

    assert counted(number, following) is counts


@pytest.mark.parametrize(
    ("words", "compound"),
    [
        ("night shift roster", True),
        ("morning brief slides", True),
        ("night shift", True),
        ("morning brief the CO", False),
        ("morning call the DA", False),
        ("evening report to the XO", False),
        ("shift roster", False),
    ],
)
def test_a_part_of_the_day_making_one_thing_with_a_noun(words, compound):
    from commands.when.moments import part_compound

    assert part_compound(words.split()) is compound


def test_a_number_of_hours_after_a_date_is_the_texts_and_a_capitalised_name_no_misspelling():
    assert split_when(["monday", "96hr", "NOA"], now=NOW_TOKYO, tz=TOKYO)[1] == ["96hr", "NOA"]
    assert split_when(["tomorrow", "Noonan", "call"], now=NOW_TOKYO, tz=TOKYO)[1] == ["Noonan", "call"]
    with pytest.raises(WhenError, match="did you mean noon"):
        split_when(["tomorrow", "noonn", "call"], now=NOW_TOKYO, tz=TOKYO)
