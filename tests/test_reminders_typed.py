"""A reminder's time as officers write it: a dot or an h in the time ("9.30am", "21h"), a zone after it (an offset
from UTC, an abbreviation, a place, "local time"), and what looks like a time or a zone but is none we read: refused
with what to type, never taken for the reminder's first words while the officer's own zone and 09:00 are used."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import DESK_NOW, Workspace
from tests.test_reminders import all_reminders

UTC = dt.UTC
#: Wednesday 25 Nov 2026, 12:00 in Tokyo (the officer's zone). New York keeps EST, Sydney AEDT.
NOW = DESK_NOW


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "due", "says"),
    [
        # a dot between hour and minutes, am/pm or not, and the hour with an h: tomorrow is Thu 26 Nov in Tokyo
        ("fiji tomorrow 9.30am call the DA", at(2026, 11, 26, 0, 30), "Thu 26 Nov 2026 09:30 JST"),
        ("fiji tomorrow 9.30 pm call the DA", at(2026, 11, 26, 12, 30), "Thu 26 Nov 2026 21:30 JST"),
        ("fiji tomorrow 9.30 call the DA", at(2026, 11, 26, 0, 30), "Thu 26 Nov 2026 09:30 JST"),
        ("fiji tomorrow 21h call the DA", at(2026, 11, 26, 12, 0), "Thu 26 Nov 2026 21:00 JST"),
        ("fiji tomorrow 2130h call the DA", at(2026, 11, 26, 12, 30), "Thu 26 Nov 2026 21:30 JST"),
        ("fiji tomorrow 21h30 call the DA", at(2026, 11, 26, 12, 30), "Thu 26 Nov 2026 21:30 JST"),
        ("fiji tomorrow 0930hrs call the DA", at(2026, 11, 26, 0, 30), "Thu 26 Nov 2026 09:30 JST"),
        # a fixed offset from UTC, shown as such
        ("fiji tomorrow 9pm UTC+12 call the DA", at(2026, 11, 26, 9, 0), "(21:00 UTC+12, as you wrote)"),
        ("fiji tomorrow 9pm UTC +12 call the DA", at(2026, 11, 26, 9, 0), "(21:00 UTC+12, as you wrote)"),
        ("fiji tomorrow 09:00 UTC+5:30 call the DA", at(2026, 11, 26, 3, 30), "(09:00 UTC+5:30, as you wrote)"),
        ("fiji tomorrow 09:00 GMT-5 call the DA", at(2026, 11, 26, 14, 0), "(09:00 UTC-5, as you wrote)"),
        ("fiji tomorrow 09:00 +10:00 call the DA", at(2026, 11, 25, 23, 0), "(09:00 UTC+10, as you wrote)"),
        # a time and Zulu in one word, as in a date-time group
        ("fiji tomorrow 0900Z call the DA", at(2026, 11, 26, 9, 0), "(09:00 UTC, as you wrote)"),
        # abbreviations in use that day, said back as written
        ("fiji tomorrow 9am CET call the DA", at(2026, 11, 26, 8, 0), "(09:00 CET, as you wrote)"),
        ("fiji tomorrow 9am EST call the DA", at(2026, 11, 26, 14, 0), "(09:00 EST, as you wrote)"),
        ("fiji tomorrow 9am AEDT call the DA", at(2026, 11, 25, 22, 0), "(09:00 AEDT, as you wrote)"),
        ("fiji 2027-07-01 9am EDT call the DA", at(2027, 7, 1, 13, 0), "(09:00 EDT, as you wrote)"),
        ("fiji 2027-06-01 9am AEST call the DA", at(2027, 5, 31, 23, 0), "(09:00 AEST, as you wrote)"),
        ("fiji tomorrow 9am SAST call the DA", at(2026, 11, 26, 7, 0), "(09:00 SAST, as you wrote)"),
        # a place: "local time" is the time of the nation the reminder is about, and the reply says so
        ("fiji tomorrow 9am local time call the DA", at(2026, 11, 25, 21, 0), "(09:00 local time in Fiji, as you"),
        ("me tomorrow 9am local time call the DA about tonga", at(2026, 11, 25, 20, 0), "09:00 local time in Tonga"),
        ("fiji tomorrow 9am New York time call the DA", at(2026, 11, 26, 14, 0), "(09:00 New York time, as you"),
        ("fiji tomorrow 9am Pacific time call the DA", at(2026, 11, 26, 17, 0), "(09:00 Thu US Pacific time, as you"),
        # "my time" is the officer's own, not Malaysia's ("MY")
        ("fiji tomorrow 9am my time call the DA", at(2026, 11, 26, 0, 0), "09:00 JST (12:00 in Fiji)"),
    ],
)
def test_times_and_zones_as_officers_write_them(desk: Workspace, typed: str, due: dt.datetime, says: str) -> None:
    answer = desk.command(f"remind {typed}")
    assert "I'll remind you" in answer.text and says in answer.text, answer.text
    [reminder] = all_reminders(desk)
    assert (reminder.due_at, reminder.text) == (due, "call the DA")


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        # the abbreviation not in use that day where it names: never read as the other one, an hour off
        (
            "fiji tomorrow 9am EDT call the DA",
            "EDT (UTC-4) is not in use in New York on Thu 26 Nov 2026: New York is on EST (UTC-5) then. Type "
            "“tomorrow 9am EST” for New York's time, or “tomorrow 9am UTC-4” for UTC-4.",
        ),
        (
            "fiji tomorrow 9am AEST call the DA",
            "AEST (UTC+10) is not in use in Sydney on Thu 26 Nov 2026: Sydney is on AEDT (UTC+11) then.",
        ),
        ("fiji 2027-07-01 9am CET call the DA", "Central Europe is on CEST (UTC+2) then"),
        ("me tomorrow 9am EDT call the DA about fiji", "EDT (UTC-4) is not in use in New York"),
        # PST is Philippine Standard Time as well as US Pacific: asked, not guessed; PDT out of season names the zone
        ("fiji tomorrow 9am PST call the DA", "“PST” names more than one time zone (US Pacific and the Philippines)"),
        ("fiji tomorrow 9am PDT call the DA", "Type “tomorrow 9am America/Los_Angeles” for Los Angeles's time"),
        # misspelt zones and places: the line as meant, to send instead
        (
            "fiji tomorrow 9am Pacific/Fijii call the DA",
            "Did you mean: `/ipslo remind fiji tomorrow 9am Pacific/Fiji call the DA`?",
        ),
        ("fiji tomorrow 9am Fijii time call the DA", "Did you mean: `/ipslo remind fiji tomorrow 9am Fiji time call"),
        ("fiji tomorrow 9am Tokio time call the DA", "Did you mean: `/ipslo remind fiji tomorrow 9am Tokyo time call"),
        ("fiji tomorrow 9am Pacific/Nowhere call the DA", "I don't know the time zone “Pacific/Nowhere”"),
        # zones that are not one we can read
        ("fiji tomorrow 9am UTC+25 call the DA", "“UTC+25” is not an offset from UTC I can use"),
        ("fiji tomorrow 9am FJST call the DA", "I don't know the time zone “FJST”"),
        ("fiji tomorrow 9am korea time call the DA", "which one, North Korea or South Korea?"),
        ("fiji tomorrow 9am your time call the DA", "“your time” does not say which clock"),
        ("me tomorrow 9am local time call the DA", "Whose local time? Name the nation first"),
        # what looks like a time but is none we read, after a date that gave none
        ("fiji tomorrow 930 call the DA", "Is “930” a time? I couldn't read it as one: type it as 09:30 or 9:30pm."),
        ("fiji tomorrow 9a call the DA", "type it as 9:00am or 09:00"),
        ("fiji tomorrow 10am-12pm workshop", "Is “10am-12pm” a time?"),
        ("fiji tomorrow 0900L call the DA", "type it as 09:00"),
        # a time alone that could be something else: both readings, and what to type for each
        ("fiji 21h call the DA", "“21h” could be 21:00 or 21 hours from now: type “21:00” or “in 21 hours”."),
        ("fiji 9.30 call the DA", "For the time 09:30, type “09:30”."),
        ("fiji 14.30 call the DA", "write the time with a colon, “14:30”"),
    ],
)
def test_what_looks_like_a_time_or_a_zone_is_refused_never_taken_for_the_text(
    desk: Workspace, typed: str, says: str
) -> None:
    answer = desk.command(f"remind {typed}")
    assert says in answer.text, answer.text
    assert "as you wrote" not in answer.text and "I'll remind you" not in answer.text
    assert all_reminders(desk) == []


def test_a_number_after_the_time_is_the_reminders_own(desk: Workspace) -> None:
    """With the time given, a number after it is the reminder's ("100 pax"), as the refusal above advises."""
    answer = desk.command("remind fiji tomorrow 09:00 930 manifest to the agent")
    assert "I'll remind you" in answer.text, answer.text
    [reminder] = all_reminders(desk)
    assert (reminder.due_at, reminder.text) == (at(2026, 11, 26, 0, 0), "930 manifest to the agent")


def test_a_time_word_later_in_the_text_is_left_as_written(desk: Workspace) -> None:
    desk.command("remind fiji tomorrow 09:00 send the DTG 0900Z to the DA")
    desk.command("remind fiji tomorrow 10:00 lunch time with the DA")
    desk.command("remind fiji tomorrow 11:00 in time for the brief")  # "in" is India's code, and a word
    first, second, third = all_reminders(desk)
    assert (first.due_at, first.text) == (at(2026, 11, 26, 0, 0), "send the DTG 0900Z to the DA")
    assert (second.due_at, second.text) == (at(2026, 11, 26, 1, 0), "lunch time with the DA")
    assert (third.due_at, third.text) == (at(2026, 11, 26, 2, 0), "in time for the brief")
