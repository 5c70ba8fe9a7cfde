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


def assert_reminded(desk: Workspace, typed: str, due: dt.datetime, says: str) -> None:
    """``remind <typed>`` is set for ``due``, the reply says ``says``, and the text kept is "call the DA"."""
    answer = desk.command(f"remind {typed}")
    assert "I'll remind you" in answer.text and says in answer.text, answer.text
    [reminder] = all_reminders(desk)
    assert (reminder.due_at, reminder.text) == (due, "call the DA")


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
    assert_reminded(desk, typed, due, says)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        # the abbreviation not in use that day where it names: never read as the other one, an hour off
        (
            "fiji tomorrow 9am EDT call the DA",
            "EDT (UTC-4) is not in use in New York on Thu 26 Nov 2026: New York is on EST (UTC-5) then. Type "
            "“tomorrow 9am EST” for New York's time, or “tomorrow 9am UTC-4” for UTC-4.",
        ),
        # (AEST in November is Brisbane's, which keeps it all year: read, test_an_abbreviation_kept_somewhere_...)
        (
            "fiji 2027-07-01 9am AEDT call the DA",
            "AEDT (UTC+11) is not in use in Sydney on Thu 1 Jul 2027: Sydney is on AEST (UTC+10) then.",
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


@pytest.mark.parametrize(
    ("typed", "due", "says"),
    [
        # capitals and ports tzdata names no zone after, read as the place's time (tomorrow is Thu 26 Nov in Tokyo)
        ("fiji tomorrow 9am Suva time call the DA", at(2026, 11, 25, 21, 0), "(09:00 Suva time, as you wrote)"),
        ("fiji tomorrow 9am suva time call the DA", at(2026, 11, 25, 21, 0), "(09:00 Suva time, as you wrote)"),
        ("fiji tomorrow 9am Lautoka time call the DA", at(2026, 11, 25, 21, 0), "(09:00 Lautoka time, as you"),
        ("fiji tomorrow 9am Honiara time call the DA", at(2026, 11, 25, 22, 0), "(09:00 Honiara time, as you wrote)"),
        ("fiji tomorrow 9am Nuku'alofa time call the DA", at(2026, 11, 25, 20, 0), "(09:00 Nuku'alofa time, as you"),
        ("fiji tomorrow 9am Nuku’alofa time call the DA", at(2026, 11, 25, 20, 0), "(09:00 Nuku'alofa time, as you"),
        ("fiji tomorrow 9am Nukualofa time call the DA", at(2026, 11, 25, 20, 0), "(09:00 Nuku'alofa time, as you"),
        ("fiji tomorrow 9am Port Vila time call the DA", at(2026, 11, 25, 22, 0), "(09:00 Port Vila time, as you"),
        ("fiji tomorrow 9am Port-Vila time call the DA", at(2026, 11, 25, 22, 0), "(09:00 Port Vila time, as you"),
        ("fiji tomorrow 9am Kolonia time call the DA", at(2026, 11, 25, 22, 0), "(09:00 Kolonia time, as you"),
        ("fiji tomorrow 9am Papeete time call the DA", at(2026, 11, 26, 19, 0), "(09:00 Thu Papeete time, as you"),
        ("fiji tomorrow 9am Male time call the DA", at(2026, 11, 26, 4, 0), "(09:00 Malé time, as you wrote)"),
        ("fiji tomorrow 9am Malé time call the DA", at(2026, 11, 26, 4, 0), "(09:00 Malé time, as you wrote)"),
        ("fiji tomorrow 9am Port Louis time call the DA", at(2026, 11, 26, 5, 0), "(09:00 Port Louis time, as you"),
        ("fiji tomorrow 9am Wellington time call the DA", at(2026, 11, 25, 20, 0), "(09:00 Wellington time, as you"),
        ("fiji tomorrow 9am Delhi time call the DA", at(2026, 11, 26, 3, 30), "(09:00 Delhi time, as you wrote)"),
        ("fiji tomorrow 9am Hanoi time call the DA", at(2026, 11, 26, 2, 0), "(09:00 Hanoi time, as you wrote)"),
        ("fiji tomorrow 9am Ho Chi Minh City time call the DA", at(2026, 11, 26, 2, 0), "(09:00 Ho Chi Minh City"),
        ("fiji tomorrow 9am Washington time call the DA", at(2026, 11, 26, 14, 0), "(09:00 Washington time, as"),
        # Koror keeps Tokyo's clock: no second clock of its own to show
        ("fiji tomorrow 9am Koror time call the DA", at(2026, 11, 26, 0, 0), "09:00 JST (12:00 in Fiji)"),
        # places tzdata names, as before
        ("fiji tomorrow 9am Apia time call the DA", at(2026, 11, 25, 20, 0), "(09:00 Apia time, as you wrote)"),
        ("fiji tomorrow 9am Majuro time call the DA", at(2026, 11, 25, 21, 0), "(09:00 Majuro time, as you wrote)"),
        ("fiji tomorrow 9am Port Moresby time call the DA", at(2026, 11, 25, 23, 0), "(09:00 Port Moresby time"),
        ("fiji tomorrow 9am Manila time call the DA", at(2026, 11, 26, 1, 0), "(09:00 Manila time, as you wrote)"),
        # a nation's code in lower case that is no everyday word, "local" before "time", "time" after a zone
        ("fiji tomorrow 9am png time call the DA", at(2026, 11, 25, 23, 0), "(09:00 Papua New Guinea time"),
        ("fiji tomorrow 9am Fiji local time call the DA", at(2026, 11, 25, 21, 0), "(09:00 Fiji time, as you wrote)"),
        ("fiji tomorrow 9am Suva local time call the DA", at(2026, 11, 25, 21, 0), "(09:00 Suva time, as you wrote)"),
        ("fiji tomorrow 9am UTC time call the DA", at(2026, 11, 26, 9, 0), "(09:00 UTC, as you wrote)"),
        ("fiji tomorrow 0900 Zulu time call the DA", at(2026, 11, 26, 9, 0), "(09:00 UTC, as you wrote)"),
        ("fiji tomorrow 9am JST time call the DA", at(2026, 11, 26, 0, 0), "09:00 JST (12:00 in Fiji)"),
    ],
)
def test_a_capital_or_port_names_its_time(desk: Workspace, typed: str, due: dt.datetime, says: str) -> None:
    assert_reminded(desk, typed, due, says)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        # "<words> time" that names no zone or place we know: refused with what to type, and how to keep the words
        (
            "fiji tomorrow 9am Xyz time call the DA",
            "I don't know “Xyz time”: write the zone (“Pacific/Fiji”), an offset (“UTC+12”), a nation (“Fiji time”) "
            "or its capital (“Suva time”). If “Xyz time” is part of the reminder, put it in quotes: “tomorrow 9am "
            '"Xyz time" …”.',
        ),
        ("fiji tomorrow 9am Port Xyz time call the DA", "I don't know “Port Xyz time”"),
        ("fiji tomorrow 9am Xyz City time call the DA", "I don't know “Xyz City time”"),
        ("fiji tomorrow evening Xyz time call the DA", '“tomorrow evening "Xyz time" …”'),
        ("me tomorrow 9am Xyz time call the DA about fiji", "I don't know “Xyz time”"),
        # misspelt: the line as meant
        (
            "fiji tomorrow 9am Honiarra time call the DA",
            "Did you mean: `/ipslo remind fiji tomorrow 9am Honiara time call the DA`?",
        ),
        ("fiji tomorrow 9am Wellingtn time call the DA", "`/ipslo remind fiji tomorrow 9am Wellington time call"),
        ("fiji tomorrow 9am Papeette time call the DA", "`/ipslo remind fiji tomorrow 9am Papeete time call the DA`"),
        # a name of places on different clocks: which one, by its zone
        ("fiji tomorrow 9am Victoria time call the DA", "Seychelles (Indian/Mahe)"),
        (
            "fiji tomorrow 9am Kingston time call the DA",
            "Norfolk Island (Pacific/Norfolk) or Jamaica (America/Jamaica)",
        ),
        ("fiji tomorrow 9am Norfolk time call the DA", "Virginia (America/New_York)"),
    ],
)
def test_a_place_time_not_known_is_refused_never_taken_for_the_text(desk: Workspace, typed: str, says: str) -> None:
    answer = desk.command(f"remind {typed}")
    assert says in answer.text, answer.text
    assert "I'll remind you" not in answer.text
    assert all_reminders(desk) == []


def test_everyday_words_before_time_and_words_in_quotes_are_the_reminders_own(desk: Workspace) -> None:
    desk.command("remind fiji tomorrow 09:00 confirm time with the DA")
    desk.command("remind fiji tomorrow 10:00 ask about time of arrival")
    desk.command('remind fiji tomorrow 11:00 "berthing time" for the cutter')
    desk.command("remind fiji tomorrow might be late")  # "might" is no misspelt "night"
    first, second, third, fourth = all_reminders(desk)
    assert (first.due_at, first.text) == (at(2026, 11, 26, 0, 0), "confirm time with the DA")
    assert (second.due_at, second.text) == (at(2026, 11, 26, 1, 0), "ask about time of arrival")
    assert (third.due_at, third.text) == (at(2026, 11, 26, 2, 0), '"berthing time" for the cutter')
    assert (fourth.due_at, fourth.text) == (at(2026, 11, 26, 0, 0), "might be late")


@pytest.mark.parametrize(
    ("typed", "due", "says"),
    [
        # a part of the day after a date is read as a time, and the reply says which (now: Wed 25 Nov 12:00 Tokyo)
        ("fiji tomorrow morning call the DA", at(2026, 11, 26, 0, 0), "I read “tomorrow morning” as 09:00"),
        ("fiji tomorrow afternoon call the DA", at(2026, 11, 26, 5, 0), "I read “tomorrow afternoon” as 14:00"),
        (
            "fiji tomorrow evening call the DA",
            at(2026, 11, 26, 9, 0),
            "I read “tomorrow evening” as 18:00; for another time, write it: `/ipslo remind fiji tomorrow 19:30 …`",
        ),
        ("fiji tomorrow night call the DA", at(2026, 11, 26, 11, 0), "I read “tomorrow night” as 20:00"),
        ("fiji this evening call the DA", at(2026, 11, 25, 9, 0), "`/ipslo remind fiji today 19:30 …`"),
        ("fiji tonight call the DA", at(2026, 11, 25, 11, 0), "I read “tonight” as 20:00"),
        # the end of the working day: 17:00
        ("fiji tomorrow COB call the DA", at(2026, 11, 26, 8, 0), "I read “tomorrow COB” as 17:00"),
        ("fiji friday EOD call the DA", at(2026, 11, 27, 8, 0), "I read “friday EOD” as 17:00"),
        ("fiji friday close of business call the DA", at(2026, 11, 27, 8, 0), "“friday close of business” as 17:00"),
        ("fiji COB call the DA", at(2026, 11, 25, 8, 0), "`/ipslo remind fiji 16:00 …`"),
        # a part of the day in another zone is that zone's
        ("fiji tomorrow evening Fiji time call the DA", at(2026, 11, 26, 6, 0), "as 18:00 Fiji time"),
        ("me tomorrow evening call the DA about tonga", at(2026, 11, 26, 9, 0), "I read “tomorrow evening” as 18:00"),
    ],
)
def test_a_part_of_the_day_is_read_as_a_time_and_said(desk: Workspace, typed: str, due: dt.datetime, says: str) -> None:
    assert_reminded(desk, typed, due, says)


@pytest.mark.parametrize(
    ("typed", "due"),
    [
        # with a time written, the part of the day only checks it; "hrs" after a time is the time's
        ("fiji tomorrow evening 7 call the DA", at(2026, 11, 26, 10, 0)),
        ("fiji tomorrow evening at 7:30pm call the DA", at(2026, 11, 26, 10, 30)),
        ("fiji 9am tomorrow morning call the DA", at(2026, 11, 26, 0, 0)),
        ("fiji tomorrow 0800 hrs call the DA", at(2026, 11, 25, 23, 0)),
        ("fiji tomorrow 1400 hours call the DA", at(2026, 11, 26, 5, 0)),
        ("fiji tomorrow 08:00 hrs call the DA", at(2026, 11, 25, 23, 0)),
        ("fiji tomorrow 0800hrs call the DA", at(2026, 11, 25, 23, 0)),
        ("fiji tomorrow 0930 h call the DA", at(2026, 11, 26, 0, 30)),
        ("fiji tomorrow 0800 hrs Fiji time call the DA", at(2026, 11, 25, 20, 0)),
    ],
)
def test_a_time_written_with_a_part_of_the_day_or_hrs(desk: Workspace, typed: str, due: dt.datetime) -> None:
    answer = desk.command(f"remind {typed}")
    assert "I'll remind you" in answer.text and "I read" not in answer.text, answer.text
    [reminder] = all_reminders(desk)
    assert (reminder.due_at, reminder.text) == (due, "call the DA")


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("fiji evening call the DA", "Which evening? Write the day with it: “this evening” or “tomorrow evening”"),
        ("fiji this morning call the DA", "“this morning” (09:00) has already passed: Wed 25 Nov 2026 09:00 JST"),
        ("fiji tomorrow morning 7pm call the DA", "19:00 is not in the morning"),
        ("fiji tomorrow evning call the DA", "Did you mean: `/ipslo remind fiji tomorrow evening call the DA`?"),
        ("fiji friday afternon call the DA", "Did you mean: `/ipslo remind fiji friday afternoon call the DA`?"),
    ],
)
def test_a_part_of_the_day_not_read_is_refused(desk: Workspace, typed: str, says: str) -> None:
    answer = desk.command(f"remind {typed}")
    assert says in answer.text, answer.text
    assert "I'll remind you" not in answer.text
    assert all_reminders(desk) == []


@pytest.mark.parametrize(
    ("typed", "due", "text"),
    [
        # ordinary words before "time" are no place's clock (tzdata names zones after Christmas Island, Easter
        # Island, Wake Island, Antarctic stations, Mexico/General), nor is "<words> time off/sheet/check"
        ("tomorrow 9am christmas time leave roster", at(2026, 11, 26, 0, 0), "christmas time leave roster"),
        ("tomorrow 9am Casey time off request", at(2026, 11, 26, 0, 0), "Casey time off request"),
        ("tomorrow 9am Davis time sheet", at(2026, 11, 26, 0, 0), "Davis time sheet"),
        ("tomorrow 9am Stanley time off", at(2026, 11, 26, 0, 0), "Stanley time off"),
        ("tomorrow 9am Easter time off", at(2026, 11, 26, 0, 0), "Easter time off"),
        ("tomorrow 9am wake time for the crew", at(2026, 11, 26, 0, 0), "wake time for the crew"),
        ("tomorrow 9am general time check", at(2026, 11, 26, 0, 0), "general time check"),
        ("tomorrow 9am Fiji time off", at(2026, 11, 26, 0, 0), "Fiji time off"),
        # tzdata's abbreviations that are words too: only ours are read as zones
        ("tomorrow 9am MET office brief", at(2026, 11, 26, 0, 0), "MET office brief"),
        ("tomorrow 9am CAT drill", at(2026, 11, 26, 0, 0), "CAT drill"),
        ("tomorrow 9am Sgt Lee brief", at(2026, 11, 26, 0, 0), "Sgt Lee brief"),
        ("tomorrow 9am west gate check", at(2026, 11, 26, 0, 0), "west gate check"),
        ("friday WEST gate check", at(2026, 11, 27, 0, 0), "WEST gate check"),  # no time for it to be the zone of
        # two areas are a region, not a misspelt zone
        ("tomorrow 9am Asia/Pacific forum notes", at(2026, 11, 26, 0, 0), "Asia/Pacific forum notes"),
        # numbers that count what follows, and numbers of hours, are the reminder's words (the date's 09:00)
        ("monday 96hr NOA for the cutter", at(2026, 11, 30, 0, 0), "96hr NOA for the cutter"),
        ("tomorrow 24h notice to the PFSO", at(2026, 11, 26, 0, 0), "24h notice to the PFSO"),
        ("tomorrow 12h notice to the PFSO", at(2026, 11, 26, 0, 0), "12h notice to the PFSO"),
        ("friday 48hr pre-arrival report", at(2026, 11, 27, 0, 0), "48hr pre-arrival report"),
        ("friday 500 copies of the brief", at(2026, 11, 27, 0, 0), "500 copies of the brief"),
        ("friday 150 pax manifest", at(2026, 11, 27, 0, 0), "150 pax manifest"),
        ("friday 3 containers to inspect", at(2026, 11, 27, 0, 0), "3 containers to inspect"),
        # a capitalised word is a name, never "corrected" to a time word
        ("tomorrow Noonan call", at(2026, 11, 26, 0, 0), "Noonan call"),
    ],
)
def test_ordinary_reminder_text_stays_text_at_the_time_written(
    desk: Workspace, typed: str, due: dt.datetime, text: str
) -> None:
    """Each was read as a zone or a time (Christmas Island's clock, MET's, 'did you mean noon?', 'hours go from 00
    to 23'), silently moving the reminder or refusing ordinary words."""
    answer = desk.command(f"remind fiji {typed}")
    assert "I'll remind you" in answer.text and "as you wrote" not in answer.text, answer.text
    [reminder] = all_reminders(desk)
    assert (reminder.due_at, reminder.text) == (due, text)


def test_a_clock_time_before_a_count_is_asked_about(desk: Workspace) -> None:
    answer = desk.command("remind fiji friday 1500 pax manifest")
    assert (
        "Is “1500” the time or a number of pax? For the time, write it with a colon: “friday 15:00 pax …”; for the "
        "number, give the time before it: “friday 09:00 1500 pax …”." in answer.text
    ), answer.text
    assert all_reminders(desk) == []


@pytest.mark.parametrize(
    ("typed", "due", "text", "says"),
    [
        # a part of the day making one thing with the noun after it is the reminder's, and the reply says so
        (
            "tomorrow night shift roster",
            at(2026, 11, 26, 0, 0),
            "night shift roster",
            "“night shift” is part of the reminder, not when: I set it for 09:00. To be reminded in the night (20:00),"
            " write the time: `/ipslo remind fiji tomorrow 20:00 night shift roster`",
        ),
        (
            "friday morning brief slides",
            at(2026, 11, 27, 0, 0),
            "morning brief slides",
            "“morning brief” is part of the reminder, not when: I set it for 09:00. For another time, write it: "
            "`/ipslo remind fiji friday 10:30 morning brief slides`",
        ),
        # a verb after the part of the day: it is when
        ("tomorrow morning brief the CO", at(2026, 11, 26, 0, 0), "brief the CO", "I read “tomorrow morning” as 09:00"),
        ("tomorrow evening report to the XO", at(2026, 11, 26, 9, 0), "report to the XO", "as 18:00"),
        ("tomorrow morning call the DA", at(2026, 11, 26, 0, 0), "call the DA", "I read “tomorrow morning” as 09:00"),
    ],
)
def test_a_part_of_the_day_in_a_compound_is_the_reminders(
    desk: Workspace, typed: str, due: dt.datetime, text: str, says: str
) -> None:
    answer = desk.command(f"remind fiji {typed}")
    assert "I'll remind you" in answer.text and says in answer.text, answer.text
    [reminder] = all_reminders(desk)
    assert (reminder.due_at, reminder.text) == (due, text)


@pytest.mark.parametrize(
    ("typed", "due", "says"),
    [
        # an abbreviation kept all year somewhere while the place it names changes: read, and the reply says where
        ("fiji tomorrow 9am AEST call the DA", at(2026, 11, 25, 23, 0), "(09:00 AEST (Brisbane), as you wrote)"),
        ("fiji 2026-12-10 9am AEST call the DA", at(2026, 12, 9, 23, 0), "(09:00 AEST (Brisbane), as you wrote)"),
        ("fiji 2026-12-10 9am ACST call the DA", at(2026, 12, 9, 23, 30), "(09:00 ACST (Darwin), as you wrote)"),
        ("fiji 2027-07-01 9am MST call the DA", at(2027, 7, 1, 16, 0), "MST (Arizona), as you wrote)"),
        # a time alone in a zone is the next time that clock shows it (now: Wed 25 Nov 03:00 UTC, Tue 17:00 in Hawaii)
        ("fiji 0900Z call the DA", at(2026, 11, 25, 9, 0), "Wed 25 Nov 2026 18:00 JST (09:00 UTC, as you wrote)"),
        ("fiji 9am HST call the DA", at(2026, 11, 25, 19, 0), "(09:00 Wed HST, as you wrote)"),
        ("fiji noon UTC call the DA", at(2026, 11, 25, 12, 0), "(12:00 UTC, as you wrote)"),
    ],
)
def test_an_abbreviation_kept_somewhere_and_a_time_alone_in_a_zone(
    desk: Workspace, typed: str, due: dt.datetime, says: str
) -> None:
    """ "9am AEST" in December was refused (only Sydney was checked); "0900Z" at 00:43Z was set for the next day."""
    assert_reminded(desk, typed, due, says)


def test_a_place_read_as_a_clock_stays_one_when_the_text_starts_with_a_word_time_pairs_with(desk: Workspace) -> None:
    """ "9am Nukualofa time check agenda": Nuku'alofa's 9am, then "check agenda" (not the text "Nukualofa time check
    agenda" at 09:00 in Tokyo); "9am Fiji time off" alone stays the text "Fiji time off"."""
    answer = desk.command("remind tonga tomorrow 9am Nukualofa time check agenda")
    assert "(09:00 Nuku'alofa time, as you wrote)" in answer.text, answer.text
    [reminder] = all_reminders(desk)
    assert (reminder.due_at, reminder.text) == (at(2026, 11, 25, 20, 0), "check agenda")
