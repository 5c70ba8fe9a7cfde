"""Calendar feeds as an officer meets them: `/ipslo calendar`, then Outlook or a phone reading the address over HTTP."""

from __future__ import annotations

import datetime as dt
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace

import pytest
from icalendar import Calendar

from bot.__main__ import main
from storage.calendar import hash_token
from tests.conftest import ADMIN, OFFICER, Workspace, served

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 25 Nov 2026, 12:00 in Tokyo
PUBLIC = "https://ipslo.example.org"
ADDRESS = re.compile(re.escape(PUBLIC) + r"/calendar/([A-Za-z0-9_-]+)\.ics")


@pytest.fixture
def desk(settings, database, standin) -> Iterator[Workspace]:
    with served(replace(settings, public_url=PUBLIC), database, standin, clock=lambda: NOW) as workspace:
        yield workspace


def fetch(workspace: Workspace, token: str, method: str = "GET") -> tuple[int, str, bytes]:
    base = workspace.url.removesuffix("/slack/events")
    request = urllib.request.Request(f"{base}/calendar/{token}.ics", method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def events(workspace: Workspace, token: str) -> dict[str, dict]:
    """The feed as a calendar reads it: each event by UID, with its properties decoded by icalendar."""
    status, content_type, body = fetch(workspace, token)
    assert status == 200 and content_type.startswith("text/calendar"), (status, body[:200])
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and "PRODID" in calendar
    out = {}
    for event in calendar.walk("VEVENT"):
        alarms = [str(a["ACTION"]) for a in event.walk("VALARM")]
        out[str(event["UID"])] = {
            "summary": str(event["SUMMARY"]),
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND") if "DTEND" in event else None,
            "status": str(event.get("STATUS", "")),
            "sequence": int(event.get("SEQUENCE", 0)),
            "stamp": event.decoded("DTSTAMP"),
            "description": str(event.get("DESCRIPTION", "")),
            "url": str(event.get("URL", "")),
            "alarms": alarms,
        }
    return out


def addresses(text: str) -> list[str]:
    return ADDRESS.findall(text)


def test_my_feed_has_my_visits_as_all_day_events_and_my_reminders_with_an_alarm(desk: Workspace) -> None:
    answer = desk.command("calendar")
    assert "Your visits and reminders" in answer.text and "The team's visits and reassessment deadlines" in answer.text
    mine, team = addresses(answer.text)
    assert len(mine) >= 40 and mine != team
    desk.command("visit add fiji 2027-01-12 to 2027-01-16 country visit")
    desk.command("visit add tonga 2027-02-01 capacity building PFSO seminar")
    desk.command("visit add samoa 2027-03-01 bilateral meeting", user=ADMIN)  # not mine
    desk.command("remind fiji tomorrow 09:00 send agenda to the DA")

    feed = events(desk, mine)
    fiji = feed["visit-1@ipslo-bot"]
    assert fiji["summary"] == "Fiji: country visit"
    assert (fiji["start"], fiji["end"]) == (dt.date(2027, 1, 12), dt.date(2027, 1, 17))  # all day, end exclusive
    assert fiji["status"] == "CONFIRMED" and fiji["sequence"] == 0
    assert "Nation: Fiji (Republic of Fiji, FJ)" in fiji["description"]
    assert "Kind: country visit" in fiji["description"] and "Lead: Lt Kim" in fiji["description"]
    assert "Pacific/Fiji" in fiji["description"]
    assert fiji["url"].startswith(desk.standin.base_url) and "app_redirect" in fiji["url"]  # back to Slack
    assert feed["visit-2@ipslo-bot"]["summary"] == "Tonga: capacity building – PFSO seminar"
    assert "visit-3@ipslo-bot" not in feed
    agenda = [e for e in feed.values() if e["summary"] == "Reminder: send agenda to the DA"]
    assert len(agenda) == 1
    assert agenda[0]["start"] == dt.datetime(2026, 11, 26, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    assert agenda[0]["alarms"] == ["DISPLAY"]
    visit_reminders = [e for e in feed.values() if e["summary"].startswith("Reminder: Country visit to Fiji")]
    assert len(visit_reminders) == 3 and all(e["alarms"] == ["DISPLAY"] for e in visit_reminders)


def test_a_moved_visit_moves_and_a_cancelled_one_shows_cancelled(desk: Workspace) -> None:
    [mine, team] = addresses(desk.command("calendar").text)
    desk.command("visit add fiji 2027-01-12 to 2027-01-16 country visit")
    desk.command("visit add tonga 2027-02-01 capacity building")
    before = events(desk, mine)

    desk.command("visit move 1 2027-01-19")
    desk.command("visit cancel 2")
    after = events(desk, mine)
    moved, cancelled = after["visit-1@ipslo-bot"], after["visit-2@ipslo-bot"]
    assert (moved["start"], moved["end"]) == (dt.date(2027, 1, 19), dt.date(2027, 1, 24))  # same UID, new dates
    assert moved["sequence"] > before["visit-1@ipslo-bot"]["sequence"]
    assert moved["stamp"] >= before["visit-1@ipslo-bot"]["stamp"]  # iCalendar keeps whole seconds
    assert cancelled["status"] == "CANCELLED" and cancelled["sequence"] > 0
    assert not [e for e in after.values() if e["summary"].startswith("Reminder: Capacity building to Tonga")]
    fiji_reminders = sorted(e["start"] for e in after.values() if "Country visit to Fiji" in e["summary"])
    assert fiji_reminders[-1] == dt.datetime(2027, 1, 18, 0, 0, tzinfo=UTC)  # the reminders moved too
    assert events(desk, team)["visit-2@ipslo-bot"]["status"] == "CANCELLED"


def test_the_team_feed_has_every_visit_and_the_reassessment_deadlines(desk: Workspace) -> None:
    [_mine, team] = addresses(desk.command("calendar").text)
    desk.command("visit add fiji 2027-01-12 country visit")
    desk.command("visit add samoa 2027-03-01 bilateral meeting", user=ADMIN)
    desk.command("assess fiji 2025-10-03 substantially implementing trip report 25-041", user=ADMIN)
    feed = events(desk, team)
    assert {"visit-1@ipslo-bot", "visit-2@ipslo-bot"} <= set(feed)
    assert feed["visit-2@ipslo-bot"]["summary"] == "Samoa: bilateral meeting"
    due = feed["reassessment-fj@ipslo-bot"]
    assert due["summary"] == "Reassessment due: Fiji"
    assert (due["start"], due["end"]) == (dt.date(2028, 10, 3), dt.date(2028, 10, 4))
    assert "46 U.S.C. 70108(d)" in due["description"]
    first = due["sequence"]
    desk.command("assess fiji 2026-11-20 substantially implementing", user=ADMIN)
    again = events(desk, team)["reassessment-fj@ipslo-bot"]
    assert again["start"] == dt.date(2029, 11, 20) and again["sequence"] > first
    assert not [e for e in feed.values() if e["summary"].startswith("Reminder:")]  # reminders are personal


def test_reset_stops_the_old_address_at_once_and_a_wrong_token_gets_a_plain_404(desk: Workspace) -> None:
    [mine, team] = addresses(desk.command("calendar").text)
    assert fetch(desk, mine)[0] == 200
    again = desk.command("calendar")
    assert addresses(again.text) == []  # shown once only
    assert "can't show it again" in again.text and "last read by a calendar" in again.text
    assert "/ipslo calendar reset" in again.text

    reset = desk.command("calendar reset")
    [new_mine, new_team] = addresses(reset.text)
    assert "The old addresses stopped working just now" in reset.text
    assert {new_mine, new_team}.isdisjoint({mine, team})
    gone, never = fetch(desk, mine), fetch(desk, "x" * 43)
    assert gone[0] == never[0] == 404 and gone[2] == never[2] == b"Not found.\n"  # no hint it ever existed
    assert fetch(desk, team)[0] == 404
    assert fetch(desk, new_mine)[0] == 200 and fetch(desk, new_team)[0] == 200
    assert fetch(desk, new_mine, method="HEAD")[0] == 200

    only_team = desk.command("calendar reset team")
    [newest_team] = addresses(only_team.text)
    assert fetch(desk, new_team)[0] == 404 and fetch(desk, newest_team)[0] == 200 and fetch(desk, new_mine)[0] == 200


def test_an_officer_removed_from_the_officers_list_loses_their_feed_at_once(
    settings, database, standin, desk: Workspace
) -> None:
    [mine, team] = addresses(desk.command("calendar").text)
    assert fetch(desk, mine)[0] == 200
    without_me = replace(settings, public_url=PUBLIC, officers=frozenset({ADMIN}), admins=frozenset({ADMIN}))
    with served(without_me, database, standin, clock=lambda: NOW) as after:
        assert fetch(after, mine)[0] == 404 and fetch(after, team)[0] == 404  # both of the removed officer's addresses
    assert fetch(desk, mine)[0] == 200  # still on the list where they are


def test_tokens_are_long_random_and_stored_only_hashed(desk: Workspace) -> None:
    [mine, team] = addresses(desk.command("calendar").text)
    with desk.database.engine.connect() as connection:
        stored = [row[0] for row in connection.exec_driver_sql("SELECT token_hash FROM calendar_feeds")]
    assert sorted(stored) == sorted([hash_token(mine), hash_token(team)])
    assert mine not in stored and len(mine) >= 43


def test_without_a_public_address_the_reply_says_what_to_set(settings, database, standin) -> None:
    with served(settings, database, standin, clock=lambda: NOW) as desk:
        answer = desk.command("calendar")
    assert "IPSLO_PUBLIC_URL" in answer.text
    # the officer's own member ID is filled in: the console never shows it, and Slack's is hidden in a profile menu
    assert f"python -m bot calendar --user {OFFICER} > my.ics" in answer.text, answer.text
    assert addresses(answer.text) == []
    with database.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM calendar_feeds").scalar() == 0


def test_an_unknown_word_is_refused_with_the_usage(desk: Workspace) -> None:
    answer = desk.command("calendar sideways")
    assert "I don't know “sideways” here" in answer.text and "/ipslo calendar reset" in answer.text
    assert "calendar [reset [mine|team]]" in desk.command("help").text


def test_the_command_line_writes_my_feed_to_a_file(desk: Workspace, monkeypatch, capsysbinary) -> None:
    desk.command("visit add fiji 2027-01-12 to 2027-01-16 country visit")
    monkeypatch.setenv("DATABASE_URL", desk.settings.database_url)
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "IPSLO_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["calendar", "--user", OFFICER]) == 0
    calendar = Calendar.from_ical(capsysbinary.readouterr().out)
    [visit] = [e for e in calendar.walk("VEVENT") if str(e["UID"]) == "visit-1@ipslo-bot"]
    assert visit.decoded("DTSTART") == dt.date(2027, 1, 12)
